"""The student portal (students/portal/): who reaches which page, and the query counts."""

from uuid import uuid4

import pytest
from django.urls import reverse
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Diploma
from mobility.tests.support import make_user
from programs.tests.factories import ModuleFactory, TrackFactory
from students import selectors
from students.messaging import selectors as message_selectors
from students.messaging.services import message_send
from students.models import Enrollment, Student
from students.services.corrections import correction_request_close, correction_request_create

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory, consents_answered
from .portal_support import PAGES, _enrolled, _portal_urls

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, me, page):
    url = _portal_urls(me)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("page", PAGES)
def test_the_student_sees_their_own_page_privately(me_client, me, page):
    response = me_client.get(_portal_urls(me)[page], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    own = {"home": me.full_name_latin, "enrollment": "PLC programming", "my-data": me.passport_number}[page]
    assert own in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_office_staff_are_sent_to_their_dashboard(client, me, office, page):
    """Staff have no student record: the portal is not theirs, and it never shows them a student's page."""
    client.force_login(office)
    response = client.get(_portal_urls(me)[page])
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize("page", PAGES)
def test_a_user_who_is_neither_staff_nor_student_is_refused(client, me, page):
    client.force_login(make_user("nobody"))
    assert client.get(_portal_urls(me)[page]).status_code == 403


def test_a_student_whose_data_were_erased_has_no_portal(client, me):
    Student.objects.filter(pk=me.pk).update(erased_at=timezone.now())
    client.force_login(me.user)
    assert client.get(reverse("portal:home")).status_code == 403
    fresh = type(me.user).objects.get(pk=me.user_id)
    assert list(selectors.portal_enrollments(viewer=fresh)) == []


def test_another_students_enrollment_is_404(me_client, other):
    assert me_client.get(reverse("portal:enrollment", args=[other.enrollment.pk])).status_code == 404
    assert me_client.get(reverse("portal:enrollment", args=[999999])).status_code == 404


def test_another_students_diploma_is_404_and_their_requests_are_not_shown(
    me_client,
    other,
    fake_render,
    django_capture_on_commit_callbacks,
):
    enrollment = EnrollmentFactory(completed=True, student=other)
    with django_capture_on_commit_callbacks(execute=True):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    assert me_client.get(reverse("diplomas:diploma-pdf", args=[diploma.pk])).status_code == 404
    page = me_client.get(reverse("portal:my-data")).content.decode()
    assert "My name is Li Na." not in page
    assert other.passport_number not in page


def test_the_selectors_give_a_student_only_their_own_rows(me, other, office):
    assert list(selectors.portal_enrollments(viewer=me.user)) == list(Enrollment.objects.filter(student=me))
    assert list(selectors.portal_enrollments(viewer=office)) == []
    assert list(selectors.portal_correction_requests(viewer=me.user)) == []
    assert list(selectors.portal_correction_requests(viewer=other.user)) == [other.request]


@pytest.mark.parametrize("url", ["/", "/students/", f"/students/{1}/", "/cohorts/"])
def test_a_student_opening_a_staff_page_is_sent_to_the_portal(me_client, url):
    response = me_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_a_student_posting_to_a_staff_page_is_refused(me_client, me):
    response = me_client.post(reverse("students:enrollment-transition", args=[me.mech.pk, "withdraw"]))
    assert response.status_code == 403
    me.mech.refresh_from_db()
    assert me.mech.status == Enrollment.Status.ENROLLED


def test_logging_in_as_a_student_lands_on_the_portal(client, me):
    response = client.post(reverse("login"), {"username": "wei", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1] == (reverse("portal:home"), 302)
    assert response.status_code == 200


def test_home_is_a_fixed_number_of_queries(me_client, me, django_assert_num_queries):
    # session, user, the student, whether a consent text awaits an answer, the scoping rule's staff check,
    # enrollments (with cohort, host, track), their diplomas, the unread messages' count, the home institution of
    # the greeting
    with django_assert_num_queries(9):
        me_client.get("/portal/")
    _enrolled(me, TrackFactory(code="IND"))
    with django_assert_num_queries(9):
        assert len(me_client.get("/portal/").context["enrollments"]) == 3


def test_progress_is_a_fixed_number_of_queries(me_client, me, django_assert_num_queries):
    url = reverse("portal:enrollment", args=[me.mech.pk])
    # session, user, the student, whether a consent text awaits an answer, the scoping rule's staff check, the
    # enrollment, its diplomas, its transcripts, results, modules, totals, what is left
    with django_assert_num_queries(12):
        me_client.get(url)
    for n in range(5):
        module = ModuleFactory(track=me.mech.track, code=f"X{n}")
        ModuleResultFactory(enrollment=me.mech, module=module)
    with django_assert_num_queries(12):
        assert len(me_client.get(url).context["progress"].modules) == 8


def test_my_data_is_a_fixed_number_of_queries(me_client, me, office, django_assert_num_queries):
    # session, user, the student, whether a consent text awaits an answer, the scoping rule's staff check, the
    # requests, the home institution
    with django_assert_num_queries(7):
        me_client.get(reverse("portal:my-data"))
    for n in range(3):
        correction_request_close(
            request=correction_request_create(student=me, message=f"n{n}"), by=office, status="done", answer="ok"
        )
    with django_assert_num_queries(7):
        assert len(me_client.get(reverse("portal:my-data")).context["requests"]) == 3


def test_a_student_without_enrollments_is_told_so(client):
    student = StudentFactory(user=make_user("new"))
    consents_answered(student)
    client.force_login(student.user)
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["enrollments"] == []
    assert "You have no enrollment yet." in response.content.decode()


# --- messages from the office (students/messaging/) ---------------------------------------------------------------


@pytest.fixture
def messages_to_both(me, other, office):
    """A message of the office to ``me`` (Zhang Wei) and one to ``other`` (Li Na), in the portal only."""
    Student.objects.filter(pk__in=[me.pk, other.pk]).update(
        email=""
    )  # portal only: the e-mails are not under test here
    message = message_send(
        by=office,
        token=uuid4(),
        audience="query",
        params={"q": "Zhang"},
        versions={"en": ("For Zhang only", "Text for Zhang.")},
    )
    message_send(
        by=office,
        token=uuid4(),
        audience="query",
        params={"q": "Li Na"},
        versions={"en": ("For Li only", "Text for Li.")},
    )
    return message


def test_anonymous_visitors_are_sent_to_log_in_from_messages(client, me, messages_to_both):
    copy = me.messages_received.get()
    for url in (reverse("portal:messages"), reverse("portal:message", args=[copy.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}"


def test_a_student_sees_only_their_own_messages(me_client, me, other, messages_to_both):
    page = me_client.get(reverse("portal:messages"), HTTP_ACCEPT_LANGUAGE="en")
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "For Zhang only" in html and "For Li only" not in html
    theirs = other.messages_received.get()
    assert me_client.get(reverse("portal:message", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None  # a refused look marks nothing read
    assert list(message_selectors.portal_messages(viewer=me.user)) == list(me.messages_received.all())
    assert list(message_selectors.portal_messages(viewer=other.user)) == [theirs]


def test_office_staff_see_no_messages_in_the_portal(client, office, me, messages_to_both):
    client.force_login(office)
    assert client.get(reverse("portal:messages"))["Location"] == reverse("dashboard")
    assert list(message_selectors.portal_messages(viewer=office)) == []


def test_messages_is_a_fixed_number_of_queries(me_client, me, office, messages_to_both, django_assert_num_queries):
    # session, user, the student, whether a consent text awaits an answer, the scoping rule's staff check, the
    # copies with their messages
    with django_assert_num_queries(6):
        me_client.get(reverse("portal:messages"))
    for _n in range(3):
        message_send(by=office, token=uuid4(), audience="query", params={"q": "Zhang"}, versions={"en": ("S", "T")})
    with django_assert_num_queries(6):
        assert len(me_client.get(reverse("portal:messages")).context["received"]) == 4
