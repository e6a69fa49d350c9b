"""A verifier of the diplomas' credentials written apart from the signer (``diplomas.credentials``), on libraries the
project did not write: jwcrypto reads and checks the JWS against the key in the issuer's DID document, jsonschema
checks the credential against the Open Badges 3.0 JSON Schema as 1EdTech publishes it, and the status list is decoded
with the standard library from the list credential the app serves. It reaches the app only over HTTP (a test client),
as a verifier on the network would: the DID document, the status list.

The schema (``data/ob_v3p0_achievementcredential_schema.json``) is 1EdTech's file for Open Badges 3.0 on the VC Data
Model 2.0 ($id .../ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json), draft 2019-09; the network is
not reachable from the tests, so it is kept here (docs/decisions/0026).
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
from jwcrypto import jwk, jws

SCHEMA = json.loads((Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_schema.json").read_text())


@dataclass(frozen=True)
class Verdict:
    credential: dict
    revoked: bool


class NotVerified(Exception):
    pass


def did_web_path(did: str) -> str:
    """The path of a did:web DID's document on its host (did:web method, "Read (Resolve)")."""
    parts = did.removeprefix("did:web:").split(":")
    return (
        "/" + "/".join(unquote(part) for part in parts[1:]) + "/did.json" if len(parts) > 1 else "/.well-known/did.json"
    )


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _verified_payload(token: str, client) -> dict:
    try:
        header = json.loads(_decode(token.split(".")[0]))
        did, _fragment = header["kid"].split("#", 1)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise NotVerified(f"the header is not readable: {error}") from error
    if not did.startswith("did:web:"):
        raise NotVerified("the key is not a did:web key")
    response = client.get(did_web_path(did))
    if response.status_code != 200:
        raise NotVerified(f"the issuer's DID document does not resolve ({response.status_code})")
    document = json.loads(response.content)
    if document.get("id") != did:
        raise NotVerified("the DID document is another DID's")
    methods = {method["id"]: method for method in document["verificationMethod"]}
    if header["kid"] not in methods or header["kid"] not in document["assertionMethod"]:
        raise NotVerified("the key is not one of the issuer's assertion methods")
    key = jwk.JWK(**methods[header["kid"]]["publicKeyJwk"])
    signed = jws.JWS()
    try:
        signed.deserialize(token)
        signed.verify(key, alg="EdDSA")
    except (jws.InvalidJWSSignature, jws.InvalidJWSObject, ValueError) as error:
        raise NotVerified(f"the signature does not verify: {error}") from error
    payload = json.loads(signed.payload)
    issuer = payload["issuer"]["id"] if isinstance(payload["issuer"], dict) else payload["issuer"]
    if issuer != did:
        raise NotVerified("signed by another issuer than the credential names")
    return payload


def _revoked(status: dict, client) -> bool:
    url = urlsplit(status["statusListCredential"])
    response = client.get(url.path)
    if response["Content-Type"] != "application/vc+jwt":
        raise NotVerified("the status list is not a secured credential")
    listing = _verified_payload(response.content.decode(), client)
    subject = listing["credentialSubject"]
    if subject["statusPurpose"] != status["statusPurpose"]:
        raise NotVerified("the status list is for another purpose")
    encoded = subject["encodedList"]
    if not encoded.startswith("u"):
        raise NotVerified("the list is not base64url multibase")
    bits = gzip.decompress(_decode(encoded[1:]))
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def verify(document: dict | str, client) -> Verdict:
    """Verify an enveloped credential (its JSON) or a compact JWS: signature by the issuer's DID key, the Open
    Badges schema, and the revocation bit. ``NotVerified`` says why it fails."""
    if isinstance(document, dict):
        if document.get("type") != "EnvelopedVerifiableCredential":
            raise NotVerified("not an enveloped credential")
        token = document["id"].removeprefix("data:application/vc+jwt,")
    else:
        token = document
    payload = _verified_payload(token, client)
    try:
        jsonschema.Draft201909Validator(SCHEMA).validate(payload)
    except jsonschema.ValidationError as error:
        raise NotVerified(f"not an Open Badges 3.0 credential: {error.message}") from error
    return Verdict(credential=payload, revoked=_revoked(payload["credentialStatus"], client))
