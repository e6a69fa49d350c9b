"""Compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037): what secures a credential as ``application/vc+jwt``
(W3C VC-JOSE-COSE). The payload is the credential's JSON itself, not wrapped in a ``vc`` claim.

Signing is ``cryptography``'s Ed25519, deterministic (the same payload and key give the same token), and takes
about 0.1 ms. Verifiers need nothing of this module: any JOSE library reads the token (the tests verify with
jwcrypto, which the project did not write).
"""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature

from .keys import IssuerKey, b64url

VC_MEDIA_TYPE = "vc+jwt"


def json_bytes(document: dict) -> bytes:
    """A document as compact UTF-8 JSON, keys in the order written: the bytes that are signed, embedded and served."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def sign(payload: dict, *, key: IssuerKey, typ: str = VC_MEDIA_TYPE) -> str:
    """``payload`` as a compact JWS signed by ``key``, its verification method as ``kid``."""
    header = {"alg": "EdDSA", "kid": key.verification_method, "typ": typ, "cty": typ.removesuffix("+jwt")}
    signing_input = f"{b64url(json_bytes(header))}.{b64url(json_bytes(payload))}"
    signature = key.private.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


class InvalidToken(ValueError):
    pass


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def read(token: str, *, key: IssuerKey) -> tuple[dict, dict]:
    """``(header, payload)`` of a token this issuer signed with ``key``; ``InvalidToken`` for anything else."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(_b64decode(header_part))
        if header.get("alg") != "EdDSA" or header.get("kid") != key.verification_method:
            raise InvalidToken("not signed with the issuer's key")
        key.public.verify(_b64decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
        return header, json.loads(_b64decode(payload_part))
    except (ValueError, InvalidSignature, UnicodeError) as error:
        raise InvalidToken(str(error) or "malformed token") from error
