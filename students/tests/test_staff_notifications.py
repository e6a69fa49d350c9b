"""The students app's notifications to staff: applications from the API and from a roster import (one per batch),
correction requests (with their dashboard card, the flag and filter of the students list, and their page opened
directly), passports that expire before the course ends (nightly), and a quota crossing 90 % on an admission."""

import datetime

import pytest
from django.utils import timezone, translation

from mobility.foundation.notifications.models import StaffNotification
from mobility.tests.support import api_client, make_api_key
from programs.staff_notifications import QUOTA_NEARLY_FULL
from programs.tests.factories import AgreementFactory, AgreementQuotaFactory, CohortFactory
from students import services
from students.imports.roster import RosterRefused, apply_roster
from students.models import Enrollment
from students.services.corrections import correction_request_close, correction_request_create
from students.staff_notifications import APPLICATIONS, CORRECTION_REQUESTED, PASSPORT_EXPIRING
from students.tasks import passports_expiring_check

from .factories import EnrollmentFactory, StudentFactory
from .roster_files import ROWS, parse, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead


def _sentences(user, kind):
    with translation.override("en"):
        return [n.sentence() for n in StaffNotification.objects.filter(recipient=user, kind=kind)]


# --- new applications ----------------------------------------------------------------------------------------------


def test_applications_by_the_api_add_up_in_one_notification_per_college_and_day(office, college):
    partner = api_client(make_api_key(college)[1])
    cohort = CohortFactory(partner=college)
    for _ in range(2):
        student = StudentFactory(home_institution=college)
        response = partner.post("/api/v1/enrollments/", {"student": student.pk, "cohort": cohort.pk}, format="json")
        assert response.status_code == 201, response.json()
    notification = StaffNotification.objects.get(recipient=office, kind=APPLICATIONS)
    assert notification.params["count"] == 2 and notification.params["source"] == "api"
    assert _sentences(office, APPLICATIONS) == [f"2 new applications from {college.name_en} (API)"]
    assert notification.link() == f"/students/?partner={college.pk}&status=applied"


def test_applications_by_staff_notify_no_one(office, college):
    cohort = CohortFactory(partner=college)
    services.enrollment_apply(student=StudentFactory(home_institution=college), cohort=cohort, by=office)
    assert not StaffNotification.objects.exists()


def test_a_roster_import_is_one_notification_for_all_its_rows(cohort_with_quota, office_admin, office):
    result = apply_roster(parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin), by=office_admin)
    assert result.applications == 3
    notification = StaffNotification.objects.get(recipient=office, kind=APPLICATIONS)
    assert notification.params["count"] == 3 and notification.params["source"] == "import"
    college = cohort_with_quota.partner
    assert _sentences(office, APPLICATIONS) == [f"3 new applications from {college.name_en} (import)"]
    with translation.override("ru"):
        assert notification.sentence() == f"{college.name_ru or college.name_en}: 3 новые заявки (импорт)"


def test_a_refused_import_notifies_no_one(cohort_with_quota, office_admin, office):
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    cohort_with_quota.accepts_applications = False  # closed between the preview and the apply: the service refuses
    cohort_with_quota.save(update_fields=["accepts_applications"])
    with pytest.raises(RosterRefused):
        apply_roster(preview, by=office_admin)
    assert not StaffNotification.objects.exists()


# --- correction requests ---------------------------------------------------------------------------------------------


@pytest.fixture
def request_of_li(li):
    return correction_request_create(student=li, message="My Cyrillic name is Ли На.")


def test_a_correction_request_notifies_the_office(office, office_admin, request_of_li, li):
    for user in (office, office_admin):
        notification = StaffNotification.objects.get(recipient=user, kind=CORRECTION_REQUESTED)
        assert notification.link() == f"/students/{li.pk}/#corrections"
    with translation.override("zh-hans"):
        notification = StaffNotification.objects.get(recipient=office, kind=CORRECTION_REQUESTED)
        assert notification.sentence() == f"{li.full_name_han}请求更正其个人数据。"


def test_the_dashboard_counts_open_correction_requests(office_client, request_of_li, li):
    correction_request_create(student=li, message="And my e-mail.")
    response = office_client.get("/")
    assert response.context["data"].open_corrections == 2
    page = response.content.decode()
    assert 'href="/students/?corrections=open"' in page and 'data-count="open-corrections">2<' in page
    correction_request_close(request=request_of_li, by=None, status="done")
    assert office_client.get("/").context["data"].open_corrections == 1


def test_the_students_list_flags_and_filters_students_with_an_open_request(office_client, request_of_li, li, zhang):
    page = office_client.get("/students/")
    flagged = {s.pk for s in page.context["students"] if s.has_open_correction}
    assert flagged == {li.pk}
    assert f'href="/students/{li.pk}/#corrections"' in page.content.decode()
    only = office_client.get("/students/", {"corrections": "open"})
    assert [s.pk for s in only.context["students"]] == [li.pk]
    correction_request_close(request=request_of_li, by=None, status="declined", answer="It is right.")
    assert list(office_client.get("/students/", {"corrections": "open"}).context["students"]) == []


def test_the_corrections_page_opened_directly_has_the_staff_layout(office_client, request_of_li, li):
    url = f"/students/{li.pk}/corrections/"
    fragment = office_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "My Cyrillic name" in fragment
    page = office_client.get(url)
    html = page.content.decode()
    assert page.templates[0].name == "students/corrections_page.html"
    assert "<html" in html and 'class="navbar' in html and "My Cyrillic name" in html
    assert page["Vary"].endswith("HX-Request") or "HX-Request" in page["Vary"]


# --- passports -------------------------------------------------------------------------------------------------------


def _enrolled(college, *, passport_expires_on, status=Enrollment.Status.ENROLLED, ends_in=120):
    today = timezone.localdate()
    cohort = CohortFactory(
        partner=college,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=ends_in),
    )
    student = StudentFactory(home_institution=college, passport_expires_on=passport_expires_on)
    return EnrollmentFactory(student=student, cohort=cohort, status=status)


def test_a_passport_that_expires_before_the_course_ends_is_said_once(office, college):
    today = timezone.localdate()
    expiring = _enrolled(college, passport_expires_on=today + datetime.timedelta(days=30))
    _enrolled(college, passport_expires_on=today + datetime.timedelta(days=400))  # valid past the end
    _enrolled(college, passport_expires_on=None)
    _enrolled(college, passport_expires_on=today + datetime.timedelta(days=30), status=Enrollment.Status.APPLIED)
    _enrolled(college, passport_expires_on=today + datetime.timedelta(days=30), status=Enrollment.Status.WITHDRAWN)

    assert passports_expiring_check.delay().get() == 1
    assert passports_expiring_check.delay().get() == 1  # the next night finds it again and says nothing new
    notification = StaffNotification.objects.get(recipient=office, kind=PASSPORT_EXPIRING)
    assert notification.about == expiring
    assert notification.link() == f"/students/{expiring.student_id}/"
    assert expiring.cohort.code in notification.sentence()
    # The passport's own date is not in the sentence: passport data are for staff with view_sensitive.
    assert "expires_on" not in notification.params and "expires" not in notification.params


def test_a_renewed_passport_that_still_expires_too_early_is_said_again(office, college):
    today = timezone.localdate()
    enrollment = _enrolled(college, passport_expires_on=today + datetime.timedelta(days=30))
    passports_expiring_check.delay()
    enrollment.student.passport_expires_on = today + datetime.timedelta(days=60)
    enrollment.student.save()
    passports_expiring_check.delay()
    assert StaffNotification.objects.filter(recipient=office, kind=PASSPORT_EXPIRING).count() == 2


# --- a quota crossing 90 % on an admission -------------------------------------------------------------------------


def test_the_admission_that_fills_a_quota_to_90_percent_tells_staff_once(office, college):
    agreement = AgreementFactory(partner=college, number="AGR-Q")
    cohort = CohortFactory(partner=college, agreement=agreement, capacity=30)
    AgreementQuotaFactory(agreement=agreement, track=cohort.track, year=cohort.start_date.year, places=10)
    applications = EnrollmentFactory.create_batch(10, cohort=cohort, status=Enrollment.Status.APPLIED)
    for enrollment in applications[:8]:
        services.enrollment_admit(enrollment=enrollment, by=office)
    assert not StaffNotification.objects.filter(kind=QUOTA_NEARLY_FULL).exists()  # 80 %
    services.enrollment_admit(enrollment=applications[8], by=office)  # 90 %
    services.enrollment_admit(enrollment=applications[9], by=office)  # 100 %: already said
    notification = StaffNotification.objects.get(recipient=office, kind=QUOTA_NEARLY_FULL)
    assert notification.params["used"] == 9 and notification.params["percent"] == 90
    assert _sentences(office, QUOTA_NEARLY_FULL)[0].startswith("The quota of agreement AGR-Q for ")
    assert notification.link() == f"/agreements/{agreement.pk}/"
