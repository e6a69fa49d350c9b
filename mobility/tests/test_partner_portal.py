"""The partner portal's reading pages (mobility/partner_portal/): who may open them, which rows each sees, what a
student's page shows and hides, the diploma download, the at-risk flag, and the number of queries of each list."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF, DiplomaFactory
from mobility.foundation.audit import audit_record
from mobility.tests.partnership import ROLES, partnership
from programs.models import AgreementQuota
from programs.selectors import quotas_with_usage
from programs.tests.factories import CohortFactory, ModuleFactory
from students.models import Enrollment, ModuleResult
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db

S = Enrollment.Status
PAGES = ("/partner/", "/partner/agreements/", "/partner/cohorts/", "/partner/applications/", "/partner/students/")
# Where each role that is not a partner's person lands on a GET (MemberRequiredMixin).
ELSEWHERE = {
    "office": "/",
    "office-admin": "/",
    "facilitator": "/facilitator/",
    "teacher-m": "/teaching/",
    "teacher-n": "/teaching/",
    "student": "/portal/",
    "other-student": "/portal/",
}


@pytest.fixture
def world():
    world = partnership()
    # A's students in more states: rejected with a reason, completed with an issued diploma; B's too.
    world.rejected_a = EnrollmentFactory(
        cohort=world.cohort_a, status=S.REJECTED, status_reason="Documents incomplete: no transcript"
    )
    world.completed_a = EnrollmentFactory(cohort=world.cohort_a, status=S.COMPLETED)
    world.diploma_a = DiplomaFactory(enrollment=world.completed_a, status=Diploma.Status.ISSUED)
    world.completed_b = EnrollmentFactory(cohort=world.cohort_b, status=S.COMPLETED)
    world.diploma_b = DiplomaFactory(enrollment=world.completed_b, status=Diploma.Status.ISSUED)
    return world


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


def _a_urls(world) -> list[str]:
    return [
        f"/partner/students/{world.student_a.pk}/",
        f"/partner/diplomas/{world.diploma_a.pk}/pdf/",
    ]


# --- who may open the pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_answer_on_every_page(client, world, role):
    _login(client, world, role)
    for url in (*PAGES, *_a_urls(world)):
        response = client.get(url)
        if role in ("coordinator-a", "observer-a"):
            assert response.status_code == 200, url
            assert "no-store" in response["Cache-Control"], url
        elif role == "coordinator-b":
            assert response.status_code == (404 if url in _a_urls(world) else 200), url
        elif role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), url
        else:
            assert response.status_code == 302, url
            assert response["Location"] == ELSEWHERE[role], url


@pytest.mark.parametrize("url", PAGES)
def test_observers_reads_only_and_no_one_posts_to_a_reading_page(client, world, url):
    assert _login(client, world, "observer-a").post(url).status_code == 403
    client.force_login(world.user("coordinator-a"))
    assert client.post(url).status_code == 405


# --- which rows -----------------------------------------------------------------------------------------------------


def _ids(page: bytes, kind: str) -> set[int]:
    return {int(n) for n in re.findall(rf'id="{kind}-(\d+)"', page.decode())}


@pytest.mark.parametrize("role", ["coordinator-a", "observer-a"])
def test_college_a_sees_its_own_rows_only(client, world, role):
    _login(client, world, role)
    students = _ids(client.get("/partner/students/").content, "student")
    assert students == {world.student_a.pk, world.rejected_a.student_id, world.completed_a.student_id}
    applications = _ids(client.get("/partner/applications/?per_page=200").content, "enrollment")
    assert applications == {world.enrollment_a.pk, world.rejected_a.pk, world.completed_a.pk}
    assert _ids(client.get("/partner/cohorts/").content, "cohort") == {world.cohort_a.pk}
    agreements = client.get("/partner/agreements/").content.decode()
    assert world.agreement_a.number in agreements
    assert world.cohort_b.agreement.number not in agreements


def test_college_b_never_sees_college_a(client, world):
    _login(client, world, "coordinator-b")
    assert _ids(client.get("/partner/students/").content, "student") == {
        world.student_b.pk,
        world.completed_b.student_id,
    }
    assert _ids(client.get("/partner/applications/").content, "enrollment") == {
        world.enrollment_b.pk,
        world.completed_b.pk,
    }
    assert _ids(client.get("/partner/cohorts/").content, "cohort") == {world.cohort_b.pk}
    assert world.agreement_a.number not in client.get("/partner/agreements/").content.decode()
    for url in _a_urls(world):
        assert client.get(url).status_code == 404, url
    # A's cohort as a filter is not offered, nor obeyed.
    page = client.get(f"/partner/students/?cohort={world.cohort_a.pk}").content
    assert _ids(page, "student") == {world.student_b.pk, world.completed_b.student_id}


def test_the_overview_counts_the_colleges_rows(client, world):
    page = _login(client, world, "coordinator-a").get("/partner/").content.decode()
    figures = re.findall(r'<div class="figure-value[^"]*">(\d+)</div>', page)
    # waiting, admitted, enrolled, completed, diplomas, at risk (A's enrolled student has results from 2026-06-01)
    assert figures[:5] == ["0", "0", "1", "1", "1"]


# --- the pages' contents ---------------------------------------------------------------------------------------------


def test_agreement_quotas_are_counted_as_the_office_counts_them(client, world):
    quota = AgreementQuota.objects.get(agreement=world.agreement_a)
    expected = quotas_with_usage(AgreementQuota.objects.filter(pk=quota.pk)).get()
    page = _login(client, world, "coordinator-a").get("/partner/agreements/").content.decode()
    row = re.search(rf'id="quota-{quota.pk}">(.*?)</tr>', page, re.S).group(1)
    numbers = re.findall(r'class="text-end quota-\w+[^"]*">(\d+)<', row)
    assert numbers == [str(quota.places), str(expected.used), str(max(expected.left, 0))]
    assert expected.used == 2  # the enrolled and the completed student take places; the rejected one does not
    assert world.facilitator.name() in page


@pytest.mark.clock
def test_open_cohorts_follow_the_deadline_and_show_places_left(client, world):
    today = timezone.localdate()
    dates = {"start_date": today + datetime.timedelta(30), "end_date": today + datetime.timedelta(300)}
    closing_today = CohortFactory(track=world.track, partner=world.college_a, application_deadline=today, **dates)
    yesterday = today - datetime.timedelta(1)
    CohortFactory(track=world.track, partner=world.college_a, application_deadline=yesterday, **dates)
    CohortFactory(track=world.track, partner=world.college_a, accepts_applications=False, **dates)
    page = _login(client, world, "coordinator-a").get("/partner/cohorts/").content
    assert _ids(page, "cohort") == {world.cohort_a.pk, closing_today.pk}
    row = re.search(rf'id="cohort-{world.cohort_a.pk}">(.*?)</section>', page.decode(), re.S).group(1)
    assert re.search(r'places-left[^"]*">(\d+)<', row).group(1) == str(world.cohort_a.capacity - 2)


def test_applications_show_the_decision_date_and_reason_and_filter(client, world):
    _login(client, world, "coordinator-a")
    page = client.get(f"/partner/applications/?status={S.REJECTED}").content.decode()
    assert _ids(page.encode(), "enrollment") == {world.rejected_a.pk}
    assert "Documents incomplete: no transcript" in page
    assert world.rejected_a.closed_on.isoformat() in page or "10.02.2026" in page or "02/10/2026" in page
    other = CohortFactory(track=world.track, partner=world.college_a, start_date=datetime.date(2027, 3, 1),
                          end_date=datetime.date(2027, 12, 1))  # fmt: skip
    later = EnrollmentFactory(cohort=other)
    assert _ids(client.get("/partner/applications/?year=2027").content, "enrollment") == {later.pk}
    assert _ids(client.get(f"/partner/applications/?cohort={other.pk}").content, "enrollment") == {later.pk}
    name = world.rejected_a.student.given_name_latin
    assert _ids(client.get(f"/partner/applications/?q={name}").content, "enrollment") == {world.rejected_a.pk}


def test_the_students_list_searches_every_script_and_filters(client, world):
    _login(client, world, "coordinator-a")
    han = StudentFactory(home_institution=world.college_a, family_name_han="欧阳", given_name_han="娜娜",
                         family_name_cyrillic="Оуян", given_name_cyrillic="Нана")  # fmt: skip
    EnrollmentFactory(student=han, cohort=world.cohort_a, status=S.APPLIED)
    for term in ("欧阳", "оуян", han.given_name_latin.lower(), han.home_student_id):
        assert _ids(client.get("/partner/students/", {"q": term}).content, "student") == {han.pk}, term
    assert _ids(client.get(f"/partner/students/?status={S.REJECTED}").content, "student") == {
        world.rejected_a.student_id
    }
    assert _ids(client.get(f"/partner/students/?track={world.track.pk}").content, "student") >= {han.pk}


def test_a_students_page_shows_progress_results_and_diplomas_but_no_passport(client, world):
    enrollment = world.enrollment_a
    ModuleResult.objects.filter(enrollment=enrollment, module=world.module_n).update(grade="2", score=40)
    audit_record(actor=None, obj=enrollment, action="enrollment.enroll", changes={"status": ("admitted", "enrolled")},
                 reason="Visa received")  # fmt: skip
    student = enrollment.student
    page = _login(client, world, "observer-a").get(f"/partner/students/{student.pk}/").content.decode()
    for text in (student.full_name_han, student.full_name_latin, student.full_name_cyrillic, student.home_student_id):
        assert text in page
    assert "Visa received" in page
    assert f'id="module-{enrollment.pk}-{world.module_m.pk}"' in page
    assert "module-failed" in page and "module-passed" in page
    assert "at-risk-badge" in page  # the failed module N
    assert student.passport_number not in page
    assert "2004" not in page  # the birth date
    # A completed student's page: the diploma with its download and public verification link.
    completed = world.completed_a.student
    page = client.get(f"/partner/students/{completed.pk}/").content.decode()
    assert f"/partner/diplomas/{world.diploma_a.pk}/pdf/" in page
    assert world.diploma_a.verification_url in page
    assert world.diploma_a.number in page


@pytest.mark.parametrize("role", ["coordinator-a", "observer-a"])
def test_the_colleges_people_download_its_diplomas(client, world, role):
    response = _login(client, world, role).get(f"/partner/diplomas/{world.diploma_a.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert f"{world.diploma_a.number}.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_another_colleges_diploma_or_one_not_issued_answers_404(client, world):
    _login(client, world, "coordinator-a")
    assert client.get(f"/partner/diplomas/{world.diploma_b.pk}/pdf/").status_code == 404
    requested = DiplomaFactory(enrollment=EnrollmentFactory(cohort=world.cohort_a, completed=True))
    assert client.get(f"/partner/diplomas/{requested.pk}/pdf/").status_code == 404
    revoked = DiplomaFactory(
        enrollment=EnrollmentFactory(cohort=world.cohort_a, completed=True), status=Diploma.Status.REVOKED
    )
    assert client.get(f"/partner/diplomas/{revoked.pk}/pdf/").status_code == 404


@pytest.mark.clock
def test_students_at_risk_are_flagged_filtered_and_counted(client, world):
    today = timezone.localdate()
    fresh = EnrollmentFactory(
        cohort=world.cohort_a, status=S.ENROLLED, applied_on=today, admitted_on=today, enrolled_on=today
    )
    failing = EnrollmentFactory(
        cohort=world.cohort_a, status=S.ENROLLED, applied_on=today, admitted_on=today, enrolled_on=today
    )
    ModuleResultFactory(enrollment=failing, module=world.module_m, grade="fail", score=None, assessed_on=today)
    _login(client, world, "coordinator-a")
    page = client.get("/partner/students/?per_page=200").content.decode()
    flagged = {int(n) for n in re.findall(r'<tr class="student at-risk" id="student-(\d+)"', page)}
    # world.enrollment_a: enrolled, last result 2026-06-01 (more than four weeks before any clock the tests run at)
    assert flagged == {failing.student_id, world.student_a.pk}
    assert _ids(client.get("/partner/students/?at_risk=1").content, "student") == flagged
    assert fresh.student_id not in flagged
    home = client.get("/partner/").content.decode()
    assert "?at_risk=1" in home
    assert re.findall(r'<div class="figure-value[^"]*">(\d+)</div>', home)[-1] == "2"


# --- queries -----------------------------------------------------------------------------------------------------


def _grow(world, n: int) -> None:
    """``n`` more students of college A, each enrolled with results and a diploma, an application and a quota."""
    for i in range(n):
        cohort = CohortFactory(track=world.track, partner=world.college_a, agreement=world.agreement_a)
        enrolled = EnrollmentFactory(cohort=cohort, status=S.ENROLLED)
        ModuleResultFactory(enrollment=enrolled, module=world.module_m, grade="fail", score=10)
        ModuleResultFactory(enrollment=enrolled, module=ModuleFactory(track=world.track), attempt=1)
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohort, completed=True), status=Diploma.Status.ISSUED)
        EnrollmentFactory(cohort=cohort, status=S.REJECTED)
        AgreementQuota.objects.get_or_create(agreement=world.agreement_a, track=world.track, year=2030 + i,
                                             defaults={"places": 5})  # fmt: skip


LISTS = (*PAGES, "/partner/students/?per_page=200", "/partner/students/?at_risk=1&status=enrolled",
         "/partner/applications/?per_page=200&status=rejected")  # fmt: skip


@pytest.mark.parametrize("url", LISTS)
def test_each_list_reads_in_a_fixed_number_of_queries(client, world, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _login(client, world, "coordinator-a")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = count()
    _grow(world, 30)
    with django_assert_max_num_queries(10):
        client.get(url)
    assert count() == few, url


def test_a_students_page_reads_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    _login(client, world, "coordinator-a")
    with django_assert_max_num_queries(16):
        assert client.get(f"/partner/students/{world.student_a.pk}/").status_code == 200


# --- languages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "学生"), ("ru", "Студенты"), ("en", "Students")],
)
def test_the_students_list_speaks_the_language(client, world, settings, language, heading):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = _login(client, world, "coordinator-a").get("/partner/students/").content.decode()
    assert re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1) == heading


def _title_and_h1(client, settings, url: str, language: str) -> tuple[str, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(url).content.decode()
    assert f'lang="{language}"' in page, url
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
    return " ".join(title.split()), " ".join(h1.split())


def test_every_page_speaks_the_requests_language(client, world, settings):
    """Each page's title and heading change with the language (a student's page's heading is their name, in the
    script of the language); no English is left on the Chinese pages' titles."""
    _login(client, world, "coordinator-a")
    for url in (*PAGES, f"/partner/students/{world.student_a.pk}/"):
        seen = {language: _title_and_h1(client, settings, url, language) for language in ("en", "ru", "zh-hans")}
        assert len({seen[language][0] for language in seen}) == 3, (url, seen)
        assert len({seen[language][1] for language in seen}) == 3, (url, seen)
        assert not re.search(r"[A-Za-z]{4,}", seen["zh-hans"][1]), (url, seen)


def test_an_enrollment_without_a_status_history_shows_its_step_dates_and_last_reason(client, world):
    """Rows written without the audit log (the factories, data from before it): the steps from the enrollment's
    dates, the reason of the last decision on the last one."""
    page = _login(client, world, "coordinator-a").get(f"/partner/students/{world.rejected_a.student_id}/").content
    history = re.search(r'<ol class="[^"]*status-history">(.*?)</ol>', page.decode(), re.S).group(1)
    steps = re.findall(r'badge status-(\w+)">', history)
    assert steps == [S.APPLIED, S.REJECTED]
    assert history.index("Documents incomplete: no transcript") > history.index(f"status-{S.REJECTED}")
