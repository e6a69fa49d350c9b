"""``seed_demo --reset`` starts the demo over, dated by today (decision 0016), and refuses to touch a database that may
not be the demo's: never without DEBUG, and on a database other than SQLite, or one holding other data, only with
--yes-really."""

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from mobility import demo
from mobility.demo.data import AGREEMENTS, DemoCalendar
from mobility.demo.seed import DEMO_NOTES
from programs.models import Agreement, Institution
from programs.tests.factories import AgreementFactory, InstitutionFactory
from students.models import Student

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True  # Django's test runner turns it off; --reset needs it


def _reset(*options: str) -> str:
    out = StringIO()
    # CI runs the suite on PostgreSQL, where --reset needs the second flag as well.
    extra = () if connection.vendor == "sqlite" or "--yes-really" in options else ("--yes-really",)
    call_command("seed_demo", "--reset", *options, *extra, stdout=out)
    return out.getvalue()


def _first_agreement_signed_on() -> datetime.date:
    first = AGREEMENTS[0]
    return Agreement.objects.filter(notes=DEMO_NOTES, partner__code=first["partner"]).order_by("pk").first().signed_on


@pytest.mark.slow  # two seeds
def test_reset_starts_the_demo_over_dated_today():
    today = timezone.localdate()
    demo.seed_demo(today=today - datetime.timedelta(weeks=30))  # a demo seeded long ago keeps its dates...
    old_signed_on = _first_agreement_signed_on()
    Student.objects.filter(pk=Student.objects.order_by("pk").first().pk).update(family_name_latin="Changed")
    extra_user = get_user_model().objects.create_user("visitor", password="pw")
    students, users = Student.objects.count(), get_user_model().objects.count()

    printed = _reset()

    # ...and --reset dates it anew by today: the first agreement's day moved by today's calendar.
    expected = AGREEMENTS[0]["signed_on"] + DemoCalendar.for_day(today).shift
    assert _first_agreement_signed_on() == expected != old_signed_on
    assert f"Cohorts on {today.isoformat()}" in printed and "Deleted every row of" in printed
    assert not Student.objects.filter(family_name_latin="Changed").exists()
    assert not get_user_model().objects.filter(pk=extra_user.pk).exists()
    assert Student.objects.count() == students and get_user_model().objects.count() == users - 1
    # The staff groups kept their permissions: the demo's office-admin still sees passport data.
    assert get_user_model().objects.get(username="popova").has_perm("students.view_sensitive")


def test_reset_never_runs_without_debug_even_with_the_flag_for_seeding(settings):
    InstitutionFactory(code="KEPT")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _reset("--allow-non-debug", "--yes-really")
    assert Institution.objects.filter(code="KEPT").exists() and not Student.objects.exists()


def test_reset_on_another_database_than_sqlite_needs_yes_really():
    AgreementFactory(partner=InstitutionFactory(code="HOSTX"), notes=DEMO_NOTES)  # the demo's mark, not on SQLite
    with mock.patch("mobility.demo.reset.database_vendor", return_value="postgresql"):
        with pytest.raises(CommandError, match="postgresql database.*--yes-really"):
            call_command("seed_demo", "--reset", stdout=StringIO())
        assert Institution.objects.filter(code="HOSTX").exists() and not Student.objects.exists()
        call_command("seed_demo", "--reset", "--yes-really", stdout=StringIO())
    assert not Institution.objects.filter(code="HOSTX").exists() and Student.objects.exists()


def test_reset_of_a_database_with_other_data_needs_yes_really():
    InstitutionFactory(code="REALUNI")
    with mock.patch("mobility.demo.reset.database_vendor", return_value="sqlite"):
        with pytest.raises(CommandError, match="not the demo's"):
            call_command("seed_demo", "--reset", stdout=StringIO())
        assert Institution.objects.filter(code="REALUNI").exists()
        call_command("seed_demo", "--reset", "--yes-really", stdout=StringIO())
    assert not Institution.objects.filter(code="REALUNI").exists() and Student.objects.exists()


def test_reset_of_an_empty_database_just_seeds():
    with mock.patch("mobility.demo.reset.database_vendor", return_value="sqlite"):
        call_command("seed_demo", "--reset", stdout=StringIO())
    assert Student.objects.exists()


def test_reset_drops_the_tasks_waiting_in_the_embedded_broker(settings, tmp_path):
    from mobility.foundation.embedded import embedded_broker_options

    settings.EMBEDDED_BROKER = True
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = embedded_broker_options(tmp_path)
    waiting = tmp_path / "queue" / "1_abc.mobility.msg"
    waiting.write_text("{}")
    kept = tmp_path / "processed" / "0_def.mobility.msg"
    kept.write_text("{}")
    with mock.patch("mobility.demo.reset.database_vendor", return_value="sqlite"):
        printed = StringIO()
        call_command("seed_demo", "--reset", stdout=printed)
    assert not waiting.exists() and kept.exists()
    assert "Dropped 1 tasks waiting in the embedded broker's queue." in printed.getvalue()
