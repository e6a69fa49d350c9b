"""PAdES signatures on diploma PDFs with the institution's key and certificate (pyHanko).

The signature is added as an incremental update, so the PDF/A that WeasyPrint wrote stays byte for byte the first
revision of the file. The signer is loaded once per process and per key path: pyHanko's stock ``SimpleSigner``
parses the private key again for every signature, which is most of the cost of signing with an RSA key.

The CMS structure of a signature is the same for every file but for the file's digest and the signature over the
signed attributes: ``CmsTemplate`` keeps what pyHanko makes for the signer once per process and fills in those two
per file (pyHanko's interrupted signing writes the file around it), about 9 ms of a 14 ms signature spared.

For the demo (``settings.DIPLOMA_SIGNING_DEMO``, on with ``DJANGO_DEBUG=1``) a missing key or certificate is generated
on first use: a self-signed ECDSA P-256 pair for 'MSTU "STANKIN" International Office (demo)'.
"""

from __future__ import annotations

import asyncio
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

from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from asn1crypto.core import Void
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
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
    loaded = signer()
    template = cms_template(loaded)
    if template is None:
        return _pdf_signer(reason, loaded).sign_pdf(_writer(pdf), bytes_reserved=loaded.bytes_reserved).getvalue()
    return asyncio.run(_sign_with_template(pdf, reason, loaded, template))


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _pdf_signer(reason: str, loaded):
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location="Moscow",
    )
    # PDF/A is built on PDF 1.7: a signer that does not raise the file to PDF 2.0 (``pdf_internals``).
    return pdf_internals.pdf17_pades_signer(meta, signer=loaded)


async def _sign_with_template(pdf: bytes, reason: str, loaded, template: CmsTemplate) -> bytes:
    # pyHanko's interrupted signing: the file written with its placeholder and digested, the CMS made here, then
    # written into the placeholder. A fixed reservation spares pyHanko a dry-run signature to measure it.
    prepared, _document, output = await _pdf_signer(reason, loaded).async_digest_doc_for_signing(
        _writer(pdf), bytes_reserved=loaded.bytes_reserved
    )
    cms = template.cms(prepared.document_digest, lambda signed: loaded.sign_raw(signed, "sha256"))
    await PdfTBSDocument.async_finish_signing(output, prepared, cms)
    return output.getvalue()


def _der(tag: int, content: bytes) -> bytes:
    """A DER tag-length-value (ITU-T X.690, 8.1): the short form of the length below 128, else the long one."""
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(octets))) + octets + content


@dataclass(frozen=True)
class CmsTemplate:
    """The CMS ``ContentInfo`` pyHanko makes for the signer, as DER around the two things that change per file: the
    message digest (in the signed attributes) and the signature (over the signed attributes, as a DER ``SET``).

    RFC 5652: ``ContentInfo`` is SEQUENCE { contentType, [0] EXPLICIT SignedData }; ``SignedData`` is SEQUENCE {
    version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos SET }; a ``SignerInfo`` is
    SEQUENCE { version, sid, digestAlgorithm, [0] IMPLICIT signedAttrs, signatureAlgorithm, signature OCTET STRING,
    [1] unsignedAttrs }. The signature is the only part whose length changes (an ECDSA signature's DER does)."""

    content_type: bytes  # contentType, DER
    signed_data_head: bytes  # SignedData's fields before signerInfos, DER
    signer_info_head: bytes  # version, sid and digestAlgorithm, DER
    attributes_before: bytes  # the signed attributes as a SET, up to the message digest's value
    attributes_after: bytes  # the rest of that SET
    signature_algorithm: bytes  # DER
    signer_info_tail: bytes  # unsignedAttrs, DER (none: empty)

    def cms(self, digest: bytes, sign) -> bytes:
        """The ContentInfo for a file whose digest is ``digest``, ``sign`` signing the signed attributes' DER."""
        attributes = self.attributes_before + digest + self.attributes_after
        return self.with_signature(digest, sign(attributes))

    def with_signature(self, digest: bytes, signature: bytes) -> bytes:
        attributes = self.attributes_before + digest + self.attributes_after
        signer_info = _der(
            0x30,
            self.signer_info_head
            + b"\xa0"  # [0] IMPLICIT: the SET's own tag replaced, its length kept
            + attributes[1:]
            + self.signature_algorithm
            + _der(0x04, signature)
            + self.signer_info_tail,
        )
        signed_data = _der(0x30, self.signed_data_head + _der(0x31, signer_info))
        return _der(0x30, self.content_type + _der(0xA0, signed_data))

    @classmethod
    def of(cls, content_info: bytes) -> tuple[CmsTemplate, bytes, bytes] | None:
        """The template of a CMS pyHanko made, with its digest and signature; None when it is not one signer's
        signature over detached data with the digest among its signed attributes once."""
        info = asn1_cms.ContentInfo.load(content_info)
        signed_data = info["content"]
        if info["content_type"].native != "signed_data" or len(signed_data["signer_infos"]) != 1:
            return None
        signer_info = signed_data["signer_infos"][0]
        digests = [a["values"][0].native for a in signer_info["signed_attrs"] if a["type"].native == "message_digest"]
        attributes = signer_info["signed_attrs"].untag().dump()
        if len(digests) != 1 or attributes.count(digests[0]) != 1:
            return None
        digest = digests[0]
        at = attributes.index(digest)
        template = cls(
            content_type=info["content_type"].dump(),
            signed_data_head=b"".join(
                signed_data[name].dump()
                for name in ("version", "digest_algorithms", "encap_content_info", "certificates", "crls")
                if not isinstance(signed_data[name], Void)
            ),
            signer_info_head=b"".join(signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")),
            attributes_before=attributes[:at],
            attributes_after=attributes[at + len(digest) :],
            signature_algorithm=signer_info["signature_algorithm"].dump(),
            signer_info_tail=b""
            if isinstance(signer_info["unsigned_attrs"], Void)
            else signer_info["unsigned_attrs"].dump(),
        )
        return template, digest, signer_info["signature"].native


def cms_template(loaded) -> CmsTemplate | None:
    """The signer's ``CmsTemplate``, made once: two small files signed by pyHanko, whose CMS must differ only in
    the digest and the signature and be rebuilt byte for byte from the template; None (pyHanko signs every file
    whole) when they do not."""
    if not hasattr(loaded, "cms_template"):
        with _signers_lock:
            if not hasattr(loaded, "cms_template"):
                loaded.cms_template = _make_cms_template(loaded)
    return loaded.cms_template


def _make_cms_template(loaded) -> CmsTemplate | None:
    import pikepdf

    made = []
    for size in (100, 200):
        blank = io.BytesIO()
        with pikepdf.new() as pdf:
            pdf.add_blank_page(page_size=(size, size))
            pdf.save(blank)
        signed = _pdf_signer(DIPLOMA_REASON, loaded).sign_pdf(
            _writer(blank.getvalue()), bytes_reserved=loaded.bytes_reserved
        )
        # /Contents is the CMS padded with zeros to the reservation: its DER is the ContentInfo alone.
        content_info = asn1_cms.ContentInfo.load(
            PdfFileReader(signed, strict=False).embedded_signatures[0].pkcs7_content
        ).dump()
        parts = CmsTemplate.of(content_info)
        if parts is None or parts[0].with_signature(parts[1], parts[2]) != content_info:
            logger.warning("pyHanko's CMS could not be taken as a template; every signature is made whole")
            return None
        made.append(parts[0])
    if made[0] != made[1]:
        logger.warning("pyHanko's CMS differs from file to file beyond the digest; every signature is made whole")
        return None
    return made[0]


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
