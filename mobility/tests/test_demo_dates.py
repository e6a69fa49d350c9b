"""The demo is dated by the day it is seeded (``mobility.demo.data.DemoCalendar``): seeded on days far apart, at
any time of day, it has a cohort that takes applications, running cohorts with part of their results and
completed cohorts whose students can get a diploma; and a second run, the same day or later, changes nothing.

The days are relative to the machine's clock (today, about half a year and 400 days ahead), each at a time of day
where the UTC date and the site's date (Moscow) differ or not, so the test proves something on whatever day it runs.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Diploma
from mobility import demo
from mobility.demo.data import DESIGN_DAY, DemoCalendar, dated_cohorts
from programs.models import Cohort
from students.imports.base import read_table
from students.imports.roster import apply_roster, parse_roster
from students.models import Enrollment, ModuleResult
from students.selectors import completion_missing_modules

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status


def _moment(days_ahead: int, hour: int, minute: int) -> datetime.datetime:
    day = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=days_ahead)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def _snapshot() -> dict[str, list[dict]]:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in apps.get_models()}


def _roster_row(cohort: Cohort) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["home student id", "family name (Han)", "given name (Han)", "family name (Latin)",
                     "given name (Latin)", "sex", "citizenship", "e-mail", "cohort code"])  # fmt: skip
    writer.writerow(["2099000001", "林", "静", "Lin", "Jing", "F", "CN", "lin.jing@stu.cqevtc.example", cohort.code])
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("days_ahead", "hour", "minute"),
    [
        (0, 23, 30),  # today, when Moscow is already on the next day
        (183, 21, 15),  # about half a year ahead, the other half of the academic year
        (400, 12, 0),  # more than a year ahead
    ],
)
def test_the_demo_has_open_running_and_completed_cohorts_on_any_day(
    days_ahead, hour, minute, fake_render, django_capture_on_commit_callbacks
):
    with time_machine.travel(_moment(days_ahead, hour, minute), tick=False):
        today = timezone.localdate()  # the site's date: what the product calls today
        report = demo.seed_demo()
        assert report.day == today

        cohorts = Cohort.objects.all()
        open_cohorts = cohorts.filter(accepts_applications=True, application_deadline__gte=today)
        running = cohorts.filter(start_date__lte=today, end_date__gte=today)
        completed = cohorts.filter(end_date__lt=today)
        assert open_cohorts.exists() and running.exists() and completed.exists()
        # The years in codes follow the seed day: the completed cohorts' intake is the year before the running ones'.
        assert {c.intake_year for c in completed} == {c.intake_year - 1 for c in running}
        assert all(str(cohort.intake_year) in cohort.code for cohort in cohorts)

        # Running: students with some results and modules still to pass; nothing dated after today.
        studying = Enrollment.objects.filter(cohort__in=running, status=S.ENROLLED)
        assert studying.filter(results__isnull=False).exists()
        assert all(completion_missing_modules(enrollment=enrollment).exists() for enrollment in studying)
        assert not ModuleResult.objects.filter(assessed_on__gt=today).exists()
        assert not Enrollment.objects.filter(applied_on__gt=today).exists()
        assert not Enrollment.objects.filter(completed_on__gt=today).exists()

        # Completed: a student who completed gets a diploma.
        graduate = Enrollment.objects.filter(cohort__in=completed, status=S.COMPLETED).first()
        assert graduate is not None and not completion_missing_modules(enrollment=graduate).exists()
        with django_capture_on_commit_callbacks(execute=True):
            diploma = diploma_services.diploma_request(enrollment=graduate, requested_by=None)
        diploma.refresh_from_db()
        assert diploma.status == Diploma.Status.ISSUED

        # Open: the roster import, which checks the deadline against today, takes a row for the cohort that closes
        # first (an application can be imported on its last day).
        popova = get_user_model().objects.get(username="popova")
        cohort = open_cohorts.filter(partner__code="CQEVTC").order_by("application_deadline").first()
        preview = parse_roster(read_table(_roster_row(cohort)), cohort=None, institution=cohort.partner, viewer=popova)
        assert not preview.errors, (cohort.code, [error.message for error in preview.errors])
        assert apply_roster(preview, by=popova).applications == 1
        assert Enrollment.objects.get(student__home_student_id="2099000001", cohort=cohort).status == S.APPLIED


def test_a_second_run_the_same_day_or_later_changes_nothing():
    first = _moment(0, 23, 30)
    with time_machine.travel(first, tick=False):
        report = demo.seed_demo()
    rows = _snapshot()
    for later in (first + datetime.timedelta(hours=1), first + datetime.timedelta(days=45)):
        with time_machine.travel(later, tick=False):
            again = demo.seed_demo()
            day = timezone.localdate()
        assert _snapshot() == rows, later
        # A later run keeps the first seed's dates, and reports the cohorts' phases as on its own day.
        assert again.day == day
        assert [code for code, _phase in again.cohorts] == [code for code, _phase in report.cohorts]


def test_the_calendar_moves_by_whole_weeks_and_keeps_intakes_in_distinct_years():
    start = datetime.datetime.now(datetime.UTC).date()
    for days in range(0, 2 * 366, 5):
        today = start + datetime.timedelta(days=days)
        calendar = DemoCalendar.for_day(today)
        assert calendar.shift.days % 7 == 0 and 0 <= (today - calendar.day_of_design).days <= 6
        assert (DESIGN_DAY + calendar.shift).weekday() == DESIGN_DAY.weekday()
        specs = dated_cohorts(calendar)
        assert len({spec.code for spec in specs}) == len(specs), today
        assert all(spec.start.weekday() == 0 for spec in specs)  # intakes start on a Monday
