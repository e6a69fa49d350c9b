"""The office head's report (mobility/reports): every figure against a hand-counted data set, the period filter, the
XLSX export, the query budget, access and the links of each figure to the enrollments it counts."""

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from mobility.reports.figures import REPORT_QUERIES, Period, report_data
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    HostFactory,
    InstitutionFactory,
    TrackFactory,
)
from students.models import Continuation, Enrollment
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead

S = Enrollment.Status
D = Diploma.Status
DAY = datetime.timedelta(days=1)

# The figures of each row as counted by hand from ``known`` (see its docstring): intake year, college, track →
# applications, admitted, enrolled, in progress, completed, failed, withdrawn, rejected, diplomas issued,
# continuations, accepted, decided, completion rate, median days, acceptance rate.
FIGURES = [
    "applications",
    "admitted",
    "enrolled",
    "in_progress",
    "completed",
    "failed",
    "withdrawn",
    "rejected",
    "diplomas",
    "continuations",
    "continuations_accepted",
    "continuations_decided",
    "completion_rate",
    "median_days",
    "acceptance_rate",
]
EXPECTED = {
    (2025, "P1", "MECH"): (7, 5, 5, 1, 3, 1, 1, 1, 1, 3, 1, 2, 0.6, 181, 0.5),
    (2025, "P2", "SOFT"): (4, 4, 3, 2, 2, 0, 0, 0, 1, 0, 0, 0, 2 / 3, 60, None),
    (2026, "P1", "MECH"): (2, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, None, None, None),
    (2026, "P1", "SOFT"): (4, 4, 4, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1.0, 25, None),
}
# Sums of the rows; the median of all nine durations (10, 20, 30, 40, 50, 70, 100, 181, 200) is 50.
TOTALS = (17, 14, 12, 4, 9, 1, 2, 1, 2, 3, 1, 2, 0.75, 50, 0.5)


def _enrollment(cohort, status, *, enrolled=True, days=None, **dates):
    """An enrollment of ``cohort`` in ``status`` with dates around the cohort's start; a completed one took ``days``."""
    start = cohort.start_date
    values = {"applied_on": start - 30 * DAY, "admitted_on": None, "enrolled_on": None, "completed_on": None}
    if status != S.APPLIED and status != S.REJECTED:
        values["admitted_on"] = start - 10 * DAY
        if enrolled and status != S.ADMITTED:
            values["enrolled_on"] = start
    if status == S.COMPLETED:
        values["completed_on"] = start + days * DAY
    if status in (S.REJECTED, S.WITHDRAWN, S.FAILED):
        values["closed_on"] = start + 5 * DAY
    values.update(dates)
    return EnrollmentFactory(cohort=cohort, status=status, **values)


def _continuation(enrollment, decision, university):
    decided = None if decision == Continuation.Decision.PENDING else enrollment.completed_on + 20 * DAY
    return Continuation.objects.create(
        enrollment=enrollment,
        university=university,
        program_code=f"15.03.0{Continuation.objects.count() + 1}",
        program_name="Mechatronics",
        applied_on=enrollment.completed_on + DAY,
        decision=decision,
        decided_on=decided,
    )


@pytest.fixture
def known():
    """Two intake years, two colleges (P1, P2), two tracks (MECH, SOFT), every status, diplomas of every kind.

    2025 P1 MECH (C1, agreement A1): completed in 100 days (diploma issued; continuations accepted and pending),
      200 days (diploma revoked; continuation rejected), 181 days; failed; withdrawn; rejected; applied.
    2025 P2 SOFT (C2, starts in September): completed in 50 days (render failed) and 70 (issued); enrolled; admitted.
    2026 P1 MECH (C3, agreement A1): applied; withdrawn after admission, never enrolled.
    2026 P1 SOFT (C4): completed in 10, 20, 40 and 30 days (a requested diploma).
    Quotas of A1: MECH 2025, 3 places (3 used: C1's completed), MECH 2026, 5 places (none used).
    """
    p1, p2 = InstitutionFactory(code="P1"), InstitutionFactory(code="P2")
    mech, soft = TrackFactory(code="MECH"), TrackFactory(code="SOFT")
    host = HostFactory(code="HOST")
    agreement = AgreementFactory(number="A1", host=host, partner=p1)
    AgreementQuotaFactory(agreement=agreement, track=mech, year=2025, places=3)
    AgreementQuotaFactory(agreement=agreement, track=mech, year=2026, places=5)

    def cohort(code, partner, track, start, agreement=None):
        end = start + 250 * DAY
        return CohortFactory(
            code=code, partner=partner, track=track, host=host, start_date=start, end_date=end, agreement=agreement
        )

    c1 = cohort("C1", p1, mech, datetime.date(2025, 3, 1), agreement)
    c2 = cohort("C2", p2, soft, datetime.date(2025, 9, 1))
    c3 = cohort("C3", p1, mech, datetime.date(2026, 3, 1), agreement)
    c4 = cohort("C4", p1, soft, datetime.date(2026, 3, 1))

    e1 = _enrollment(c1, S.COMPLETED, days=100)
    e2 = _enrollment(c1, S.COMPLETED, days=200)
    _enrollment(c1, S.COMPLETED, days=181)
    for status in (S.FAILED, S.WITHDRAWN, S.REJECTED, S.APPLIED):
        _enrollment(c1, status)
    DiplomaFactory(enrollment=e1, status=D.ISSUED)
    DiplomaFactory(enrollment=e2, status=D.REVOKED)
    _continuation(e1, Continuation.Decision.ACCEPTED, host)
    _continuation(e1, Continuation.Decision.PENDING, host)
    _continuation(e2, Continuation.Decision.REJECTED, host)

    f1 = _enrollment(c2, S.COMPLETED, days=50)
    f2 = _enrollment(c2, S.COMPLETED, days=70)
    _enrollment(c2, S.ENROLLED)
    _enrollment(c2, S.ADMITTED)
    DiplomaFactory(enrollment=f1, status=D.FAILED)
    DiplomaFactory(enrollment=f2, status=D.ISSUED)

    _enrollment(c3, S.APPLIED)
    _enrollment(c3, S.WITHDRAWN, enrolled=False)

    h1 = _enrollment(c4, S.COMPLETED, days=10)
    for days in (20, 40, 30):
        _enrollment(c4, S.COMPLETED, days=days)
    DiplomaFactory(enrollment=h1, status=D.REQUESTED)
    return {"A1": agreement}


def _figures(row):
    values = []
    for name in FIGURES:
        value = getattr(row, name)
        values.append(round(value, 6) if isinstance(value, float) else value)
    return tuple(values)


def _rounded(expected):
    return tuple(round(value, 6) if isinstance(value, float) else value for value in expected)


def test_every_figure_against_the_hand_count(known):
    report = report_data()
    got = {(row.year, row.partner.code, row.track.code): _figures(row) for row in report.rows}
    assert got == {key: _rounded(value) for key, value in EXPECTED.items()}
    assert [(row.year, row.partner.code, row.track.code) for row in report.rows] == sorted(EXPECTED)
    assert _figures(report.totals) == _rounded(TOTALS)


def test_quotas_used_as_the_agreement_counts_them(known):
    quotas = {(q.agreement.number, q.track.code, q.year): (q.places, q.used) for q in report_data().quotas}
    assert quotas == {("A1", "MECH", 2025): (3, 3), ("A1", "MECH", 2026): (5, 0)}


@pytest.mark.parametrize(
    "period, rows, quota_years",
    [
        (Period(start=datetime.date(2026, 1, 1)), {(2026, "P1", "MECH"), (2026, "P1", "SOFT")}, {2026}),
        (Period(start=datetime.date(2025, 6, 1), end=datetime.date(2025, 12, 31)), {(2025, "P2", "SOFT")}, {2025}),
        (Period(end=datetime.date(2025, 3, 1)), {(2025, "P1", "MECH")}, {2025}),
        (Period(start=datetime.date(2027, 1, 1)), set(), set()),
    ],
)
def test_the_period_selects_cohorts_by_their_start(known, period, rows, quota_years):
    report = report_data(period)
    got = {(row.year, row.partner.code, row.track.code): _figures(row) for row in report.rows}
    assert got == {key: _rounded(EXPECTED[key]) for key in rows}
    assert {quota.year for quota in report.quotas} == quota_years
    if rows == {(2026, "P1", "MECH"), (2026, "P1", "SOFT")}:
        assert report.totals.applications == 6 and report.totals.median_days == 25


def test_the_page_shows_the_figures_and_each_links_to_its_enrollments(known, office_client):
    response = office_client.get(reverse("reports:report"), {"start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-year="2025" data-partner="P1" data-track="MECH"' in html
    assert 'data-year="2026"' not in html
    assert 'id="reports-data"' in html and "js/reports.js" in html
    report = report_data(Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31)))
    # Every linked figure, of every row and of the totals, opens a list of exactly as many enrollments.
    checked = 0
    for row in (*report.rows, report.totals):
        from mobility.reports.views import _cells

        for cell in _cells(row, report.period):
            if cell["url"]:
                assert cell["url"].replace("&", "&amp;") in html
                listed = office_client.get(cell["url"])
                assert listed.context["page_obj"].paginator.count == cell["value"], cell
                checked += 1
    assert checked >= 12


def test_the_page_runs_a_fixed_number_of_queries(known, office_client):
    office_client.get(reverse("reports:report"))  # content types and permissions cached
    with CaptureQueriesContext(connection) as small:
        office_client.get(reverse("reports:report"))
    for index in range(3):  # more of everything: a cohort of another year and college with every status
        cohort = CohortFactory(
            start_date=datetime.date(2024 - index, 3, 1), end_date=datetime.date(2024 - index, 12, 1)
        )
        for status in S.values:
            _enrollment(cohort, status, days=30 + index)
    with CaptureQueriesContext(connection) as large:
        response = office_client.get(reverse("reports:report"))
    assert len(response.context["report"].rows) == 7
    assert len(large) == len(small) <= 10
    with CaptureQueriesContext(connection) as figures:
        report_data()
    assert len(figures) <= REPORT_QUERIES


def test_the_xlsx_holds_both_tables_with_translated_headers(known, office_client):
    response = office_client.get(reverse("reports:report-export"), {"start": "2025-01-01"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    figures, quotas = workbook.worksheets
    with translation.override("ru"):
        assert figures.title == "Показатели"
        assert quotas.title == "Квоты"
    rows = list(figures.iter_rows(values_only=True))
    assert rows[0][:4] == ("Год набора", "Направляющий колледж", "Направление", "Заявки")
    assert [(row[0], row[1], row[2].split(" ")[0]) for row in rows[1:-1]] == [
        (2025, "Колледж P1", "MECH"),
        (2025, "Колледж P2", "SOFT"),
        (2026, "Колледж P1", "MECH"),
        (2026, "Колледж P1", "SOFT"),
    ]
    first = rows[1]
    assert first[:3] == (2025, "Колледж P1", "MECH Направление MECH")
    # Counts, rates and the median in the order of the page's columns.
    assert first[3:11] == (7, 5, 5, 1, 3, 1, 1, 1)
    assert first[11] == 0.6 and first[12] == 181 and first[13] == 1
    assert first[14:] == (3, 1, 0.5)
    assert rows[-1][0] == "Всего" and rows[-1][3] == 17 and rows[-1][12] == 50
    quota_rows = list(quotas.iter_rows(values_only=True))
    assert quota_rows[0][0] == "Соглашение"
    assert quota_rows[1:] == [
        ("A1", "Колледж P1", "MECH Направление MECH", 2025, 3, 3, 0, 100.0),
        ("A1", "Колледж P1", "MECH Направление MECH", 2026, 5, 0, 5, 0.0),
    ]


def test_pages_are_for_office_staff(known, office_client):
    for name in ("reports:report", "reports:report-export", "reports:enrollment-list"):
        assert Client().get(reverse(name)).status_code == 302  # to the login page
        assert office_client.get(reverse(name)).status_code == 200


def test_the_list_of_enrollments_runs_a_fixed_number_of_queries(office_client):
    cohort = CohortFactory()
    for status in (S.APPLIED, S.ENROLLED, S.COMPLETED):
        _enrollment(cohort, status, days=40)
    url = reverse("reports:enrollment-list")
    office_client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert office_client.get(url).context["page_obj"].paginator.count == 3
    for _ in range(9):
        for status in (S.APPLIED, S.ENROLLED, S.COMPLETED):
            _enrollment(CohortFactory(), status, days=40)
    with CaptureQueriesContext(connection) as large:
        assert office_client.get(url).context["page_obj"].paginator.count == 30
    assert len(large) == len(small) <= 10


def test_the_list_of_enrollments_filters(known, office_client):
    url = reverse("reports:enrollment-list")

    def count(**query):
        return office_client.get(url, query).context["page_obj"].paginator.count

    assert count() == 17
    assert count(year=2025) == 11 and count(year=2026, track=TrackFactory(code="MECH").pk) == 2
    assert count(partner=InstitutionFactory(code="P2").pk) == 4
    assert count(reached="admitted") == 14 and count(reached="enrolled") == 12
    assert count(diploma="issued") == 2 and count(diploma="failed") == 1
    # Needing a diploma without one that counts: C1's completed with a revoked one and with none (2), C4's three
    # with none (a requested one counts), and C2's enrolled student, whose track has no required module (1).
    assert count(diploma="missing") == 6
    assert count(start="2025-06-01", end="2025-12-31") == 4
    assert count(year="not a year", status="nonsense") == 17  # invalid values are dropped


def test_the_window_median_gives_the_same_figures_on_any_database(known):
    """The SQLite way (window functions) runs on PostgreSQL too: both ways agree with the hand count there."""
    from django.db.models import F
    from django.db.models.functions import ExtractYear

    from mobility.reports.figures import GROUP_KEYS
    from mobility.reports.median import days_to_complete, medians_by_window

    completed = Enrollment.objects.filter(status=S.COMPLETED).annotate(
        year=ExtractYear("cohort__start_date"), partner_id=F("cohort__partner_id")
    )
    groups, overall = medians_by_window(completed, GROUP_KEYS, days_to_complete())
    codes = {row.partner.pk: row.partner.code for row in report_data().rows}
    tracks = {row.track.pk: row.track.code for row in report_data().rows}
    assert {(y, codes[p], tracks[t]): m for (y, p, t), m in groups.items()} == {
        key: figures[13] for key, figures in EXPECTED.items() if figures[13] is not None
    }
    assert overall == 50


def test_the_page_and_the_xlsx_with_no_enrollments(office_client):
    response = office_client.get(reverse("reports:report"), {"start": "2031-01-01", "end": "2030-01-01"})
    assert response.status_code == 200
    report = response.context["report"]
    # Ends in the wrong order are swapped.
    assert report.period == Period(start=datetime.date(2030, 1, 1), end=datetime.date(2031, 1, 1))
    assert report.rows == [] and report.totals.applications == 0 and report.totals.median_days is None
    assert 'id="outcomes-chart"' not in response.content.decode()
    workbook = load_workbook(io.BytesIO(office_client.get(reverse("reports:report-export")).content))
    assert [len(list(sheet.iter_rows())) for sheet in workbook.worksheets] == [2, 1]  # header (+ totals), header
