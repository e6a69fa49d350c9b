"""Signature benchmark: what each key type costs to sign a diploma's PDF (PAdES, pyHanko) and what the key's own
operation costs, from one run.

    DJANGO_DEBUG=1 .venv/bin/python bench/signatures.py [-n 40]

For each algorithm an institution's certificate may carry (RSA 2048, 3072 and 4096 with PKCS#1 v1.5, ECDSA P-256
and P-384; not Ed25519, which pyHanko signs only with SHA-512 where the app's PAdES profile uses SHA-256) it writes
a self-signed key and certificate into a temporary folder, points ``DIPLOMA_SIGNING_KEY``/``DIPLOMA_SIGNING_CERT``
at them, and times on one diploma's unsigned PDF (the demo track's, rendered once, in a throwaway SQLite database):
  the floor: the key's own signature of a SHA-256 digest (``cryptography``), what no PDF signer can go under;
  ``diplomas.signing.sign_pdf``: the whole PAdES signature as the task makes it (the digest of the file, the CMS
      structure with the certificate, the incremental update);
and checks each signed file with ``diplomas.signing.check_pdf``. Prints the medians and the file's growth.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import diplomas_render  # bench/diplomas_render.py, beside this script: its throwaway setting and seed


def keys() -> dict:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    return {
        "RSA 2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "RSA 3072": lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072),
        "RSA 4096": lambda: rsa.generate_private_key(public_exponent=65537, key_size=4096),
        "ECDSA P-256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "ECDSA P-384": lambda: ec.generate_private_key(ec.SECP384R1()),
    }


def write_pair(folder: Path, private_key) -> tuple[Path, Path]:
    """A self-signed certificate for ``private_key``, with the key usage a signing certificate has."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Signature bench")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def raw_signature(private_key, digest: bytes) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    if isinstance(private_key, rsa.RSAPrivateKey):
        private_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    else:
        private_key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def median_ms(func, count: int) -> float:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=40, help="signatures per algorithm (default 40)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="signature-bench-"))
    try:
        diplomas_render.setup_django(folder)
        from django.conf import settings

        from diplomas import rendering, signing

        diplomas, _transcripts = diplomas_render.seed(1)
        pdf = rendering.render_diploma_pdf(diplomas[0])
        digest = hashlib.sha256(pdf).digest()
        print(f"one diploma's PDF ({len(pdf) / 1024:.1f} KB), median ms of {args.count} signatures each:")
        print(f"  {'algorithm':<12}{'key alone (floor)':>19}{'sign_pdf':>10}{'× floor':>9}{'+ bytes':>9}")
        for label, make in keys().items():
            private_key = make()
            key_path, cert_path = write_pair(folder / label.replace(" ", "-"), private_key)
            settings.DIPLOMA_SIGNING_KEY, settings.DIPLOMA_SIGNING_CERT = str(key_path), str(cert_path)
            signing.reset_signer_cache()
            signed = signing.sign_pdf(pdf)  # loads the signer once, as a worker does
            check = signing.check_pdf(signed)
            assert check.valid and check.by_configured_certificate, label
            floor = median_ms(lambda key=private_key: raw_signature(key, digest), args.count)
            whole = median_ms(lambda: signing.sign_pdf(pdf), args.count)
            growth = len(signed) - len(pdf)
            print(f"  {label:<12}{floor:19.2f}{whole:10.1f}{whole / floor:9.0f}{growth:9d}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
