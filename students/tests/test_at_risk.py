"""The at-risk rule (``students.progress.enrollments_at_risk``): an enrolled student is at risk when a failed attempt
of a module has no passing attempt after it, or when no result was recorded for ``AT_RISK_WEEKS_WITHOUT_RESULT``
weeks since the later of the enrollment date and the last result's date. Dates are counted from the site's local
date of ``timezone.now()``: these tests run under ``--clock`` at 23:30 UTC (already tomorrow in Moscow) and a year
ahead."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from programs.tests.factories import ModuleFactory
from students.models import Enrollment, ModuleResult, Student
from students.progress import at_risk_cutoff, enrollments_at_risk, student_at_risk, with_at_risk_flag
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
G = ModuleResult.Grade


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _enrolled(days_ago: int = 100, **kwargs) -> Enrollment:
    day = _days_ago(days_ago)
    return EnrollmentFactory(status=S.ENROLLED, applied_on=day, admitted_on=day, enrolled_on=day, **kwargs)


def _at_risk(enrollment: Enrollment) -> bool:
    return enrollments_at_risk(Enrollment.objects.filter(pk=enrollment.pk)).exists()


def _result(enrollment, module, *, grade=G.GOOD, attempt=1, days_ago=1):
    return ModuleResultFactory(
        enrollment=enrollment, module=module, grade=grade, attempt=attempt, assessed_on=_days_ago(days_ago)
    )


def test_the_cutoff_is_the_site_local_date_minus_the_weeks(settings):
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 4
    assert at_risk_cutoff() == timezone.localdate() - datetime.timedelta(days=28)
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 2
    assert at_risk_cutoff() == timezone.localdate() - datetime.timedelta(days=14)


def test_a_failed_attempt_without_a_later_pass_is_at_risk():
    enrollment = _enrolled()
    module = ModuleFactory(track=enrollment.track)
    _result(enrollment, module, grade=G.UNSATISFACTORY)
    assert _at_risk(enrollment)
    _result(enrollment, module, grade=G.GOOD, attempt=2)
    assert not _at_risk(enrollment)


def test_a_pass_of_another_module_does_not_make_up_for_a_failed_one():
    enrollment = _enrolled()
    failed, other = ModuleFactory(track=enrollment.track), ModuleFactory(track=enrollment.track)
    _result(enrollment, failed, grade=G.FAIL)
    _result(enrollment, other, grade=G.PASS, attempt=2)
    assert _at_risk(enrollment)


def test_a_fail_after_a_pass_of_the_same_module_is_a_failed_attempt_with_no_later_pass():
    enrollment = _enrolled()
    module = ModuleFactory(track=enrollment.track)
    _result(enrollment, module, grade=G.SATISFACTORY, attempt=1)
    _result(enrollment, module, grade=G.UNSATISFACTORY, attempt=2)
    assert _at_risk(enrollment)


@pytest.mark.parametrize(("days", "at_risk"), [(27, False), (28, True), (29, True)])
def test_no_result_for_the_weeks_since_the_enrollment(settings, days, at_risk):
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 4
    assert _at_risk(_enrolled(days)) is at_risk


@pytest.mark.parametrize(("days", "at_risk"), [(27, False), (28, True)])
def test_no_result_for_the_weeks_since_the_last_result(settings, days, at_risk):
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 4
    enrollment = _enrolled(200)
    module = ModuleFactory(track=enrollment.track)
    _result(enrollment, ModuleFactory(track=enrollment.track), days_ago=90)
    _result(enrollment, module, days_ago=days)
    assert _at_risk(enrollment) is at_risk


def test_the_weeks_come_from_the_setting(settings):
    enrollment = _enrolled(20)
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 4
    assert not _at_risk(enrollment)
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 2
    assert _at_risk(enrollment)


@pytest.mark.parametrize("status", [S.APPLIED, S.ADMITTED, S.COMPLETED, S.WITHDRAWN, S.FAILED, S.REJECTED])
def test_only_enrolled_students_are_at_risk(status):
    # The factory's step dates (2026) come after this application day, whatever the clock says.
    enrollment = EnrollmentFactory(status=status, applied_on=datetime.date(2020, 1, 1))
    module = ModuleFactory(track=enrollment.track)
    ModuleResultFactory(enrollment=enrollment, module=module, grade=G.FAIL, assessed_on=_days_ago(300))
    assert not _at_risk(enrollment)


def test_the_clock_moves_the_rule():
    """The same rows, read five weeks later: the student who had just been enrolled is at risk then."""
    enrollment = _enrolled(1)
    assert not _at_risk(enrollment)
    with time_machine.travel(timezone.now() + datetime.timedelta(weeks=5), tick=False):
        assert _at_risk(enrollment)
    later = timezone.now() + datetime.timedelta(weeks=5)
    assert enrollments_at_risk(Enrollment.objects.filter(pk=enrollment.pk), now=later).exists()


def test_the_day_is_the_site_local_day_at_23_30_utc(settings):
    """At 23:30 UTC it is already the next day in Moscow: a student enrolled 27 days before the UTC date is at
    28 days on the site's date, and at risk."""
    settings.TIME_ZONE = "Europe/Moscow"
    settings.AT_RISK_WEEKS_WITHOUT_RESULT = 4
    moment = datetime.datetime(2027, 12, 6, 23, 30, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        assert timezone.localdate() == datetime.date(2027, 12, 7)
        enrollment = _enrolled()
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_on=datetime.date(2027, 11, 9))
        assert _at_risk(enrollment)
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_on=datetime.date(2027, 11, 10))
        assert not _at_risk(enrollment)


def test_students_are_flagged_in_their_own_query(django_assert_num_queries):
    risky, fine = _enrolled(60), _enrolled(60)
    _result(fine, ModuleFactory(track=fine.track), days_ago=2)
    with django_assert_num_queries(1):
        flags = dict(with_at_risk_flag(Student.objects.all()).values_list("pk", "at_risk"))
    assert flags[risky.student_id] is True
    assert flags[fine.student_id] is False
    assert set(Student.objects.filter(student_at_risk()).values_list("pk", flat=True)) == {risky.student_id}
