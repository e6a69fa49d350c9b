"""Cohorts open for applications: one rule (``Cohort.objects.open_for_applications``: the switch on and the deadline
not past, on the site's local date) used by the roster import's cohort list, its parse and command, the partner
API's ``accepts_applications`` and the cohort page. A closed cohort is one file-level error, not one per row.
Every date here is relative to ``timezone.localdate()``."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mobility.foundation.access import OFFICE_ADMIN
from mobility.tests.support import api_client, make_api_key, make_user
from programs.models import Cohort
from programs.selectors import cohorts_open_for_applications
from programs.tests.factories import CohortFactory, TrackFactory
from students.imports.base import read_table
from students.imports.roster import parse_roster
from students.models import Enrollment, Student

from .roster_files import ROWS, rows_of, upload, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

DAY = datetime.timedelta(days=1)


def _cohort(college, code, *, deadline_in_days=None, accepts=True):
    """A cohort of ``college`` running around today, its deadline ``deadline_in_days`` from today (None: none)."""
    today = timezone.localdate()
    deadline = None if deadline_in_days is None else today + deadline_in_days * DAY
    return CohortFactory(
        code=code,
        partner=college,
        track=TrackFactory(code=f"T{code}"),
        start_date=today - 30 * DAY,
        end_date=today + 300 * DAY,
        application_deadline=deadline,
        accepts_applications=accepts,
    )


@pytest.fixture
def cohorts(college):
    return {
        "no_deadline": _cohort(college, "OPEN1"),
        "deadline_today": _cohort(college, "OPEN2", deadline_in_days=0),
        "deadline_ahead": _cohort(college, "OPEN3", deadline_in_days=10),
        "deadline_passed": _cohort(college, "PAST1", deadline_in_days=-1),
        "switched_off": _cohort(college, "SHUT1", accepts=False),
    }


OPEN = {"OPEN1", "OPEN2", "OPEN3"}


def test_one_rule_for_querysets_and_for_one_cohort(cohorts):
    today = timezone.localdate()
    assert set(Cohort.objects.open_for_applications().values_list("code", flat=True)) == OPEN
    assert {c.code for c in cohorts.values() if c.is_open_for_applications()} == OPEN
    assert {c.code for c in cohorts_open_for_applications()} == OPEN
    # On another day the same rule answers for that day.
    tomorrow = today + DAY
    assert set(Cohort.objects.open_for_applications(today=tomorrow).values_list("code", flat=True)) == {
        "OPEN1",
        "OPEN3",
    }
    assert not cohorts["deadline_today"].is_open_for_applications(today=tomorrow)


def test_the_roster_page_offers_only_cohorts_open_today(client, cohorts):
    client.force_login(make_user("popova", OFFICE_ADMIN))
    offered = client.get("/students/import/").context["form"].fields["cohort"].queryset
    assert {cohort.code for cohort in offered} == OPEN
    response = upload(client, xlsx(rows_of(ROWS)), cohorts["deadline_passed"])
    assert response.status_code == 400  # the form again, the cohort refused as no choice
    assert "cohort" in response.context["form"].errors
    assert not Student.objects.exists()


def _parse(cohort):
    return parse_roster(read_table(xlsx(rows_of(ROWS))), cohort=cohort, viewer=make_user("popova", OFFICE_ADMIN))


def test_a_cohort_past_its_deadline_is_one_file_error_naming_it_and_its_deadline(cohorts):
    cohort = cohorts["deadline_passed"]
    preview = _parse(cohort)
    deadline = cohort.application_deadline.isoformat()
    assert len(preview.file_errors) == 1
    assert f"The application deadline of cohort PAST1 was {deadline}." in preview.file_errors[0]
    assert preview.errors == []  # not the same line once per row
    assert preview.has_errors


def test_a_switched_off_cohort_is_one_file_error(cohorts):
    preview = _parse(cohorts["switched_off"])
    assert len(preview.file_errors) == 1 and "Cohort SHUT1 does not accept applications." in preview.file_errors[0]
    assert preview.errors == []


def test_a_closed_cohort_named_in_a_cohort_column_is_one_file_error(college, cohorts):
    rows = [{**row, "cohort code": "PAST1"} for row in rows_of(ROWS)]
    preview = parse_roster(
        read_table(xlsx(rows)), cohort=None, institution=college, viewer=make_user("popova", OFFICE_ADMIN)
    )
    assert len(preview.file_errors) == 1 and "cohort PAST1" in preview.file_errors[0]
    assert preview.errors == []


def test_a_cohort_open_until_today_takes_the_file(cohorts):
    preview = _parse(cohorts["deadline_today"])
    assert not preview.has_errors
    assert preview.counts["applications"] == len(ROWS)


def test_the_command_states_a_closed_cohort_once(cohorts, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows_of(ROWS)))
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("import_roster", str(path), "--cohort", "PAST1", stdout=io.StringIO(), stderr=err)
    lines = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "deadline of cohort PAST1" in lines[0]
    assert not Enrollment.objects.exists()


def test_the_api_says_whether_a_cohort_accepts_applications_today(college, cohorts):
    partner = api_client(make_api_key(college)[1])
    shown = {row["code"]: row["accepts_applications"] for row in partner.get("/api/v1/cohorts/").json()["results"]}
    assert shown == {"OPEN1": True, "OPEN2": True, "OPEN3": True, "PAST1": False, "SHUT1": False}
    detail = partner.get(f"/api/v1/cohorts/{cohorts['deadline_passed'].pk}/").json()
    assert detail["accepts_applications"] is False
    listed = partner.get("/api/v1/cohorts/", {"accepts_applications": "true"}).json()["results"]
    assert {row["code"] for row in listed} == OPEN
    listed = partner.get("/api/v1/cohorts/", {"accepts_applications": "false"}).json()["results"]
    assert {row["code"] for row in listed} == {"PAST1", "SHUT1"}


def test_the_cohort_page_shows_a_cohort_past_its_deadline_as_closed(client, cohorts):
    client.force_login(make_user("popova", OFFICE_ADMIN))
    page = client.get(f"/students/cohorts/{cohorts['deadline_passed'].pk}/").content.decode()
    assert "text-bg-secondary" in page and "text-bg-success" not in page
