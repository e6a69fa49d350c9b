"""The student portal (students/portal/): what a student sees of their own records, and the correction requests
(the student's side and the office's)."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import CohortFactory, TrackFactory
from students import selectors, services
from students.models import CorrectionRequest, Enrollment
from students.progress import enrollment_progress
from students.services.corrections import MAX_OPEN_REQUESTS, correction_request_close, correction_request_create

from .factories import EnrollmentFactory, ModuleResultFactory
from .portal_support import ZH

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_home_lists_the_enrollments_with_track_status_and_dates_in_the_pages_language(client, me):
    client.force_login(me.user)
    english = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mechatronics" in english
    assert me.mech.cohort.code in english
    assert "enrolled" in english and "completed" in english
    assert "March 1, 2026" in english or "Mar. 1, 2026" in english  # enrolled on, Django's English date format
    assert reverse("portal:enrollment", args=[me.mech.pk]) in english
    assert me.diploma.number in english  # the completed enrollment's issued diploma

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    chinese = client.get("/portal/").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "机电一体化" in chinese and "Mechatronics" not in chinese
    assert me.home_institution.name_zh in chinese
    assert "2026年3月1日" in chinese  # Django's Chinese date format, not a hard-coded one
    assert me.full_name_han in chinese  # the greeting uses the name in the page's script


def test_progress_page_per_module_and_what_is_left(me_client, me):
    response = me_client.get(reverse("portal:enrollment", args=[me.mech.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    progress = response.context["progress"]
    states = {row.module.code: row.state for row in progress.modules}
    assert states == {"PLC": "passed", "CAD": "failed", "SAFE": "pending"}
    assert progress.totals == enrollment_progress(enrollment=me.mech)
    # What is left is the completion rule's own answer.
    assert progress.missing == list(selectors.completion_missing_modules(enrollment=me.mech))
    assert [module.code for module in progress.missing] == ["CAD"]
    assert re.search(r'module-passed" id="module-\d+">\s*<div[^>]*>\s*<span[^>]*>PLC programming', html)
    assert "1 of 2 required modules passed" in html
    assert "72 of 126 hours" in html
    assert "2 of 3.5 credits" in html
    assert "Left for completion: 1 required module" in html
    assert "2 attempts" in html  # PLC passed at the second attempt


def test_what_is_left_is_said_only_of_an_enrollment_under_way(me_client, me):
    url = reverse("portal:enrollment", args=[me.mech.pk])
    ModuleResultFactory(enrollment=me.mech, module=me.mech.track.modules.get(code="CAD"), attempt=2)
    html = me_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Every required module is passed: the office will complete your enrollment." in html

    services.enrollment_withdraw(enrollment=me.mech, by=None, reason="Moved", on=datetime.date(2026, 5, 4))
    html = me_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "withdrawn" in html and "This enrollment was closed on May 4, 2026." in html
    assert "Left for completion" not in html and "the office will complete" not in html

    applied = EnrollmentFactory(student=me, cohort=CohortFactory(track=TrackFactory(code="SOFT")))
    html = me_client.get(reverse("portal:enrollment", args=[applied.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your studies have not started yet." in html


def test_progress_page_in_chinese_shows_the_track_and_module_titles_in_chinese(me_client, me):
    me_client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    html = me_client.get(reverse("portal:enrollment", args=[me.mech.pk])).content.decode()
    assert "机电一体化" in html and "PLC编程" in html and "CAD设计" in html
    assert "Safety" in html  # no Chinese title: the English one


def test_the_issued_diploma_with_download_and_verification_link(me_client, me):
    diploma = me.diploma
    html = me_client.get(reverse("portal:enrollment", args=[diploma.enrollment.pk]))
    html = html.content.decode()
    assert diploma.number in html
    download = reverse("diplomas:diploma-pdf", args=[diploma.pk])
    assert f'href="{download}"' in html
    # The verification address printed on the diploma (its QR code), on the site's public address.
    assert f'href="{diploma.verification_url}"' in html
    assert diploma.verification_url.endswith(f"/verify/{diploma.verification_code}/")
    # The link leads to the file, for the student themself.
    response = me_client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_a_revoked_diploma_is_shown_revoked_without_download(me_client, me):
    diploma_services.diploma_revoke(diploma=me.diploma, by=None, reason="Name misspelt")
    html = me_client.get(reverse("portal:enrollment", args=[me.diploma.enrollment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "diploma-revoked" in html and "Name misspelt" in html
    assert reverse("diplomas:diploma-pdf", args=[me.diploma.pk]) not in html
    assert f"/verify/{me.diploma.verification_code}/" in html
    home = me_client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "revoked" in home


def test_a_diploma_in_preparation_is_announced_without_number(me_client, me):
    enrollment = me.mech
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED, completed_on="2026-12-01")
    Diploma.objects.create(enrollment=enrollment, status=Diploma.Status.RENDERING)
    html = me_client.get(reverse("portal:enrollment", args=[enrollment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "in preparation" in html.content.decode()


def test_my_data_shows_the_students_own_personal_data(me_client, me):
    html = me_client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for value in (
        me.full_name_han,
        me.full_name_latin,
        me.full_name_cyrillic,
        me.home_institution.name_en,
        me.home_student_id,
        me.email,
        me.phone,
        me.passport_number,
        "May 17, 2004",  # the birth date in Django's English format
    ):
        assert value in html


def test_a_student_requests_a_correction_and_reads_the_offices_answer(client, me, office):
    client.force_login(me.user)
    response = client.post(reverse("portal:my-data"), {"message": "Given name in Cyrillic: Вэйвэй, not Вэй."})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my-data") + "#requests"
    request = CorrectionRequest.objects.get(student=me)
    assert request.status == CorrectionRequest.Status.OPEN
    entry = AuditEntry.objects.get(action="correction.create")
    assert entry.actor == me.user and entry.object_id == str(request.pk)
    assert "Вэйвэй" not in str(entry.changes)  # the message may hold personal data: not in the audit log
    html = client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Вэйвэй, not Вэй." in html and "Waiting for the office" in html

    client.force_login(office)
    response = client.post(
        reverse("students:student-corrections", args=[me.pk]),
        {"request": request.pk, "status": "done", "answer": "Corrected, thank you."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("students:student-detail", args=[me.pk]) + "#corrections"
    request.refresh_from_db()
    assert (request.status, request.answer, request.closed_by) == ("done", "Corrected, thank you.", office)
    assert request.closed_at is not None
    assert AuditEntry.objects.get(action="correction.close").changes == {"status": ["open", "done"]}

    client.force_login(me.user)
    html = client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Corrected, thank you." in html and "The office answered on" in html


def test_an_empty_request_is_refused_and_nothing_is_filed(me_client, me):
    response = me_client.post(reverse("portal:my-data"), {"message": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert not CorrectionRequest.objects.exists()


def test_open_requests_are_limited(me_client, me):
    for n in range(MAX_OPEN_REQUESTS):
        correction_request_create(student=me, message=f"request {n}")
    response = me_client.post(reverse("portal:my-data"), {"message": "one more"})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert CorrectionRequest.objects.count() == MAX_OPEN_REQUESTS


def test_closing_rules(me, office):
    request = correction_request_create(student=me, message="Phone is wrong")
    with pytest.raises(DomainError) as refused:
        correction_request_close(request=request, by=office, status="declined", answer="")
    assert refused.value.code == "answer_required"
    with pytest.raises(DomainError):
        correction_request_close(request=request, by=office, status="open", answer="x")
    correction_request_close(request=request, by=office, status="declined", answer="The phone is as you gave it.")
    with pytest.raises(DomainError) as again:
        correction_request_close(request=request, by=office, status="done", answer="")
    assert again.value.code == "already_closed"
    request.refresh_from_db()
    assert request.status == "declined"


def test_a_refused_close_is_shown_to_staff_and_changes_nothing(client, me, office):
    request = correction_request_create(student=me, message="Phone is wrong")
    client.force_login(office)
    response = client.post(
        reverse("students:student-corrections", args=[me.pk]),
        {"request": request.pk, "status": "declined", "answer": ""},
        follow=True,
    )
    assert "why the request is declined" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "open"


def test_the_staff_panel_lists_open_requests_first_with_the_close_form(client, me, office):
    old = correction_request_create(student=me, message="Old request")
    correction_request_close(request=old, by=office, status="done", answer="Done")
    correction_request_create(student=me, message="New request")
    client.force_login(office)
    detail = client.get(reverse("students:student-detail", args=[me.pk])).content.decode()
    assert reverse("students:student-corrections", args=[me.pk]) in detail  # the card loads the panel
    html = client.get(reverse("students:student-corrections", args=[me.pk])).content.decode()
    assert html.index("New request") < html.index("Old request")
    assert html.count('class="correction-close"') == 1
    assert "by clerk" in html


def test_students_cannot_reach_the_staff_side_of_corrections(me_client, me, other):
    url = reverse("students:student-corrections", args=[other.pk])
    assert me_client.get(url)["Location"] == reverse("portal:home")  # a staff page: the student goes to the portal
    response = me_client.post(url, {"request": other.request.pk, "status": "done"})
    assert response.status_code == 403
    other.request.refresh_from_db()
    assert other.request.status == "open"


def test_closing_an_unknown_request_or_another_students_is_404(client, me, other, office):
    client.force_login(office)
    url = reverse("students:student-corrections", args=[me.pk])
    assert client.post(url, {"request": 424242, "status": "done"}).status_code == 404
    # The request must be the student's of the URL.
    assert client.post(url, {"request": other.request.pk, "status": "done"}).status_code == 404
    other.request.refresh_from_db()
    assert other.request.status == "open"
    assert client.get(reverse("students:student-corrections", args=[424242])).status_code == 404
