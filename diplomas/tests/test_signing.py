"""PAdES signatures: valid over the whole file, broken by any changed byte, demo pair generated only when allowed."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.reader import PdfFileReader

from diplomas import rendering, signing
from diplomas.tests.test_rendering import make_diploma

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsigned_pdf():
    return rendering.render_diploma_pdf(make_diploma())


def test_the_signature_is_intact_covers_the_whole_file_and_is_ours(demo_keys, unsigned_pdf):
    signed = signing.sign_pdf(unsigned_pdf)

    # An incremental update: the PDF/A WeasyPrint wrote is the first revision, byte for byte.
    assert signed.startswith(unsigned_pdf)
    check = signing.check_pdf(signed)
    assert check.valid and check.intact and check.whole_file and check.by_configured_certificate
    assert 'MSTU "STANKIN" International Office (demo)' in check.signer_subject
    assert signing.verify_pdf(signed)

    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    assert embedded.field_name == "Signature1"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    # PDF/A-3 is PDF 1.7: the signature must not raise the catalog to 2.0.
    assert "/Version" not in reader.root or str(reader.root["/Version"]) < "/2"
    assert demo_keys.DIPLOMA_SIGNING_KEY.stat().st_mode & 0o077 == 0


def test_a_changed_byte_in_the_signed_range_breaks_it(demo_keys, unsigned_pdf):
    signed = signing.sign_pdf(unsigned_pdf)
    at = signed.index(b"WeasyPrint")  # a byte of the Producer string: the file still parses
    tampered = signed[:at] + b"w" + signed[at + 1 :]
    check = signing.check_pdf(tampered)
    assert check.signed and not check.intact
    assert not signing.verify_pdf(tampered)

    middle = len(unsigned_pdf) // 2  # a byte inside the compressed page content: parse errors count as invalid
    garbled = signed[:middle] + bytes([signed[middle] ^ 0xFF]) + signed[middle + 1 :]
    assert not signing.verify_pdf(garbled)


def test_bytes_appended_after_the_signature_are_not_covered(demo_keys, unsigned_pdf):
    signed = signing.sign_pdf(unsigned_pdf)
    assert not signing.check_pdf(signed + b"\n% appended\n").whole_file


def test_unsigned_and_non_pdf_input_is_not_valid(unsigned_pdf):
    assert not signing.verify_pdf(unsigned_pdf)
    assert not signing.verify_pdf(b"not a pdf at all")


def test_the_demo_pair_is_generated_once_and_the_signer_is_cached(demo_keys, unsigned_pdf, monkeypatch):
    first = signing.signer()
    key_bytes = demo_keys.DIPLOMA_SIGNING_KEY.read_bytes()
    assert signing.signer() is first

    loads = []
    monkeypatch.setattr(signing, "_load_signer", lambda *args: loads.append(args))
    signing.sign_pdf(unsigned_pdf)
    signing.sign_pdf(unsigned_pdf)
    assert loads == []  # neither signature loaded the key again

    signing.reset_signer_cache()
    monkeypatch.undo()
    signing.signer()
    assert demo_keys.DIPLOMA_SIGNING_KEY.read_bytes() == key_bytes  # existing files are never regenerated


def test_missing_files_without_the_demo_switch_are_an_error(settings, tmp_path, unsigned_pdf):
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "absent-key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "absent-cert.pem"
    settings.DIPLOMA_SIGNING_DEMO = False
    signing.reset_signer_cache()
    with pytest.raises(ImproperlyConfigured, match="DIPLOMA_SIGNING_KEY"):
        signing.sign_pdf(unsigned_pdf)
    assert not (tmp_path / "absent-key.pem").exists()


def institution_key(settings, tmp_path, algorithm: str) -> None:
    """Configure an institution's key of ``algorithm`` ("RSA 2048", "ECDSA P-384"…) with a self-signed certificate,
    its key file under a passphrase."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    kind, size = algorithm.split()
    if kind == "RSA":
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(size))
    else:
        key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'MSTU "STANKIN" (test RSA)')])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    passphrase = "correct horse"
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "rsa-key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "rsa-cert.pem"
    settings.DIPLOMA_SIGNING_KEY_PASSPHRASE = passphrase
    settings.DIPLOMA_SIGNING_DEMO = False
    settings.DIPLOMA_SIGNING_KEY.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    settings.DIPLOMA_SIGNING_CERT.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    signing.reset_signer_cache()


@pytest.mark.parametrize("algorithm", ["RSA 2048", "RSA 3072", "RSA 4096", "ECDSA P-384"])
def test_an_institution_rsa_or_ecdsa_key_signs_too(settings, tmp_path, unsigned_pdf, algorithm):
    """Each key an institution's certificate may carry leaves room enough for its signature (RSA 4096's CMS did not
    fit the reservation once)."""
    institution_key(settings, tmp_path, algorithm)
    try:
        check = signing.check_pdf(signing.sign_pdf(unsigned_pdf))
    finally:
        signing.reset_signer_cache()
    assert check.valid and check.by_configured_certificate and "test RSA" in check.signer_subject


def embedded_cms(pdf: bytes) -> bytes:
    from asn1crypto import cms

    return cms.ContentInfo.load(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].pkcs7_content).dump()


@pytest.mark.parametrize("algorithm", ["RSA 2048", "ECDSA P-384"])
def test_the_cms_filled_in_from_the_template_is_the_one_pyhanko_makes(settings, tmp_path, unsigned_pdf, algorithm):
    """The signature filled in from ``CmsTemplate`` is pyHanko's own: the CMS of a file signed that way and that of
    the same file signed by pyHanko whole differ only in the file's digest and the signature (each file has its
    own identifier, so its own digest), and pyHanko's validation finds it intact, over the whole file, ours."""
    institution_key(settings, tmp_path, algorithm)
    try:
        loaded = signing.signer()
        assert signing.cms_template(loaded) is not None
        filled = signing.sign_pdf(unsigned_pdf)
        whole = (
            signing._pdf_signer(signing.DIPLOMA_REASON, loaded)
            .sign_pdf(signing._writer(unsigned_pdf), bytes_reserved=loaded.bytes_reserved)
            .getvalue()
        )
        check = signing.check_pdf(filled)
    finally:
        signing.reset_signer_cache()
    assert check.valid and check.intact and check.whole_file and check.by_configured_certificate
    filled_template, filled_digest, filled_signature = signing.CmsTemplate.of(embedded_cms(filled))
    whole_template, whole_digest, whole_signature = signing.CmsTemplate.of(embedded_cms(whole))
    assert filled_template == whole_template
    assert filled_digest != whole_digest and filled_signature != whole_signature
    assert filled.startswith(unsigned_pdf) and len(filled) == len(whole)


def test_without_a_template_pyhanko_signs_the_whole_cms(demo_keys, unsigned_pdf, monkeypatch):
    monkeypatch.setattr(signing, "_make_cms_template", lambda loaded: None)
    signing.reset_signer_cache()
    signed = signing.sign_pdf(unsigned_pdf)
    assert signing.cms_template(signing.signer()) is None
    assert signing.check_pdf(signed).valid
