"""Diploma pages: the download permission matrix, the public verification page (status, hash check, rate limit),
the staff actions (request, retry, revoke, reissue) and the batch progress partial."""

from __future__ import annotations

import hashlib
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from diplomas import services
from diplomas.models import Diploma
from mobility.foundation.exceptions import DomainError
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory, consent_attested

from .factories import FAKE_PDF, DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]

S = Diploma.Status


def _student_user(diploma: Diploma, username="the-student"):
    user = get_user_model().objects.create_user(username)
    student = diploma.enrollment.student
    student.user = user
    student.save(update_fields=["user"])
    return user


# --- download ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("office", 200),
        ("office-admin", 200),
        ("superuser", 200),
        ("the student", 200),
        ("another student", 404),
        ("logged-in outsider", 404),
        ("anonymous", 302),
    ],
)
def test_download_permission_matrix(client, issued, who, expected):
    if who in ("office", "office-admin"):
        client.force_login(make_user("staff", who))
    elif who == "superuser":
        client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
    elif who == "the student":
        client.force_login(_student_user(issued))
    elif who == "another student":
        other = EnrollmentFactory()
        other.student.user = get_user_model().objects.create_user("other-student")
        other.student.save(update_fields=["user"])
        client.force_login(other.student.user)
    elif who == "logged-in outsider":
        client.force_login(get_user_model().objects.create_user("outsider"))
    response = client.get(f"/diplomas/{issued.pk}/pdf/")
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == FAKE_PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{issued.number}.pdf"'
        assert response["Cache-Control"] == "private, no-store"
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_diploma_not_yet_issued_or_unknown_cannot_be_downloaded(client, office):
    pending = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    client.force_login(office)
    assert client.get(f"/diplomas/{pending.pk}/pdf/").status_code == 404
    assert client.get("/diplomas/999999/pdf/").status_code == 404


def test_a_student_cannot_download_their_revoked_diploma_but_staff_can(client, issued, office):
    services.diploma_revoke(diploma=issued, by=office, reason="Typo")
    client.force_login(_student_user(issued))
    assert client.get(f"/diplomas/{issued.pk}/pdf/").status_code == 404
    client.force_login(office)
    assert client.get(f"/diplomas/{issued.pk}/pdf/").status_code == 200


def test_media_files_have_no_public_url(client, issued):
    assert client.get(f"/media/{issued.pdf.name}").status_code == 404


# --- verification --------------------------------------------------------------------------------------------------


def test_verification_of_a_valid_diploma_needs_no_login(client, issued):
    consent_attested(issued.enrollment.student, "public_name", given_by="student", channel="portal")
    response = client.get(f"/verify/{issued.verification_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    student, track = issued.enrollment.student, issued.enrollment.track
    for text in (
        issued.number,
        student.full_name_han,
        student.full_name_latin,
        student.full_name_cyrillic,
        track.name_en,
        track.name_ru,
        track.name_zh,
        issued.sha256,
        # The page shows the issue date in the site's time zone (the institution's day, as printed on the PDF).
        timezone.localdate(issued.issued_at).strftime("%Y-%m-%d"),
        "Valid",
        "国际学术交流项目参与者证书",  # the Chinese title as printed on the diploma itself
    ):
        assert text in html, text
    assert "Revoked" not in html
    assert response["Cache-Control"] == "no-store"
    # Nothing from an outside host: every src/href is local.
    assert "//" not in "".join(
        part.split('"')[1] for part in html.split(" src=")[1:] + html.split("<link")[1:] if '"' in part
    ).replace("http://testserver", "")


def test_verification_of_a_revoked_diploma_shows_the_date_and_reason(client, issued, office):
    services.diploma_revoke(diploma=issued, by=office, reason="Name misspelt <b>")
    html = client.get(f"/verify/{issued.verification_code}/").content.decode()
    issued.refresh_from_db()
    assert "Revoked" in html and "Name misspelt &lt;b&gt;" in html
    assert timezone.localdate(issued.revoked_at).strftime("%Y-%m-%d") in html


@pytest.mark.parametrize("status", ["requested", "rendering", "failed"])
def test_verification_of_a_diploma_not_issued_is_404_like_an_unknown_code(client, status):
    diploma = DiplomaFactory(status=status)
    assert client.get(f"/verify/{diploma.verification_code}/").status_code == 404
    assert client.get("/verify/not-a-code-at-all-0000000000/").status_code == 404


def test_uploading_the_issued_file_matches_and_another_file_does_not(client, issued):
    url = f"/verify/{issued.verification_code}/"
    same = client.post(url, {"pdf": SimpleUploadedFile("d.pdf", FAKE_PDF, "application/pdf")})
    assert same.status_code == 200 and 'data-match="true"' in same.content.decode()
    changed = FAKE_PDF.replace(b"fake", b"f4ke")
    other = client.post(url, {"pdf": SimpleUploadedFile("d.pdf", changed, "application/pdf")})
    html = other.content.decode()
    assert 'data-match="false"' in html and hashlib.sha256(changed).hexdigest() in html


def test_an_upload_just_over_20_mb_is_refused_with_413_and_the_page(client, issued):
    big = SimpleUploadedFile("big.pdf", b"0" * (20 * 1024 * 1024 + 1), "application/pdf")
    response = client.post(f"/verify/{issued.verification_code}/", {"pdf": big})
    assert response.status_code == 413 and "larger than 20 MB" in response.content.decode()
    assert "data-match" not in response.content.decode()


@pytest.fixture
def unparsed():
    """Fails the test if the request body is parsed as a form (multipart) at all."""
    with mock.patch(
        "django.http.multipartparser.MultiPartParser.parse", side_effect=AssertionError("the body was read")
    ) as parse:
        yield parse


@pytest.mark.parametrize(
    ("language", "limit", "expected"),
    [
        ("en", 20, "The file is larger than 20 MB; a diploma is much smaller."),
        ("ru", 20, "Файл больше 20 МБ, а диплом гораздо меньше."),
        ("zh-hans", 2, "文件超过 2 MB；证书文件远小于此大小。"),
    ],
)
def test_a_large_upload_is_refused_before_it_is_read_with_the_limit_in_the_visitor_s_language(
    issued, unparsed, settings, language, limit, expected
):
    settings.UPLOAD_MAX_PDF_MB = limit
    # CSRF checks on, as in production: the middleware must not read the body looking for the token either.
    client = Client(enforce_csrf_checks=True)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * ((limit + 5) * 1024 * 1024), "application/pdf")
    response = client.post(f"/verify/{issued.verification_code}/", {"pdf": big}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 413
    html = response.content.decode()
    assert expected in html
    assert (
        issued.number in html and 'enctype="multipart/form-data"' in html
    )  # the page, with its form, not a bare error
    assert "data-match" not in html
    assert response["Cache-Control"] == "no-store"
    unparsed.assert_not_called()


def test_the_verification_upload_still_needs_the_csrf_token(issued):
    strict = Client(enforce_csrf_checks=True)
    upload = SimpleUploadedFile("d.pdf", FAKE_PDF, "application/pdf")
    assert strict.post(f"/verify/{issued.verification_code}/", {"pdf": upload}).status_code == 403
    page = strict.get(f"/verify/{issued.verification_code}/")
    token = page.cookies["csrftoken"].value
    upload = SimpleUploadedFile("d.pdf", FAKE_PDF, "application/pdf")
    checked = strict.post(f"/verify/{issued.verification_code}/", {"pdf": upload, "csrfmiddlewaretoken": token})
    assert checked.status_code == 200 and 'data-match="true"' in checked.content.decode()


def test_the_verification_page_is_rate_limited_per_client(client, issued, settings):
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 5
    url = f"/verify/{issued.verification_code}/"
    assert [client.get(url).status_code for _ in range(5)] == [200] * 5
    limited = client.get(url)
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 61
    assert client.get("/verify/unknown-code-xxxxxxxxxxxxxxx/").status_code == 429  # guessing codes counts too
    other_client = client.get(url, REMOTE_ADDR="10.0.0.2")
    assert other_client.status_code == 200


# --- staff actions ---------------------------------------------------------------------------------------------------


def test_staff_request_a_diploma_from_the_student_page(client, office, fake_render, django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True)
    client.force_login(office)
    page = client.get(f"/students/{enrollment.student_id}/").content.decode()
    assert f"/enrollments/{enrollment.pk}/diploma/request/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/enrollments/{enrollment.pk}/diploma/request/")
    assert response.status_code == 302
    diploma = enrollment.diplomas.get()
    assert diploma.status == S.ISSUED
    page = client.get(f"/students/{enrollment.student_id}/").content.decode()
    assert diploma.number in page and f"/diplomas/{diploma.pk}/pdf/" in page
    assert f"/diplomas/{diploma.pk}/revoke/" in page and f"/diplomas/{diploma.pk}/reissue/" in page
    assert f"/enrollments/{enrollment.pk}/diploma/request/" not in page


def test_a_refused_request_is_shown(client, office):
    enrollment = EnrollmentFactory()
    client.force_login(office)
    response = client.post(f"/enrollments/{enrollment.pk}/diploma/request/", follow=True)
    assert "Only a completed enrollment gets a diploma" in response.content.decode()
    assert not Diploma.objects.exists()


def test_failed_diplomas_show_the_reason_and_a_retry_button(
    client, office, fake_render, django_capture_on_commit_callbacks
):
    fake_render.side_effect = RuntimeError("no CJK font")
    enrollment = EnrollmentFactory(completed=True)
    with django_capture_on_commit_callbacks(execute=True):
        diploma = services.diploma_request(enrollment=enrollment, requested_by=office)
    client.force_login(office)
    page = client.get(f"/students/{enrollment.student_id}/").content.decode()
    assert "RuntimeError: no CJK font" in page and f"/diplomas/{diploma.pk}/retry/" in page
    fake_render.side_effect = None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/diplomas/{diploma.pk}/retry/").status_code == 302
    diploma.refresh_from_db()
    assert diploma.status == S.ISSUED


def test_revoke_needs_a_reason_and_keeps_the_diploma_in_the_history(client, office, issued):
    client.force_login(office)
    url = f"/diplomas/{issued.pk}/revoke/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    assert client.post(url, {"reason": "Issued by mistake"}).status_code == 302
    issued.refresh_from_db()
    assert issued.status == S.REVOKED
    page = client.get(f"/students/{issued.enrollment.student_id}/").content.decode()
    assert "Issued by mistake" in page and issued.number in page


def test_reissue_from_the_page(client, office, issued, django_capture_on_commit_callbacks):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/diplomas/{issued.pk}/reissue/", {"reason": "Name corrected"}).status_code == 302
    new, old = issued.enrollment.diplomas.all()
    assert old.pk == issued.pk and old.status == S.REVOKED and new.status == S.ISSUED


def test_office_may_request_and_change_diplomas_but_nobody_deletes_them(office):
    assert office.has_perms(["diplomas.view_diploma", "diplomas.add_diploma", "diplomas.change_diploma"])
    assert not office.has_perm("diplomas.delete_diploma")
    assert not make_user("admin-user", "office-admin").has_perm("diplomas.delete_diploma")


def test_cohort_page_has_the_request_button_and_a_polling_progress_bar(
    client, office, fake_render, django_capture_on_commit_callbacks
):
    cohort = CohortFactory()
    for _ in range(3):
        EnrollmentFactory(completed=True, cohort=cohort)
    client.force_login(office)
    page = client.get(f"/students/cohorts/{cohort.pk}/").content.decode()
    assert f'action="/cohorts/{cohort.pk}/diplomas/request/"' in page
    assert f'hx-get="/cohorts/{cohort.pk}/diplomas/progress/"' in page and 'hx-trigger="load, every 1s"' in page
    assert "<script>" not in page  # no inline script
    empty = client.get(f"/cohorts/{cohort.pk}/diplomas/progress/")
    assert empty.status_code == 286  # no batch: stop polling

    # The tasks are sent but "wait in the queue".
    with mock.patch("diplomas.tasks.render_diplomas.apply_async"), django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cohorts/{cohort.pk}/diplomas/request/")
    waiting = client.get(f"/cohorts/{cohort.pk}/diplomas/progress/")
    assert waiting.status_code == 200  # keep polling
    assert 'class="batch-waiting">3<' in waiting.content.decode()
    assert 'role="progressbar"' in waiting.content.decode() and 'aria-valuenow="0"' in waiting.content.decode()

    first = Diploma.objects.order_by("pk").first()
    services.diploma_issue(diploma_id=first.pk)
    services.diploma_mark_failed(diploma_id=first.pk + 1, reason="boom")
    html = client.get(f"/cohorts/{cohort.pk}/diplomas/progress/").content.decode()
    assert (
        'class="batch-issued">1<' in html and 'class="batch-failed">1<' in html and 'class="batch-waiting">1<' in html
    )
    assert 'aria-valuenow="66"' in html  # two of three no longer wait (rounded down: 100 only when done)
    services.diploma_issue(diploma_id=first.pk + 2)
    done = client.get(f"/cohorts/{cohort.pk}/diplomas/progress/")
    assert done.status_code == 286 and 'aria-valuenow="100"' in done.content.decode()  # done: stop polling


def test_the_real_renderer_through_the_task_gives_a_pdf_whose_hash_verifies(
    client, office, django_capture_on_commit_callbacks
):
    """One pass through the real renderer and signer (the rest of this file uses a fake)."""
    pytest.importorskip("weasyprint")
    enrollment = EnrollmentFactory(completed=True)
    with django_capture_on_commit_callbacks(execute=True):
        diploma = services.diploma_request(enrollment=enrollment, requested_by=office)
    diploma.refresh_from_db()
    assert diploma.status == S.ISSUED, diploma.failure_reason
    client.force_login(office)
    pdf = b"".join(client.get(f"/diplomas/{diploma.pk}/pdf/").streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == diploma.sha256
    from diplomas.signing import verify_pdf

    assert verify_pdf(pdf)
    client.logout()
    check = client.post(f"/verify/{diploma.verification_code}/", {"pdf": SimpleUploadedFile("d.pdf", pdf)})
    assert 'data-match="true"' in check.content.decode()


def test_the_cohort_page_offers_the_batch_request_only_when_it_can_succeed(client, office, issued):
    """The button and the service ask one rule (``diplomas_request_for_cohort_refusal``): with every completed
    enrollment holding its diploma, the page shows why instead of a button that would only be refused."""
    cohort = issued.enrollment.cohort
    client.force_login(office)
    page = client.get(f"/students/cohorts/{cohort.pk}/").content.decode()
    reason = f"No completed enrollment of {cohort.code} is waiting for a diploma."
    assert f'action="/cohorts/{cohort.pk}/diplomas/request/"' not in page and reason in page
    with pytest.raises(DomainError, match=reason):
        services.diplomas_request_for_cohort(cohort=cohort, requested_by=office)

    # A second completed enrollment without a diploma: the button is back, and the service would run.
    EnrollmentFactory(completed=True, cohort=cohort)
    page = client.get(f"/students/cohorts/{cohort.pk}/").content.decode()
    assert f'action="/cohorts/{cohort.pk}/diplomas/request/"' in page and reason not in page
    assert services.diplomas_request_for_cohort_refusal(cohort=cohort) is None
