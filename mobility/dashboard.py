"""Reads for the staff dashboard: counts, chart series and the lists of what needs action.

Every function runs a fixed number of queries whatever the amount of data (aggregates and annotations, never a
query per row); ``dashboard_data`` runs ``DASHBOARD_QUERIES`` of them in all, a number a test pins.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber, TruncMonth

from diplomas.models import Diploma
from programs.models import Cohort, Track
from programs.participants import status_counts
from students.models import CorrectionRequest, Enrollment, Student
from students.selectors import enrollments_eligible_for_completion

S = Enrollment.Status

# How many rows each action list shows; the card above it gives the full count.
ACTION_LIST_LIMIT = 10
# How many cohorts the cohort table shows, the latest intakes first.
COHORT_LIMIT = 12
DASHBOARD_QUERIES = 7

FUNNEL_STAGES = (S.APPLIED, S.ADMITTED, S.ENROLLED, S.COMPLETED)


def _valid_diploma() -> Exists:
    """The enrollment has a diploma that counts: any status but revoked (requested, rendering, issued, failed)."""
    return Exists(Diploma.objects.filter(enrollment_id=OuterRef("pk")).exclude(status=Diploma.Status.REVOKED))


@dataclass
class DashboardData:
    students: int
    enrollments: int
    by_status: list[dict]
    funnel: list[dict]
    tracks: list[Track]
    cohorts: list[Cohort]
    months: list[str]
    per_track_series: list[dict]
    to_decide: list[Enrollment]
    to_decide_count: int
    without_diploma: list[Enrollment]
    without_diploma_count: int
    failed_renders: list[Diploma]
    failed_renders_count: int
    open_corrections: int = 0


def without_diploma_condition() -> Q:
    """Enrollments that need a diploma and have none that counts: completed ones, and enrolled ones that satisfy the
    completion rule. The card "Eligible without a diploma" counts them; its list (``reports:enrollment-list``
    with ``diploma=missing``) shows them."""
    eligible = enrollments_eligible_for_completion().values("pk")
    return (Q(status=S.COMPLETED) | Q(pk__in=eligible)) & ~Q(_valid_diploma())


def enrollment_totals() -> dict[str, int]:
    """One query: enrollments by status, the funnel stages and the action counts.

    Funnel stages count the enrollments that *reached* a stage, whatever happened later: every enrollment was
    applied; admitted/enrolled are those with the step's date set (a later rejection or withdrawal keeps the date);
    completed are those in status completed.
    """
    return Enrollment.objects.aggregate(
        total=Count("id"),
        reached_admitted=Count("id", filter=Q(admitted_on__isnull=False)),
        reached_enrolled=Count("id", filter=Q(enrolled_on__isnull=False)),
        without_diploma=Count("id", filter=without_diploma_condition()),
        **status_counts(),
    )


def tracks_with_counts() -> QuerySet[Track]:
    """Every track with ``total`` and ``n_<status>`` of its enrollments."""
    return Track.objects.annotate(total=Count("enrollments__id"), **status_counts("enrollments__")).order_by("code")


def cohorts_with_counts(*, limit: int = COHORT_LIMIT) -> QuerySet[Cohort]:
    """The latest cohorts that have enrollments, with ``total`` and ``n_<status>``."""
    return (
        Cohort.objects.select_related("track", "partner")
        .annotate(total=Count("enrollments__id"), **status_counts("enrollments__"))
        .filter(total__gt=0)
        .order_by("-start_date", "code")[:limit]
    )


def enrollments_per_track_by_month() -> list[Mapping[str, Any]]:
    """Rows ``{"month": date, "track_id": int, "n": int}``: applications per track and month of ``applied_on``."""
    return list(
        Enrollment.objects.annotate(month=TruncMonth("applied_on"))
        .values("month", "track_id")
        .annotate(n=Count("id"))
        .order_by("month", "track_id")
    )


def action_lists(*, limit: int = ACTION_LIST_LIMIT) -> tuple[list[Enrollment], list[Enrollment]]:
    """The dashboard's two action lists, the first ``limit`` of each, in one query: the applications to decide (the
    oldest application first) and the enrollments without a diploma that counts (``without_diploma_condition``:
    completed ones first, the earliest completion first, then the enrolled ones ready to complete, with
    ``ready_to_complete`` true). Each row is ranked within its list (a window function); ranks up to ``limit`` are
    kept."""
    to_decide = Q(status=S.APPLIED)
    in_list = Case(When(to_decide, then=Value(0)), default=Value(1))
    # One order serves both lists: an application has no completion or enrollment date, so it is ordered by its
    # application date.
    order = [
        Case(When(status=S.ENROLLED, then=Value(1)), default=Value(0)).asc(),
        F("completed_on").asc(),
        F("enrolled_on").asc(),
        F("applied_on").asc(),
        F("id").asc(),
    ]
    rows = (
        Enrollment.objects.filter(to_decide | without_diploma_condition())
        .annotate(
            in_list=in_list,
            ready_to_complete=Q(status=S.ENROLLED),
            rank=Window(RowNumber(), partition_by=[in_list], order_by=order),
        )
        .filter(rank__lte=limit)
        .select_related("student", "cohort", "track")
        .order_by("in_list", "rank")
    )
    lists: tuple[list[Enrollment], list[Enrollment]] = ([], [])
    for row in rows:
        lists[row.in_list].append(row)
    return lists


def failed_renders(*, limit: int = ACTION_LIST_LIMIT) -> QuerySet[Diploma]:
    """Diplomas whose rendering failed, the latest failure first; each row also carries ``total``, how many there are
    in all (a window over the whole filtered set, counted before the limit)."""
    return (
        Diploma.objects.filter(status=Diploma.Status.FAILED)
        .annotate(total=Window(Count("id")))
        .select_related("enrollment__student", "enrollment__cohort")
        .order_by("-modified_at", "-id")[:limit]
    )


def _month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _per_track_series(rows: list[Mapping[str, Any]], tracks: list[Track]) -> tuple[list[str], list[dict]]:
    """Pivot the month × track rows into chart labels and one zero-filled series per track that has enrollments."""
    # TruncMonth gives a date on SQLite and PostgreSQL for a DateField.
    counts = {(row["month"], row["track_id"]): row["n"] for row in rows}
    if not counts:
        return [], []
    months = _month_range(min(m for m, _ in counts), max(m for m, _ in counts))
    series = [
        {"code": track.code, "label": track.name(), "data": [counts.get((month, track.pk), 0) for month in months]}
        for track in tracks
        if track.total  # type: ignore[attr-defined]  # annotated by tracks_with_counts
    ]
    return [month.strftime("%Y-%m") for month in months], series


def _with_status_counts(rows: list) -> list:
    """Give each annotated row ``status_counts``: its ``n_<status>`` in the order of ``Enrollment.Status``."""
    for row in rows:
        row.status_counts = [getattr(row, f"n_{status}") for status in S.values]
    return rows


def dashboard_data() -> DashboardData:
    """Everything the dashboard shows, in ``DASHBOARD_QUERIES`` queries."""
    totals = enrollment_totals()
    tracks = _with_status_counts(list(tracks_with_counts()))
    months, series = _per_track_series(enrollments_per_track_by_month(), tracks)
    reached = {
        S.APPLIED: totals["total"],
        S.ADMITTED: totals["reached_admitted"],
        S.ENROLLED: totals["reached_enrolled"],
        S.COMPLETED: totals[f"n_{S.COMPLETED}"],
    }
    failed = list(failed_renders())
    to_decide, without_diploma = action_lists()
    # One query for both: the students, and the correction requests waiting for the office (their card).
    people = Student.objects.aggregate(
        total=Count("id", distinct=True),
        open_corrections=Count(
            "correction_requests", filter=Q(correction_requests__status=CorrectionRequest.Status.OPEN)
        ),
    )
    return DashboardData(
        students=people["total"],
        enrollments=totals["total"],
        by_status=[{"status": value, "label": label, "count": totals[f"n_{value}"]} for value, label in S.choices],
        funnel=[{"stage": stage, "label": S(stage).label, "count": reached[stage]} for stage in FUNNEL_STAGES],
        tracks=tracks,
        cohorts=_with_status_counts(list(cohorts_with_counts())),
        months=months,
        per_track_series=series,
        to_decide=to_decide,
        to_decide_count=totals[f"n_{S.APPLIED}"],
        without_diploma=without_diploma,
        without_diploma_count=totals["without_diploma"],
        failed_renders=failed,
        failed_renders_count=failed[0].total if failed else 0,  # type: ignore[attr-defined]  # the window count
        open_corrections=people["open_corrections"],
    )
