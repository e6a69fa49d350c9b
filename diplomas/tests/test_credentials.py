"""The diploma's verifiable credential (diplomas/credentials): an Open Badges 3.0 credential on the VC Data Model 2.0,
secured with VC-JOSE by the issuer's did:web key, embedded in the PDF/A-3 as an associated file, revocable through a
Bitstring Status List. Checked by a verifier written apart from the signer (``credential_verifier``: jwcrypto, the
1EdTech JSON Schema, the status list decoded by the standard library)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import shutil
import subprocess

import pikepdf
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from diplomas import services, signing
from diplomas.credentials import keys
from diplomas.credentials.documents import enveloped_bytes
from diplomas.credentials.status import LIST_BITS, bit_is_set, status_place
from diplomas.models import Diploma, StatusList
from diplomas.tests.credential_verifier import NotVerified, did_web_path, verify
from diplomas.tests.factories import DiplomaFactory
from diplomas.tests.test_rendering import make_diploma, needs_poppler, pdftotext, write_pdf
from mobility.foundation.models import AuditEntry
from mobility.foundation.transfers.models import Transfer
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import InstitutionFactory
from students.tests.factories import consents_answered

pytestmark = pytest.mark.django_db

needs_qpdf = pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf is not installed: apt-get install qpdf")


@pytest.fixture
def credential_key(settings, tmp_path):
    """A demo issuer key generated into the test's own folder (and a PAdES demo pair beside it)."""
    settings.CREDENTIAL_SIGNING_KEY = tmp_path / "signing" / "credential-key.pem"
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DIPLOMA_SIGNING_DEMO = True
    settings.MOBILITY_PUBLIC_URL = "https://mobility.stankin.example"
    keys.reset_issuer_key_cache()
    signing.reset_signer_cache()
    yield settings
    keys.reset_issuer_key_cache()
    signing.reset_signer_cache()


def issue(diploma: Diploma) -> Diploma:
    """Issue a requested diploma through the service, with the real renderer and signer."""
    diploma.number, diploma.issued_at = None, None
    diploma.save()
    issued = services.diploma_issue(diploma_id=diploma.pk)
    assert issued.status == Diploma.Status.ISSUED, issued.failure_reason
    return issued


@pytest.fixture
def issued_diploma(credential_key):
    names = {"family_name_han": "王", "given_name_han": "小明", "family_name_latin": "Wang"}
    names |= {"given_name_latin": "Xiaoming", "family_name_cyrillic": "Ван", "given_name_cyrillic": "Сяомин"}
    return issue(make_diploma(**names))


def attachment_of(pdf: bytes) -> tuple[bytes, dict]:
    """The embedded credential's bytes and its file specification's keys (pikepdf, the file's own structure)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        spec = document.attachments["credential.json"]
        data = spec.get_file().read_bytes()
        filespec = spec.obj
        catalog_af = [item.objgen for item in document.Root.AF]
        return data, {
            "relationship": str(filespec.AFRelationship),
            "in_catalog_af": filespec.objgen in catalog_af,
            "subtype": str(filespec.EF.F.Subtype),
        }


def test_the_credential_verifies_apart_from_the_signer_and_fits_the_open_badges_schema(issued_diploma, client):
    verdict = verify(json.loads(enveloped_bytes(issued_diploma.credential)), client)
    credential = verdict.credential
    assert not verdict.revoked
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == "did:web:mobility.stankin.example"
    issued_at = issued_diploma.issued_at.astimezone(datetime.UTC)
    assert credential["validFrom"] == issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")  # in UTC, whatever the site's zone
    names = {item["identityHash"] for item in credential["credentialSubject"]["identifier"]}
    assert names == {"Wang Xiaoming", "Ван Сяомин", "王小明"}
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Mechatronics and Robotics · Мехатроника и робототехника · 机电一体化与机器人技术"
    # The passed modules (72 + 36 hours), each in three languages; the module not passed is not there.
    assert "108 academic hours" in achievement["criteria"]["narrative"]
    assert achievement["criteria"]["narrative"].count("\n- ") == 2


def test_the_issuer_s_did_document_names_the_key_and_did_web_is_read_from_the_public_address(credential_key, client):
    credential_key.MOBILITY_PUBLIC_URL = "http://127.0.0.1:8000"
    assert keys.issuer_did() == "did:web:127.0.0.1%3A8000"
    assert did_web_path("did:web:127.0.0.1%3A8000") == "/.well-known/did.json"
    credential_key.MOBILITY_PUBLIC_URL = "https://example.edu/mobility/"
    assert keys.issuer_did() == "did:web:example.edu:mobility"
    assert did_web_path(keys.issuer_did()) == "/mobility/did.json"
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/did+json"
    document = response.json()
    assert document["id"] == "did:web:example.edu:mobility"
    (method,) = document["verificationMethod"]
    assert method["type"] == "JsonWebKey" and method["publicKeyJwk"]["crv"] == "Ed25519"
    assert document["assertionMethod"] == [method["id"]] and method["id"].startswith(document["id"] + "#")
    assert client.get("/did.json").json() == document


def _tampered(token: str, segment: int, offset: int) -> str:
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[segment] + "=" * (-len(parts[segment]) % 4)))
    raw[offset] ^= 0x01
    parts[segment] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(parts)


def test_a_byte_changed_anywhere_in_the_credential_fails_verification(issued_diploma, client):
    token = issued_diploma.credential
    lengths = [len(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in token.split(".")]
    checked = 0
    for segment, length in enumerate(lengths):
        # Every byte of the header and the signature; every 7th of the payload (and its first and last).
        step = 7 if segment == 1 else 1
        for offset in sorted({*range(0, length, step), length - 1}):
            with pytest.raises(NotVerified):
                verify(_tampered(token, segment, offset), client)
            checked += 1
    assert checked > 400
    assert verify(token, client).revoked is False  # the untouched token still verifies


def test_revocation_sets_the_diploma_s_bit_in_its_status_list_and_the_verifier_says_revoked(issued_diploma, client):
    other = issue(DiplomaFactory())
    services.diploma_revoke(diploma=issued_diploma, by=None, reason="Issued to the wrong track")
    assert verify(issued_diploma.credential, client).revoked is True
    assert verify(other.credential, client).revoked is False
    number, index = status_place(issued_diploma.pk)
    status_list = StatusList.objects.get(number=number)
    assert len(bytes(status_list.bits)) == LIST_BITS // 8
    assert sum(bin(byte).count("1") for byte in bytes(status_list.bits)) == 1  # only its bit
    response = client.get(reverse("credentials:status-list", args=[number]))
    assert response["Cache-Control"] == "public, max-age=60"


def test_an_empty_status_list_is_served_with_no_bit_set(credential_key, client):
    response = client.get(reverse("credentials:status-list", args=[3]))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    assert not StatusList.objects.exists()  # reading a list writes nothing


@needs_poppler
@needs_qpdf
def test_the_pdf_embeds_the_credential_and_still_passes_every_diploma_check(issued_diploma, tmp_path, client):
    pdf = issued_diploma.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == issued_diploma.sha256
    data, spec = attachment_of(pdf)
    assert data == enveloped_bytes(issued_diploma.credential)
    assert spec == {"relationship": "/Alternative", "in_catalog_af": True, "subtype": "/application/json"}
    check = signing.check_pdf(pdf)
    assert check.valid and check.by_configured_certificate  # PAdES intact over the whole file, attachment included
    path = write_pdf(tmp_path, pdf)
    text = pdftotext(path)
    for expected in ("Wang Xiaoming", "Ван Сяомин", "王小明", issued_diploma.number):
        assert expected in text
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    with pikepdf.open(path) as document:
        meta = document.open_metadata()
        assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"
    qpdf = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    assert "No syntax or stream encoding errors found" in qpdf.stdout


def test_the_api_the_portal_and_the_partner_portal_hand_out_the_bytes_the_pdf_embeds(issued_diploma, client):
    embedded, _spec = attachment_of(issued_diploma.pdf.read())
    student = issued_diploma.enrollment.student
    _key, plain = make_api_key(student.home_institution, last_used_at=timezone.now())
    api = api_client(plain)
    row = api.get(f"/api/v1/diplomas/{issued_diploma.pk}/").json()
    assert row["credential_url"] == f"/api/v1/diplomas/{issued_diploma.pk}/credential/"
    response = api.get(row["credential_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.content == embedded
    assert json.loads(response.content)["type"] == "EnvelopedVerifiableCredential"
    # Another college's key sees nothing; the register of transfers holds the partner's read.
    _other, other_plain = make_api_key(InstitutionFactory(code="OTHER"))
    assert api_client(other_plain).get(row["credential_url"]).status_code == 404
    assert Transfer.objects.filter(channel=Transfer.Channel.API_READ, subjects__student_id=student.pk).exists()
    # The student, logged in, downloads the same file from the portal's card.
    student.user = make_user("wang")
    student.save()
    consents_answered(student)
    client.force_login(student.user)
    enrollment_page = reverse("portal:enrollment", args=[issued_diploma.enrollment_id])
    page = client.get(enrollment_page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    url = reverse("diplomas:diploma-credential", args=[issued_diploma.pk])
    assert url in page
    download = client.get(url)
    assert b"".join(download.streaming_content) == embedded
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Disposition"].endswith(f'filename="{issued_diploma.number}.credential.json"')


def test_a_diploma_issued_before_credentials_has_no_credential_to_download(credential_key, office_client):
    diploma = DiplomaFactory(status=Diploma.Status.ISSUED, credential="")
    client = office_client
    assert client.get(reverse("diplomas:diploma-credential", args=[diploma.pk])).status_code == 404
    _key, plain = make_api_key(diploma.enrollment.student.home_institution)
    response = api_client(plain).get(f"/api/v1/diplomas/{diploma.pk}/credential/")
    assert response.status_code == 404 and "before credentials existed" in response.json()["message"]
    assert api_client(plain).get(f"/api/v1/diplomas/{diploma.pk}/").json()["credential_url"] is None


def test_diplomas_issued_before_credentials_get_theirs_once_and_revoked_ones_their_bit(credential_key, client):
    old = DiplomaFactory(status=Diploma.Status.ISSUED, credential="")
    old_revoked = DiplomaFactory(status=Diploma.Status.REVOKED, credential="")
    out = io.StringIO()
    call_command("issue_credentials", stdout=out)
    assert out.getvalue().strip() == "Signed 1 credentials; 1 revoked diplomas in the status lists."
    old.refresh_from_db()
    assert verify(old.credential, client).revoked is False
    number, index = status_place(old_revoked.pk)
    assert bit_is_set(bytes(StatusList.objects.get(number=number).bits), index)
    entries = AuditEntry.objects.filter(action="diploma.credential")
    assert [entry.object_id for entry in entries] == [str(old.pk)]
    call_command("issue_credentials", stdout=io.StringIO())  # a second run signs nothing again
    assert entries.count() == 1
