"""The office head's report: enrollments by intake year × sending college × track, and the quotas of the agreements.

Every figure is a SQL aggregate (``Count`` with ``filter``, ``Exists``, ``percentile_cont``): nothing loops over
students in Python, so ``report_data`` runs a fixed number of queries (``REPORT_QUERIES`` at most) whatever the
amount of data. The period selects cohorts by their start date (the intake), and every figure of those cohorts'
enrollments is counted whatever the date of the event: a cohort is followed from its applications to its diplomas,
so that its completion rate is that of one intake, not a mix of intakes (docs/staff-ui.md, "Reports").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields

from django.db.models import Aggregate, Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import ExtractYear

from diplomas.models import Diploma
from programs.models import AgreementQuota, Cohort, Institution, Track
from programs.selectors import quotas_with_usage
from students.models import Continuation, Enrollment

from .median import Median, days_to_complete, has_median, medians_by_window

S = Enrollment.Status
C = Continuation.Decision

# The report's queries (the page adds five: session, user, office group, permissions): the grouped figures (on
# PostgreSQL with the groups' medians), the continuations, the medians (on SQLite the groups' and the overall one;
# on PostgreSQL the overall one), the colleges and tracks named, the quotas.
REPORT_QUERIES = 5
GROUP_KEYS = ("year", "partner_id", "track_id")
IN_PROGRESS = (S.APPLIED, S.ADMITTED, S.ENROLLED)


@dataclass(frozen=True)
class Period:
    """Cohorts whose start date lies in ``[start, end]`` (either end open when ``None``)."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def cohort_filter(self, prefix: str = "") -> Q:
        condition = Q()
        if self.start:
            condition &= Q(**{f"{prefix}cohort__start_date__gte": self.start})
        if self.end:
            condition &= Q(**{f"{prefix}cohort__start_date__lte": self.end})
        return condition

    def years(self) -> tuple[int | None, int | None]:
        return (self.start.year if self.start else None, self.end.year if self.end else None)


@dataclass
class ReportRow:
    """The figures of one intake year, sending college and track (or of all of them: ``year`` is ``None``)."""

    year: int | None
    partner: Institution | None
    track: Track | None
    applications: int = 0
    admitted: int = 0
    enrolled: int = 0
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    withdrawn: int = 0
    rejected: int = 0
    diplomas: int = 0
    continuations: int = 0
    continuations_accepted: int = 0
    continuations_decided: int = 0
    median_days: float | None = None
    # The page's cells (``mobility.reports.views``): value, kind and link of each figure.
    cells: list[dict] = field(default_factory=list, repr=False, compare=False)

    @property
    def completion_rate(self) -> float | None:
        """Completed ÷ enrolled (those who reached enrollment, whatever happened later), ``None`` when none did."""
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted ÷ decided continuations (accepted or rejected; pending and withdrawn ones are not decided)."""
        return self.continuations_accepted / self.continuations_decided if self.continuations_decided else None


COUNT_FIELDS = tuple(f.name for f in fields(ReportRow) if f.type == "int" and f.name != "year")


@dataclass
class Report:
    period: Period
    rows: list[ReportRow]
    totals: ReportRow
    quotas: list[AgreementQuota] = field(default_factory=list)


def report_enrollments(period: Period) -> QuerySet[Enrollment]:
    """The enrollments the report counts: those of the cohorts that start in the period."""
    return Enrollment.objects.filter(period.cohort_filter())


def with_issued_diploma(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """``queryset`` with the relation ``issued_diploma`` that ``enrollment_figures``' count of diplomas counts."""
    return queryset.annotate(
        issued_diploma=FilteredRelation("diplomas", condition=Q(diplomas__status=Diploma.Status.ISSUED))
    )


def enrollment_figures() -> dict[str, Aggregate]:
    """Every enrollment figure of the report as an aggregate over enrollments (``with_issued_diploma``): the one
    place their conditions are written, for the report and for anyone who counts the same figures of other sets of
    enrollments (``mobility.facilitation.selectors``)."""
    return {
        "applications": Count("id"),
        "admitted": Count("id", filter=Q(admitted_on__isnull=False)),
        "enrolled": Count("id", filter=Q(enrolled_on__isnull=False)),
        "in_progress": Count("id", filter=Q(status__in=IN_PROGRESS)),
        "completed": Count("id", filter=Q(status=S.COMPLETED)),
        "failed": Count("id", filter=Q(status=S.FAILED)),
        "withdrawn": Count("id", filter=Q(status=S.WITHDRAWN)),
        "rejected": Count("id", filter=Q(status=S.REJECTED)),
        # A join, not EXISTS: an enrollment has at most one issued diploma (the constraint "one diploma that is not
        # revoked"), so no row is doubled; and PostgreSQL estimates EXISTS inside an aggregate's FILTER so dearly
        # (876,000 at 100k enrollments, against 36,000 without it) that it JIT-compiles the query, 3 s of the 3.5.
        "diplomas": Count("issued_diploma"),
    }


def grouped_figures(period: Period) -> QuerySet:
    """One row per intake year, college and track with every enrollment figure (and ``median_days`` on
    PostgreSQL), in one grouped query."""
    figures = enrollment_figures()
    if has_median():
        figures["median_days"] = Median(days_to_complete(), filter=Q(status=S.COMPLETED))
    return (
        with_issued_diploma(report_enrollments(period))
        .values("track_id", year=ExtractYear("cohort__start_date"), partner_id=F("cohort__partner_id"))
        .annotate(**figures)
        .order_by("year", "partner_id", "track_id")
    )


def grouped_continuations(period: Period) -> QuerySet:
    """Continuations of the period's enrollments per intake year, college and track: all, accepted, decided."""
    return (
        Continuation.objects.filter(period.cohort_filter("enrollment__"))
        .values(
            year=ExtractYear("enrollment__cohort__start_date"),
            partner_id=F("enrollment__cohort__partner_id"),
            track_id=F("enrollment__track_id"),
        )
        .annotate(
            continuations=Count("id"),
            continuations_accepted=Count("id", filter=Q(decision=C.ACCEPTED)),
            continuations_decided=Count("id", filter=Q(decision__in=(C.ACCEPTED, C.REJECTED))),
        )
        .order_by()
    )


def median_days(period: Period) -> tuple[dict[tuple, float], float | None]:
    """Median days to complete of the period's completed enrollments: ``({group key: median}, overall)``. On
    PostgreSQL the groups' medians come with ``grouped_figures`` and this asks only for the overall one."""
    completed = report_enrollments(period).filter(status=S.COMPLETED)
    if has_median():
        return {}, completed.aggregate(m=Median(days_to_complete()))["m"]
    completed = completed.annotate(year=ExtractYear("cohort__start_date"), partner_id=F("cohort__partner_id"))
    return medians_by_window(completed, GROUP_KEYS, days_to_complete())


def quotas_in_period(period: Period) -> list[AgreementQuota]:
    """The agreements' quotas of the intake years the period touches, with ``used`` as the agreement counts it
    (``programs.selectors.quotas_with_usage``: every cohort of the quota's year, whatever the period's days)."""
    first, last = period.years()
    queryset = AgreementQuota.objects.select_related("agreement__partner")
    if first:
        queryset = queryset.filter(year__gte=first)
    if last:
        queryset = queryset.filter(year__lte=last)
    return list(quotas_with_usage(queryset).order_by("year", "agreement__number", "track__code"))


def colleges_and_tracks(groups: list[dict]) -> tuple[dict[int, Institution], dict[int, Track]]:
    """The colleges and tracks the rows name, in one query: the cohorts that join them (every group has one).

    Grouping by the names themselves would carry them through the sort of every enrollment (at 100k enrollments the
    sort no longer fits in memory: 0.6 s instead of 0.25)."""
    cohorts = Cohort.objects.filter(
        partner_id__in={group["partner_id"] for group in groups}, track_id__in={group["track_id"] for group in groups}
    ).select_related("partner", "track")
    partners: dict[int, Institution] = {}
    tracks: dict[int, Track] = {}
    for cohort in cohorts:
        partners[cohort.partner_id] = cohort.partner
        tracks[cohort.track_id] = cohort.track
    return partners, tracks


def report_data(period: Period | None = None) -> Report:
    """The report of ``period`` (default: every intake) in at most ``REPORT_QUERIES`` queries."""
    period = period or Period()
    groups = list(grouped_figures(period))
    continuations = {tuple(row[k] for k in GROUP_KEYS): row for row in grouped_continuations(period)}
    medians, overall = median_days(period)
    partners, tracks = colleges_and_tracks(groups) if groups else ({}, {})
    rows = []
    for group in groups:
        key = tuple(group[k] for k in GROUP_KEYS)
        figures = {name: group[name] for name in COUNT_FIELDS if name in group}
        for name in ("continuations", "continuations_accepted", "continuations_decided"):
            figures[name] = continuations.get(key, {}).get(name, 0)
        median = group.get("median_days") if has_median() else medians.get(key)
        rows.append(
            ReportRow(
                year=group["year"],
                partner=partners.get(group["partner_id"]),
                track=tracks.get(group["track_id"]),
                median_days=median,
                **figures,
            )
        )
    totals = ReportRow(year=None, partner=None, track=None, median_days=overall)
    for name in COUNT_FIELDS:
        setattr(totals, name, sum(getattr(row, name) for row in rows))
    return Report(period=period, rows=rows, totals=totals, quotas=quotas_in_period(period))
