"""PAdES signatures on diploma PDFs with the institution's key and certificate (pyHanko).

The signature is added as an incremental update, so the PDF/A that WeasyPrint wrote stays byte for byte the first
revision of the file. The signer is loaded once per process and per key path: pyHanko's stock ``SimpleSigner``
parses the private key again for every signature, which is most of the cost of signing with an RSA key.

For the demo (``settings.DIPLOMA_SIGNING_DEMO``, on with ``DJANGO_DEBUG=1``) a missing key or certificate is generated
on first use: a self-signed ECDSA P-256 pair for 'MSTU "STANKIN" International Office (demo)'.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import pdf_internals

logger = logging.getLogger(__name__)

DEMO_SUBJECT = 'MSTU "STANKIN" International Office (demo)'
FIELD_NAME = "Signature1"

_signers: dict[tuple[str, str], object] = {}
_signers_lock = threading.Lock()


DIPLOMA_REASON = "Diploma issued by the international office"


def sign_pdf(pdf: bytes, *, reason: str = DIPLOMA_REASON) -> bytes:
    """The PDF with a PAdES signature (field ``Signature1``) over the whole file, appended as an incremental update;
    ``reason`` is the signature's stated reason (the office's papers give their own)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="Moscow",
    )
    loaded = signer()
    # PDF/A is built on PDF 1.7: a signer that does not raise the file to PDF 2.0 (``pdf_internals``).
    pdf_signer = pdf_internals.pdf17_pades_signer(meta, signer=loaded)
    # A fixed reservation for the CMS blob spares pyHanko a dry-run signature to measure it (about 9 of 19 ms).
    return pdf_signer.sign_pdf(writer, bytes_reserved=loaded.bytes_reserved).getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko says of a file's signature. ``valid`` means intact and covering the whole file."""

    signed: bool
    intact: bool = False
    whole_file: bool = False
    signer_subject: str = ""
    by_configured_certificate: bool = False

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.whole_file


def verify_pdf(pdf: bytes) -> bool:
    """True when the file has one signature, its signed bytes are unchanged and it covers the whole file.

    Whose signature it is, is ``check_pdf(pdf).by_configured_certificate``; the verification page compares the
    file's SHA-256 with the issued one, which settles that anyway.
    """
    return check_pdf(pdf).valid


def check_pdf(pdf: bytes) -> SignatureCheck:
    """The signature of ``pdf`` examined without network access; a damaged file is reported, never raised."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return SignatureCheck(signed=bool(signatures))
        return _examine(signatures[0])
    except Exception:  # noqa: BLE001 -- any parse or validation error means "not a valid signed diploma"
        logger.info("PDF signature check failed", exc_info=True)
        return SignatureCheck(signed=False)


def _examine(embedded) -> SignatureCheck:
    embedded_cert = embedded.signer_cert
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[embedded_cert], allow_fetching=False))
    configured = _configured_certificate()
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_subject=embedded_cert.subject.human_friendly,
        by_configured_certificate=configured is not None and configured.dump() == embedded_cert.dump(),
    )


@dataclass(frozen=True)
class SignedRevision:
    """A file's first signature and the revision it signs: the bytes up to the end of its ``ByteRange``, which are the
    whole file when nothing was appended after signing and the file as signed when a reader saved it again
    (``revision_sha256``, "" when the file has no signature pyHanko can read)."""

    check: SignatureCheck
    revision_sha256: str = ""


def signed_revision(pdf: bytes) -> SignedRevision:
    """The first signature of ``pdf`` examined without network access, with the SHA-256 of the revision it signs.
    ``check.intact`` says whether the signed bytes are unchanged; ``check.whole_file`` whether nothing follows them.
    A damaged file is reported as unsigned, never raised."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return SignedRevision(check=SignatureCheck(signed=False))
        embedded = signatures[0]
        check = _examine(embedded)
        *_start, last_offset, last_length = embedded.byte_range
        end = int(last_offset) + int(last_length)
    except Exception:  # noqa: BLE001 -- any parse or validation error means "no signature we can confirm"
        logger.info("PDF signature check failed", exc_info=True)
        return SignedRevision(check=SignatureCheck(signed=False))
    return SignedRevision(check=check, revision_sha256=hashlib.sha256(pdf[:end]).hexdigest() if end <= len(pdf) else "")


def configured_subject() -> str:
    """The configured signing certificate's subject as PDF readers show it, or "" when there is none yet."""
    configured = _configured_certificate()
    return configured.subject.human_friendly if configured is not None else ""


# --- the signer ----------------------------------------------------------------------------------------------------


def signing_configured() -> bool:
    """Whether ``signer()`` can sign: the key and certificate exist, or the demo pair may be generated."""
    if getattr(settings, "DIPLOMA_SIGNING_DEMO", False):
        return True
    return Path(settings.DIPLOMA_SIGNING_KEY).exists() and Path(settings.DIPLOMA_SIGNING_CERT).exists()


def signer():
    """The process's signer for the configured key and certificate, loaded (or, for the demo, generated) once."""
    key_path = Path(settings.DIPLOMA_SIGNING_KEY)
    cert_path = Path(settings.DIPLOMA_SIGNING_CERT)
    cache_key = (str(key_path), str(cert_path))
    cached = _signers.get(cache_key)
    if cached is not None:
        return cached
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is None:
            if not (key_path.exists() and cert_path.exists()):
                if not getattr(settings, "DIPLOMA_SIGNING_DEMO", False):
                    raise ImproperlyConfigured(
                        f"The diploma signing key ({key_path}) or certificate ({cert_path}) is missing. Set "
                        "DIPLOMA_SIGNING_KEY and DIPLOMA_SIGNING_CERT, or DIPLOMA_SIGNING_DEMO=1 to generate a "
                        "self-signed demo pair."
                    )
                generate_demo_pair(key_path=key_path, cert_path=cert_path)
            cached = _load_signer(key_path, cert_path, settings.DIPLOMA_SIGNING_KEY_PASSPHRASE or None)
            _signers[cache_key] = cached
    return cached


def reset_signer_cache() -> None:
    """Forget loaded signers (tests; a rotated key is otherwise picked up on the worker's restart)."""
    with _signers_lock:
        _signers.clear()


def _load_signer(key_path: Path, cert_path: Path, passphrase: str | None):
    private_key = serialization.load_pem_private_key(
        key_path.read_bytes(), password=passphrase.encode() if passphrase else None
    )
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    asn1_cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    # A ``SimpleSigner`` that signs with the key object loaded here instead of parsing the key for every signature.
    loaded = pdf_internals.key_preloaded_signer(
        private_key,
        signing_cert=asn1_cert,
        signing_key=asn1_key,
        cert_registry=SimpleCertificateStore(),  # the signing certificate is embedded on its own: listed once
    )
    # The CMS holds the certificate, the signed attributes and the signature: measured at certificate + signature +
    # 333 bytes for RSA 2048 to 4096 and ECDSA P-256 and P-384 (bench/signatures.py). pyHanko's reservation counts
    # the hex digits it writes, two a byte.
    certificates = sum(len(cert.dump()) for cert in [asn1_cert, *loaded.cert_registry])
    loaded.bytes_reserved = 2 * (certificates + _signature_size(private_key) + 1024)
    return loaded


def _signature_size(private_key) -> int:
    """The most bytes the key's signature takes in DER: an RSA modulus' length, or ECDSA's two integers."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.key_size // 8
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return 2 * (private_key.curve.key_size // 8 + 1) + 8
    return 512


def _configured_certificate():
    cert_path = Path(settings.DIPLOMA_SIGNING_CERT)
    if not cert_path.exists():
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def generate_demo_pair(*, key_path: Path, cert_path: Path) -> None:
    """Write a self-signed ECDSA P-256 key and certificate for the demo, unless another process already has.

    A file lock next to the key keeps two workers starting together from writing a key and a certificate that do not
    belong together.
    """
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    with demo_files_lock(key_path.parent):
        if key_path.exists() and cert_path.exists():
            return
        private_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Moscow"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'MSTU "STANKIN"'),
                x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SUBJECT),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
            .sign(private_key, hashes.SHA256())
        )
        write_private(
            key_path,
            private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        logger.warning("Generated a self-signed demo signing certificate at %s", cert_path)


@contextmanager
def demo_files_lock(directory: Path) -> Iterator[None]:
    """Hold a file lock in ``directory`` (created if missing) while demo keys are written there, so two workers
    starting together never write a key and a certificate that do not belong together."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".generate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
