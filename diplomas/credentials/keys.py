"""The issuer of the credentials: the university's Ed25519 key (``CREDENTIAL_SIGNING_KEY``, PEM), its ``did:web``
identifier and the DID document the app serves at ``/.well-known/did.json``.

The key is not the PAdES certificate's: an X.509 certificate from a CA is usually RSA or ECDSA and changes on
renewal, while the DID's key is what wallets resolve for years. For the demo (``DIPLOMA_SIGNING_DEMO``) a missing key
is generated on first use, like the PAdES pair.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from diplomas import signing

_keys: dict[str, IssuerKey] = {}
_keys_lock = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class IssuerKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}

    @property
    def thumbprint(self) -> str:
        """The JWK thumbprint (RFC 7638): the key's fragment in the DID, so a new key gets a new id and credentials
        signed with an older one name the key they were signed with."""
        jwk = self.public_jwk
        canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode()).digest())

    @property
    def verification_method(self) -> str:
        return f"{issuer_did()}#{self.thumbprint}"


def issuer_did() -> str:
    """``CREDENTIAL_ISSUER_DID``, or the ``did:web`` of ``MOBILITY_PUBLIC_URL``: its host (a port percent-encoded,
    as did:web requires) and its path segments joined by colons."""
    if settings.CREDENTIAL_ISSUER_DID:
        return settings.CREDENTIAL_ISSUER_DID
    url = urlsplit(settings.MOBILITY_PUBLIC_URL)
    parts = [quote(url.netloc, safe="")] + [segment for segment in url.path.split("/") if segment]
    return "did:web:" + ":".join(parts)


def issuer_key() -> IssuerKey:
    """The process's issuer key, loaded (or, for the demo, generated) once per key path."""
    path = Path(settings.CREDENTIAL_SIGNING_KEY)
    cached = _keys.get(str(path))
    if cached is not None:
        return cached
    with _keys_lock:
        cached = _keys.get(str(path))
        if cached is None:
            if not path.exists():
                if not settings.DIPLOMA_SIGNING_DEMO:
                    raise ImproperlyConfigured(
                        f"The credential signing key ({path}) is missing. Set CREDENTIAL_SIGNING_KEY to an Ed25519 "
                        "private key in PEM, or DIPLOMA_SIGNING_DEMO=1 to generate a demo key."
                    )
                generate_demo_key(path)
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ImproperlyConfigured(f"The credential signing key ({path}) is not an Ed25519 key.")
            cached = IssuerKey(private)
            _keys[str(path)] = cached
    return cached


def reset_issuer_key_cache() -> None:
    with _keys_lock:
        _keys.clear()


def generate_demo_key(path: Path) -> None:
    """Write an Ed25519 private key for the demo, unless another process already has (``signing.demo_files_lock``)."""
    with signing.demo_files_lock(path.parent):
        if path.exists():
            return
        key = Ed25519PrivateKey.generate()
        signing.write_private(
            path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )


def did_document() -> dict:
    """The issuer's DID document: the key as a ``JsonWebKey`` verification method, for assertions."""
    did = issuer_did()
    key = issuer_key()
    method = {
        "id": key.verification_method,
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": key.public_jwk,
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
    }
