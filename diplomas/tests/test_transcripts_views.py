"""The transcript's pages: the public verification page (HTML and its JSON, names only with the holder's consent),
the downloads scoped to who may have them (the office, the student, their college in the portal and the API), and
the office's "Issue a transcript"."""

import datetime
import time

import pytest
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Transcript
from diplomas.transcripts import services
from mobility.foundation.transfers.models import Transfer
from mobility.tests.partnership import partnership
from mobility.tests.support import api_client, make_api_key
from students.tests.factories import consent_attested

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache", "fake_render")]

JSON_KEYS = {
    "kind",
    "status",
    "number",
    "issued_on",
    "revoked_on",
    "revocation_reason",
    "track",
    "holder",
    "issuer",
    "sha256",
    "verification_url",
    "diploma",
}


@pytest.fixture(autouse=True)
def within_one_window(time_machine):
    """The verification page's rate limit counts in fixed windows of the clock: the clock stands still."""
    time_machine.move_to(datetime.datetime.fromtimestamp(int(time.time()), tz=datetime.UTC), tick=False)


@pytest.fixture
def world():
    return partnership()


@pytest.fixture
def transcripts(world):
    """A transcript of A's student and one of B's, issued alone."""
    return (
        services.transcript_issue(enrollment=world.enrollment_a, by=world.user("office")),
        services.transcript_issue(enrollment=world.enrollment_b, by=world.user("office")),
    )


def _page(transcript) -> str:
    return f"/verify/transcript/{transcript.verification_code}/"


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_the_verification_page_shows_the_transcript_with_initials_only(client, transcripts, language):
    transcript = transcripts[0]
    student = transcript.enrollment.student
    response = client.get(_page(transcript), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert transcript.number in html and transcript.sha256 in html and 'data-named="false"' in html
    assert student.family_name_latin not in html  # declined in the world: initials only
    assert response["Cache-Control"] == "no-store" and response["X-Robots-Tag"] == "noindex"
    title = {"en": "Transcript verification", "ru": "Проверка приложения к диплому", "zh-hans": "成绩单验证"}
    assert title[language] in html


def test_the_json_answer_has_the_shared_shape(client, transcripts):
    transcript = transcripts[0]
    response = client.get(_page(transcript), {"format": "json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store" and response["X-Robots-Tag"] == "noindex"
    data = response.json()
    assert set(data) == JSON_KEYS
    track = transcript.enrollment.track
    host = transcript.enrollment.cohort.host
    assert data["kind"] == "transcript" and data["status"] == "issued" and data["number"] == transcript.number
    assert data["issued_on"] == timezone.localdate(transcript.issued_at).isoformat()
    assert data["revoked_on"] is None and data["revocation_reason"] is None and data["diploma"] is None
    assert data["track"] == {
        "code": track.code,
        "name_en": track.name_en,
        "name_ru": track.name_ru,
        "name_zh": track.name_zh,
    }
    assert data["issuer"] == {"name_en": host.name_en, "name_ru": host.name_ru, "name_zh": host.name_zh}
    assert data["sha256"] == transcript.sha256 and data["verification_url"] == transcript.verification_url
    assert data["holder"]["named"] is False
    assert transcript.enrollment.student.family_name_latin not in response.content.decode()
    # The same answer to a client that asks for JSON.
    assert client.get(_page(transcript), HTTP_ACCEPT="application/json").json() == data


def test_with_consent_the_holder_is_named(client, transcripts):
    transcript = transcripts[0]
    student = transcript.enrollment.student
    consent_attested(student, "public_name", given_by="student", channel="portal")
    holder = client.get(_page(transcript), {"format": "json"}).json()["holder"]
    assert holder == {
        "named": True,
        "latin": student.full_name_latin,
        "han": student.full_name_han,
        "cyrillic": student.full_name_cyrillic,
    }
    assert student.full_name_latin in client.get(_page(transcript)).content.decode()


def test_an_unknown_code_is_404_and_an_unstored_transcript_does_not_exist(client, world):
    assert client.get("/verify/transcript/no-such-code-at-all-0123456789/").status_code == 404
    numbered = Transcript.objects.create(enrollment=world.enrollment_a, number="T-X", issued_at=world.host.created_at)
    assert client.get(_page(numbered)).status_code == 404


def test_the_transcript_of_a_revoked_diploma_says_so(client, world, django_capture_on_commit_callbacks):
    from students.models import Enrollment

    Enrollment.objects.filter(pk=world.enrollment_a.pk).update(
        status=Enrollment.Status.COMPLETED, completed_on=datetime.date(2026, 12, 1)
    )
    world.enrollment_a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        diploma = diploma_services.diploma_request(enrollment=world.enrollment_a, requested_by=None)
    diploma.refresh_from_db()
    transcript = Transcript.objects.get(diploma=diploma)
    assert client.get(_page(transcript), {"format": "json"}).json()["diploma"] == {
        "number": diploma.number,
        "verification_url": diploma.verification_url,
    }
    diploma_services.diploma_revoke(diploma=diploma, by=world.user("office"), reason="Issued in error")
    data = client.get(_page(transcript), {"format": "json"}).json()
    assert data["status"] == "revoked" and data["revocation_reason"] == "Issued in error" and data["revoked_on"]
    assert "Revoked" in client.get(_page(transcript), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_uploaded_copy_is_compared_by_its_sha256(client, transcripts):
    from django.core.files.uploadedfile import SimpleUploadedFile

    transcript = transcripts[0]
    same = SimpleUploadedFile("t.pdf", transcript.pdf.read(), content_type="application/pdf")
    html = client.post(_page(transcript), {"pdf": same}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The file is identical to the issued transcript" in html


# --- downloads --------------------------------------------------------------------------------------------------------


def test_the_student_downloads_their_own_transcript_only(client, world, transcripts):
    own, other = transcripts
    client.force_login(world.user("student"))
    response = client.get(f"/transcripts/{own.pk}/pdf/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/transcripts/{other.pk}/pdf/").status_code == 404
    page = client.get(f"/portal/enrollments/{world.enrollment_a.pk}/").content.decode()
    assert f"/transcripts/{own.pk}/pdf/" in page and own.number in page and f"/transcripts/{other.pk}/" not in page


def test_the_college_downloads_its_students_transcripts_in_the_portal_and_the_register_says_so(
    client, world, transcripts
):
    own, other = transcripts
    client.force_login(world.user("coordinator-a"))
    page = client.get(f"/partner/students/{world.enrollment_a.student_id}/").content.decode()
    assert f"/partner/transcripts/{own.pk}/pdf/" in page
    response = client.get(f"/partner/transcripts/{own.pk}/pdf/")
    assert response.status_code == 200
    transfer = Transfer.objects.get(reference__contains=own.number)
    assert transfer.channel == Transfer.Channel.PARTNER_PORTAL and set(transfer.categories) == {"names", "education"}
    assert client.get(f"/partner/transcripts/{other.pk}/pdf/").status_code == 404


def test_the_api_lists_and_serves_only_the_callers_students_transcripts(world, transcripts):
    own, other = transcripts
    client = api_client(make_api_key(world.college_a)[1])
    listed = client.get("/api/v1/transcripts/").json()["results"]
    assert [row["number"] for row in listed] == [own.number]
    assert listed[0]["pdf_url"] == f"/api/v1/transcripts/{own.pk}/pdf/" and listed[0]["status"] == "issued"
    response = client.get(f"/api/v1/transcripts/{own.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Transfer.objects.filter(channel=Transfer.Channel.API_READ, reference__contains="transcripts").exists()
    assert client.get(f"/api/v1/transcripts/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/transcripts/{other.pk}/pdf/").status_code == 404


def test_the_office_issues_a_transcript_from_the_student_page(client, world):
    client.force_login(world.user("office"))
    page = client.get(f"/students/{world.enrollment_a.student_id}/").content.decode()
    assert f"/enrollments/{world.enrollment_a.pk}/transcript/" in page
    response = client.post(f"/enrollments/{world.enrollment_a.pk}/transcript/")
    assert response.status_code == 302
    transcript = Transcript.objects.get()
    assert transcript.issued_by == world.user("office") and transcript.diploma is None
    page = client.get(f"/students/{world.enrollment_a.student_id}/").content.decode()
    assert transcript.number in page and f"/transcripts/{transcript.pk}/pdf/" in page
