"""Reads of the facilitator's view: the figures of the cohorts a viewer may see and each student's name and progress.

Every row comes through the one access rule (``programs.selectors.cohorts_visible_to``,
``students.selectors.visible_enrollments_only``, with ``viewer``): for a facilitator's staff, the cohorts under the
agreements their institution facilitates. The figures are the office report's (``mobility.reports.figures``:
the same aggregates over a different set of enrollments), plus the progress distribution of the students studying
now, counted in the same grouped query (``with_progress_band``): nothing loops over students in Python.

What a student row holds is a whitelist (``StudentProgressRow``): names, status, progress, completion date and
diploma number. The page cannot show a passport, a birth date or contact details because it is never given them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least, NullIf

from mobility.reports.figures import enrollment_figures, with_issued_diploma
from programs.models import Cohort, Module, Track
from programs.selectors import SubqueryCount, cohorts_visible_to
from students.models import Enrollment, ModuleResult
from students.progress import progress_for_many
from students.selectors import visible_enrollments_only, with_diploma_number

S = Enrollment.Status

# The progress bands of the distribution, in percent of the track's required modules passed: [0, 25), [25, 50),
# [50, 75), [75, 100]. A track that requires nothing counts as 100 %, as ``students.progress.Progress.percent`` does.
BANDS = ((0, 25), (25, 50), (50, 75), (75, 100))


@dataclass
class Figures:
    """The figures of a set of enrollments (a cohort, or a track's cohorts together). The counts are the office
    report's (``mobility.reports.figures.enrollment_figures``): admitted and enrolled are those who *reached* the
    step, whatever happened later. ``bands`` splits the students studying now (status enrolled) by ``BANDS``."""

    applications: int = 0
    admitted: int = 0
    enrolled: int = 0
    completed: int = 0
    withdrawn: int = 0
    failed: int = 0
    rejected: int = 0
    diplomas: int = 0
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))

    @property
    def studying(self) -> int:
        """Enrollments in progress now (status enrolled): the distribution's total."""
        return sum(self.bands)

    @property
    def distribution(self) -> list[tuple[int, int, int, int]]:
        """``(low, high, count, share of the students studying now in percent)`` for each band."""
        total = self.studying
        return [
            (low, high, count, round(100 * count / total) if total else 0)
            for (low, high), count in zip(BANDS, self.bands, strict=True)
        ]

    def add(self, other: Figures) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.bands = [mine + theirs for mine, theirs in zip(self.bands, other.bands, strict=True)]


COUNTS = tuple(f.name for f in fields(Figures) if f.name != "bands")


@dataclass
class CohortFigures:
    cohort: Cohort
    figures: Figures


@dataclass
class TrackFigures:
    """A track's facilitated cohorts (by sending college, then the newest first) and their totals."""

    track: Track
    cohorts: list[CohortFigures]
    totals: Figures


@dataclass(frozen=True)
class StudentProgressRow:
    """What the facilitator's page shows of one student in a cohort, and nothing more."""

    enrollment_id: int
    name_han: str
    name_latin: str
    name_cyrillic: str
    status: str
    status_label: str
    required_passed: int
    required: int
    percent: int
    completed_on: datetime.date | None
    diploma_number: str | None


def with_progress_band(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """``queryset`` with ``progress_band``: for an enrollment studying now (status enrolled), the index into
    ``BANDS`` of its progress; None for the others. Progress is ``students.progress``' rule: the required modules of
    the enrollment's track with a passing result in it (a module counts once, whatever the number of attempts)
    against the track's required modules. The band is ``4 × passed ÷ required`` in integers (exact edges: a quarter
    passed is in the second band), 3 at most, and 3 for a track that requires nothing. Two correlated subqueries,
    run only for enrolled rows (SQL's CASE), no query of its own."""
    required = Module.objects.filter(track_id=OuterRef("track_id"), is_required=True).order_by()
    passed = ModuleResult.objects.filter(enrollment_id=OuterRef(OuterRef("pk")), module_id=OuterRef("pk"), passed=True)
    total = SubqueryCount(required.values("pk"))
    done = SubqueryCount(required.filter(Exists(passed)).values("pk"))
    last = Value(len(BANDS) - 1)
    band = Coalesce(Least(done * len(BANDS) / NullIf(total, Value(0)), last), last, output_field=IntegerField())
    return queryset.annotate(
        progress_band=Case(When(status=S.ENROLLED, then=band), default=None, output_field=IntegerField())
    )


def facilitated_cohorts(*, viewer) -> QuerySet[Cohort]:
    """The cohorts the viewer may see (``cohorts_visible_to``) with track and sending college, by track, college
    and the newest first."""
    return (
        cohorts_visible_to(viewer=viewer)
        .select_related("track", "partner")
        .order_by("track__code", "partner__code", "-start_date", "code")
    )


def facilitated_cohort(*, viewer, pk: int) -> Cohort:
    """One cohort the viewer may see; ``Cohort.DoesNotExist`` otherwise (the page answers 404)."""
    return facilitated_cohorts(viewer=viewer).get(pk=pk)


def cohort_figures(*, viewer, cohorts: Iterable[Cohort]) -> dict[int, Figures]:
    """The figures of each of ``cohorts`` by cohort id, over the enrollments the viewer may see
    (``visible_enrollments_only``), in one query grouped by cohort and progress band (``with_progress_band``), summed
    here per cohort; a cohort with no enrollment has zeros."""
    ids = [cohort.pk for cohort in cohorts]
    enrollments = visible_enrollments_only(Enrollment.objects.filter(cohort_id__in=ids), viewer=viewer)
    aggregates = {name: aggregate for name, aggregate in enrollment_figures().items() if name in COUNTS}
    rows = (
        with_issued_diploma(with_progress_band(enrollments))
        .values("cohort_id", "progress_band")  # type: ignore[misc]  # an annotation, which the stubs cannot follow
        .annotate(**aggregates)
        .order_by()
    )
    figures = {pk: Figures() for pk in ids}
    for row in rows:
        part = Figures(**{name: row[name] for name in COUNTS})
        if row["progress_band"] is not None:  # the group of the enrolled ones of one band
            part.bands[row["progress_band"]] = row["applications"]
        figures[row["cohort_id"]].add(part)
    return figures


def facilitated_tracks(*, viewer) -> list[TrackFigures]:
    """The viewer's cohorts grouped by track (by code), each with its figures, and each track's totals: two queries
    whatever the number of cohorts and students."""
    cohorts = list(facilitated_cohorts(viewer=viewer))
    figures = cohort_figures(viewer=viewer, cohorts=cohorts)
    tracks: dict[int, TrackFigures] = {}
    for cohort in cohorts:
        group = tracks.setdefault(cohort.track_id, TrackFigures(track=cohort.track, cohorts=[], totals=Figures()))
        group.cohorts.append(CohortFigures(cohort=cohort, figures=figures[cohort.pk]))
        group.totals.add(figures[cohort.pk])
    return list(tracks.values())


def cohort_students(*, viewer, cohort: Cohort) -> list[StudentProgressRow]:
    """The cohort's students the viewer may see, by Latin name, each with their progress (``progress_for_many``:
    the portal's and the staff pages' own numbers) and issued diploma's number: two queries for up to 900 students.
    Only the names are read from the student's row."""
    enrollments = list(
        with_diploma_number(visible_enrollments_only(Enrollment.objects.filter(cohort=cohort), viewer=viewer))
        .select_related("student")
        .only(
            "status",
            "completed_on",
            "track_id",
            "cohort_id",
            "student__family_name_han",
            "student__given_name_han",
            "student__family_name_latin",
            "student__given_name_latin",
            "student__family_name_cyrillic",
            "student__given_name_cyrillic",
        )
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )
    progress = progress_for_many(enrollments=enrollments)
    rows = []
    for enrollment in enrollments:
        student, done = enrollment.student, progress[enrollment.pk]
        rows.append(
            StudentProgressRow(
                enrollment_id=enrollment.pk,
                name_han=student.full_name_han,
                name_latin=student.full_name_latin,
                name_cyrillic=student.full_name_cyrillic,
                status=enrollment.status,
                status_label=str(S(enrollment.status).label),  # in the request's language
                required_passed=done.required_passed,
                required=done.required,
                percent=done.percent,
                completed_on=enrollment.completed_on,
                diploma_number=enrollment.diploma_number,  # type: ignore[attr-defined]  # with_diploma_number
            )
        )
    return rows
