"""The report kept in the shared cache (mobility/reports/cache.py) is exact: every kind of write to what the report
reads (services' saves, ``QuerySet.update``, ``bulk_create``, deletes with their cascades, raw SQL) changes the
cached report at once; a failing cache server is a miss; a transaction's own writes never reach the cache.

These tests commit (``transaction=True``): the version is the database's, changed when a write commits."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diplomas.models import Diploma
from mobility.foundation.kept import VERSION_TABLE, WATCHED_TABLES, data_version
from mobility.reports.cache import cached_report_data
from mobility.reports.enrollments import enrollment_list
from mobility.reports.figures import Period, report_data
from mobility.reports.forms import EnrollmentFilterForm
from mobility.tests.test_reports import _figures, known  # noqa: F401  (``known``: the fixture every test uses)
from programs.models import Agreement, AgreementQuota, Cohort, Institution, Track
from students.models import Continuation, Enrollment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock, pytest.mark.usefixtures("known")]

S = Enrollment.Status


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _snapshot(report):
    """Everything the page and the XLSX show of a report: each row's group, names and figures, the totals, the
    quotas with their names and use."""
    rows = [
        (row.year, row.partner.name_en, row.partner.code, row.track.code, row.track.name_en, _figures(row))
        for row in report.rows
    ]
    quotas = [
        (q.agreement.number, q.agreement.partner.name_en, q.track.code, q.year, q.places, q.used) for q in report.quotas
    ]
    return rows, _figures(report.totals), quotas


def _report_queries():
    """The queries ``cached_report_data()`` runs now."""
    with CaptureQueriesContext(connection) as queries:
        cached_report_data()
    return len(queries)


def test_a_kept_report_is_read_with_one_query():
    computed = _report_queries()
    assert _report_queries() == 1  # the version; the figures come from the cache
    assert computed > 1
    assert _snapshot(cached_report_data()) == _snapshot(report_data())
    year = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))  # a period is a key of its own
    assert _snapshot(cached_report_data(year)) == _snapshot(report_data(year)) != _snapshot(report_data())


def _c1():
    return Cohort.objects.get(code="C1")


def _save_status():
    enrollment = Enrollment.objects.filter(cohort__code="C1", status=S.APPLIED).get()
    enrollment.status = S.REJECTED
    enrollment.save()


def _bulk_create_enrollments():
    template = Enrollment.objects.filter(cohort__code="C1", status=S.APPLIED).get()
    students = [e.student for e in Enrollment.objects.filter(cohort__code="C2").select_related("student")]
    Enrollment.objects.bulk_create(
        [Enrollment(student=s, cohort=template.cohort, track=template.track, applied_on=template.applied_on)
         for s in students]
    )  # fmt: skip


def _raw_sql():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE students_enrollment SET status = %s WHERE status = %s", [S.WITHDRAWN, S.FAILED])


def _continuation_bulk():
    accepted = Continuation.objects.get(decision=Continuation.Decision.ACCEPTED)
    Continuation.objects.bulk_create(
        [Continuation(enrollment=accepted.enrollment, university=accepted.university, program_code="15.03.09",
                      program_name="Robotics", applied_on=accepted.applied_on)]
    )  # fmt: skip


def _quota_bulk():
    quota = AgreementQuota.objects.first()
    AgreementQuota.objects.bulk_create(
        [AgreementQuota(agreement=quota.agreement, track=Track.objects.get(code="SOFT"), year=2026, places=9)]
    )


WRITES = {
    "enrollment saved": _save_status,
    "enrollments updated": lambda: Enrollment.objects.filter(cohort__code="C2").update(status=S.WITHDRAWN),
    "enrollments bulk-created": _bulk_create_enrollments,
    "enrollments deleted": lambda: Enrollment.objects.filter(cohort__code="C3").delete(),
    "enrollments by raw SQL": _raw_sql,
    "diplomas updated": lambda: Diploma.objects.filter(status=Diploma.Status.ISSUED).update(
        status=Diploma.Status.FAILED
    ),
    "diploma deleted": lambda: Diploma.objects.filter(status=Diploma.Status.ISSUED).first().delete(),
    "continuations updated": lambda: Continuation.objects.filter(decision=Continuation.Decision.REJECTED).update(
        decision=Continuation.Decision.ACCEPTED
    ),
    "continuation bulk-created": _continuation_bulk,
    "continuations deleted": lambda: Continuation.objects.all().delete(),
    "quota updated": lambda: AgreementQuota.objects.filter(year=2025).update(places=30),
    "quota bulk-created": _quota_bulk,
    "quota deleted": lambda: AgreementQuota.objects.filter(year=2026).delete(),
    "agreement renumbered": lambda: Agreement.objects.update(number="A9"),
    "cohort moved to another year": lambda: Cohort.objects.filter(code="C3").update(
        start_date=datetime.date(2027, 3, 1), end_date=datetime.date(2027, 12, 1)
    ),
    "cohort moved to another college": lambda: Cohort.objects.filter(code="C4").update(
        partner=Institution.objects.get(code="P2")
    ),
    "college renamed": lambda: Institution.objects.filter(code="P1").update(name_en="Renamed college"),
    "track renamed": lambda: Track.objects.filter(code="MECH").update(code="MEC2"),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_write_changes_the_kept_report_at_once(write):
    before = _snapshot(cached_report_data())
    assert _report_queries() == 1  # kept
    write()
    after = _snapshot(cached_report_data())
    assert after == _snapshot(report_data()) != before
    assert _snapshot(cached_report_data()) == after and _report_queries() == 1  # the new report is kept in turn


def test_one_version_per_transaction_and_none_for_reads_or_rollbacks():
    version = data_version()
    Enrollment.objects.filter(pk=0).update(status=S.FAILED)  # a statement that writes no row
    report_data()
    assert data_version() == version
    with transaction.atomic():
        Enrollment.objects.filter(cohort__code="C4").update(status=S.FAILED)
        Enrollment.objects.filter(cohort__code="C3").update(status=S.FAILED)
    changed = data_version()
    assert changed != version
    with pytest.raises(RuntimeError), transaction.atomic():
        Enrollment.objects.update(status=S.REJECTED)
        raise RuntimeError
    assert data_version() == changed


def test_writes_of_the_readers_own_transaction_are_never_kept():
    kept = _snapshot(cached_report_data())
    with transaction.atomic():
        Enrollment.objects.filter(cohort__code="C4").update(status=S.WITHDRAWN)
        inside = _snapshot(cached_report_data())
        assert inside == _snapshot(report_data()) != kept
        transaction.set_rollback(True)
    assert _snapshot(cached_report_data()) == kept == _snapshot(report_data())


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
)
def test_a_missing_cache_server_is_a_miss(office_client):
    assert _snapshot(cached_report_data()) == _snapshot(report_data())
    Enrollment.objects.filter(cohort__code="C4").update(status=S.WITHDRAWN)
    assert _snapshot(cached_report_data()) == _snapshot(report_data())
    assert office_client.get(reverse("reports:report")).status_code == 200
    assert office_client.get(reverse("reports:report-export")).status_code == 200


def test_the_page_and_the_xlsx_follow_a_write(office_client):
    first = office_client.get(reverse("reports:report"))
    office_client.get(reverse("reports:report-export"))
    Enrollment.objects.filter(cohort__code="C4").update(status=S.WITHDRAWN)
    page = office_client.get(reverse("reports:report"))
    assert _snapshot(page.context["report"]) == _snapshot(report_data()) != _snapshot(first.context["report"])


def test_every_table_the_report_reads_has_its_trigger():
    """A later migration that rebuilds one of these tables (SQLite rebuilds a table to alter it) drops its triggers:
    this fails until the migration creates them again (mobility/migrations/0011_report_figures_version.py)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'mobility_figures_bump'"
            )
            tables = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'mobility_figures_bump_truncate'"
            )
            assert {row[0] for row in cursor.fetchall()} >= set(WATCHED_TABLES)
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            names = cursor.fetchall()
            tables = {
                table for table in WATCHED_TABLES
                if all((table, f"mobility_figures_bump_{table}_{e}") in names for e in ("insert", "update", "delete"))
            }  # fmt: skip
        cursor.execute(f"SELECT count(*) FROM {VERSION_TABLE}")
        assert cursor.fetchone()[0] == 1
    assert tables >= set(WATCHED_TABLES)


def _enrollment_counts(client, **query) -> tuple[int, int]:
    """The count the list of enrollments shows and the COUNT queries of enrollments the request ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:enrollment-list"), query)
    counted = sum(
        q["sql"].startswith("SELECT COUNT(") and '"students_enrollment"' in q["sql"] for q in queries.captured_queries
    )
    return response.context["page_obj"].paginator.count, counted


@pytest.mark.parametrize("query", [{}, {"status": "completed"}, {"reached": "enrolled", "year": "2025"}])
def test_the_list_of_enrollments_keeps_its_count_exactly(office_client, office, monkeypatch, query):
    monkeypatch.setattr("mobility.reports.views.PER_PAGE", 3)  # full pages: the list asks for the count

    def truth() -> int:  # counted by the database, no cache
        return enrollment_list(viewer=office, filters=EnrollmentFilterForm(query).filters()).count()

    assert _enrollment_counts(office_client, **query) == (truth(), 1)
    assert _enrollment_counts(office_client, **query) == (truth(), 0)  # kept
    writes = (
        lambda: Enrollment.objects.filter(status=S.APPLIED).update(status=S.REJECTED),
        lambda: Enrollment.objects.filter(cohort__code="C2", status=S.ENROLLED).update(
            status=S.COMPLETED, completed_on=datetime.date(2026, 1, 1)
        ),
        lambda: Enrollment.objects.filter(status=S.REJECTED).delete(),
        lambda: Enrollment.objects.filter(cohort__code="C2", status=S.ADMITTED).update(
            status=S.ENROLLED, enrolled_on=datetime.date(2025, 9, 1)
        ),
    )
    changed = False
    for write in writes:
        before = truth()
        write()
        changed |= truth() != before
        assert _enrollment_counts(office_client, **query)[0] == truth()
    assert changed
