"""Programs' nightly checks for staff (``programs.tasks.staff_checks``): agreements that end within 60 days and quotas
at least 90 % used, each said once however many nights the check runs."""

import datetime

import pytest
from django.utils import timezone, translation

from mobility.foundation.notifications.models import StaffNotification
from programs.models import Agreement
from programs.staff_notifications import AGREEMENT_EXPIRING, QUOTA_NEARLY_FULL
from programs.tasks import staff_checks
from programs.tests.factories import AgreementFactory, AgreementQuotaFactory, CohortFactory
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead


def _ending_in(days, **fields):
    today = timezone.localdate()
    return AgreementFactory(
        valid_from=today - datetime.timedelta(days=365), valid_until=today + datetime.timedelta(days=days), **fields
    )


def test_agreements_ending_within_60_days_are_said_once(office):
    soon = _ending_in(30, number="AGR-SOON")
    _ending_in(60, number="AGR-EDGE")
    _ending_in(61, number="AGR-LATER")
    _ending_in(10, number="AGR-DRAFT", status=Agreement.Status.DRAFT)
    assert staff_checks.delay().get()["agreements_expiring"] == 2
    assert staff_checks.delay().get()["agreements_expiring"] == 2  # the next night: found again, not said again
    notified = StaffNotification.objects.filter(recipient=office, kind=AGREEMENT_EXPIRING)
    assert sorted(n.params["number"] for n in notified) == ["AGR-EDGE", "AGR-SOON"]
    notification = notified.get(params__number="AGR-SOON")
    assert notification.about == soon and notification.link() == f"/agreements/{soon.pk}/"
    with translation.override("en"):
        assert notification.sentence().startswith("Agreement AGR-SOON with ")


def test_an_extended_agreement_that_nears_its_new_end_is_said_again(office):
    agreement = _ending_in(30)
    staff_checks.delay()
    agreement.valid_until += datetime.timedelta(days=20)
    agreement.save()
    staff_checks.delay()
    assert StaffNotification.objects.filter(recipient=office, kind=AGREEMENT_EXPIRING).count() == 2


def test_a_quota_at_90_percent_is_said_once_by_the_nightly_check(office):
    agreement = AgreementFactory(number="AGR-Q")
    cohort = CohortFactory(agreement=agreement, partner=agreement.partner, capacity=40)
    full = AgreementQuotaFactory(agreement=agreement, track=cohort.track, year=cohort.start_date.year, places=20)
    other = CohortFactory(agreement=agreement, partner=agreement.partner, capacity=40)
    AgreementQuotaFactory(agreement=agreement, track=other.track, year=other.start_date.year, places=20)
    EnrollmentFactory.create_batch(18, cohort=cohort, status=Enrollment.Status.ENROLLED)  # 90 %
    EnrollmentFactory.create_batch(17, cohort=other, status=Enrollment.Status.ADMITTED)  # 85 %
    EnrollmentFactory.create_batch(5, cohort=other, status=Enrollment.Status.APPLIED)  # takes no place

    assert staff_checks.delay().get()["quotas_nearly_full"] == 1
    assert staff_checks.delay().get()["quotas_nearly_full"] == 1
    notification = StaffNotification.objects.get(recipient=office, kind=QUOTA_NEARLY_FULL)
    assert notification.about == full
    assert (notification.params["used"], notification.params["places"], notification.params["percent"]) == (18, 20, 90)
    with translation.override("en"):
        assert notification.sentence() == (
            f"The quota of agreement AGR-Q for {cohort.track.name_en}, intake {full.year}, is 90% used "
            "(18 of 20 places)."
        )
