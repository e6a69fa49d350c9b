"""Failed renders reach the office: a render that fails for good notifies staff, one notification per cohort and
day however many of its diplomas fail."""

import pytest
from django.utils import translation

from diplomas import services
from diplomas.models import Diploma
from diplomas.staff_notifications import RENDER_FAILED
from mobility.foundation.exceptions import DomainError
from mobility.foundation.notifications.models import StaffNotification
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def test_a_render_that_fails_for_good_notifies_the_office(office, office_admin, fake_render, committed):
    fake_render.side_effect = DomainError("The track has no Chinese name.")
    cohort = CohortFactory(code="MECH26")
    for _ in range(2):
        committed(
            services.diploma_request, enrollment=EnrollmentFactory(completed=True, cohort=cohort), requested_by=office
        )
    assert Diploma.objects.filter(status=Diploma.Status.FAILED).count() == 2
    notification = StaffNotification.objects.get(recipient=office, kind=RENDER_FAILED)
    assert notification.params["count"] == 2 and notification.about == cohort
    assert notification.link() == "/#failed-renders"
    with translation.override("en"):
        assert notification.sentence() == (
            "2 diplomas of cohort MECH26 failed to render; retry them from the students' pages."
        )
    assert StaffNotification.objects.filter(recipient=office_admin, kind=RENDER_FAILED).count() == 1


def test_an_issued_diploma_notifies_no_one(office, issued):
    assert not StaffNotification.objects.filter(kind=RENDER_FAILED).exists()


def test_a_failure_that_is_retried_is_not_yet_news(office, fake_render, committed, settings):
    # The first attempts fail and are retried in the same eager run; the last one succeeds.
    fake_render.side_effect = [RuntimeError("font cache exploded"), fake_render.return_value]
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    assert not StaffNotification.objects.filter(kind=RENDER_FAILED).exists()
