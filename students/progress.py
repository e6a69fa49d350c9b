"""Progress of enrollments: which modules of the track are passed, and how many hours and credits that makes.

One rule, in one place: a module is passed in an enrollment when one of its results there is passed
(``ModuleResult.passed``, the database's column computed from ``ModuleResult.PASSING_GRADES``), whatever the number of
attempts; a module counts once. ``progress_from`` does the sums over modules already loaded; ``progress_for`` (one
enrollment) and ``progress_for_many`` (any number, a fixed number of queries) load them, and the results grid and the
portal's page, which load the results for their own cells anyway, feed it what they loaded.

Whether an enrollment may be completed is the completion rule's to say (``selectors.completion_missing_modules``);
``Progress.missing_module_ids`` is the same set, for showing.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from programs.models import Cohort, Module
from programs.selectors import curriculum_totals

from .models import Enrollment, ModuleResult, Student
from .selectors import completion_missing_modules, enrollments_eligible_for_completion, with_diploma_number


@dataclass(frozen=True)
class Progress:
    """One enrollment's progress through the modules of its track."""

    enrollment_id: int
    required: int  # required modules of the track
    required_passed: int
    modules: int  # all modules of the track, required or elective
    modules_passed: int
    hours_total: int
    hours_passed: int
    credits_total: Decimal
    credits_passed: Decimal
    missing_module_ids: tuple[int, ...]  # required modules not passed, in curriculum order
    passed_module_ids: frozenset[int]

    @property
    def percent(self) -> int:
        """Required modules passed, in percent; 100 when the track requires none."""
        return round(100 * self.required_passed / self.required) if self.required else 100

    def as_dict(self) -> dict:
        """The numbers the staff pages and the partner API show (``ProgressSerializer``). An empty sum is a plain
        ``0``, as the SQL sums these numbers were first written with gave."""
        return {
            "required": self.required,
            "required_passed": self.required_passed,
            "modules": self.modules,
            "modules_passed": self.modules_passed,
            "hours_total": self.hours_total or 0,
            "hours_passed": self.hours_passed or 0,
            "credits_total": self.credits_total or 0,
            "credits_passed": self.credits_passed or 0,
            "percent": self.percent,
        }


def progress_from(*, enrollment_id: int, modules: Sequence[Module], passed_module_ids: Iterable[int]) -> Progress:
    """The sums, the one place they are done: ``modules`` are the track's (in curriculum order), ``passed_module_ids``
    the modules with a passed result in the enrollment (ids of other tracks' modules are ignored). The totals are the
    size of the curriculum (``programs.selectors.curriculum_totals``); the passed ones the size of its passed part."""
    passed_ids = frozenset(passed_module_ids)
    passed = [module for module in modules if module.pk in passed_ids]
    size, done = curriculum_totals(modules), curriculum_totals(passed)
    return Progress(
        enrollment_id=enrollment_id,
        required=size["required"],
        required_passed=done["required"],
        modules=size["modules"],
        modules_passed=done["modules"],
        hours_total=size["hours"],
        hours_passed=done["hours"],
        credits_total=Decimal(size["credits"]),
        credits_passed=Decimal(done["credits"]),
        missing_module_ids=tuple(m.pk for m in modules if m.is_required and m.pk not in passed_ids),
        passed_module_ids=frozenset(module.pk for module in passed),
    )


@functools.cache
def _progress_sql() -> str:
    """The modules of the enrollments' tracks, each with its enrollment and whether that enrollment has a passed
    result for it, in curriculum order; ``{ids}`` stands for the enrollments' placeholders. Written once from the
    models' own table and column names: the same statement built with the ORM cost the partner API's progress
    endpoint several times the query itself on every request (docs/performance.md#partner-api-under-load)."""
    module, result, enrollment = Module._meta, ModuleResult._meta, Enrollment._meta
    quote = connection.ops.quote_name

    def column(meta, name):
        return quote(meta.get_field(name).column)

    return (
        f"SELECT m.{column(module, 'id')}, m.{column(module, 'is_required')}, m.{column(module, 'hours')}, "
        f"m.{column(module, 'credits')}, e.{column(enrollment, 'id')} AS progress_enrollment_id, "
        f"EXISTS (SELECT 1 FROM {quote(result.db_table)} r WHERE r.{column(result, 'enrollment')} = "
        f"e.{column(enrollment, 'id')} AND r.{column(result, 'module')} = m.{column(module, 'id')} "
        f"AND r.{column(result, 'passed')}) AS progress_passed "
        f"FROM {quote(module.db_table)} m JOIN {quote(enrollment.db_table)} e "
        f"ON m.{column(module, 'track')} = e.{column(enrollment, 'track')} "
        f"WHERE e.{column(enrollment, 'id')} IN ({{ids}}) "
        f"ORDER BY m.{column(module, 'order')}, m.{column(module, 'code')}"
    )


# Enrollment ids per statement: under SQLite's oldest limit of 999 parameters, so any number of enrollments works.
_CHUNK = 900


def progress_for_many(*, enrollments: Iterable[Enrollment]) -> dict[int, Progress]:
    """Progress of each of ``enrollments``, by enrollment id: one query for up to 900 enrollments, whatever the
    number of modules and results; none for no enrollments."""
    ids = list(dict.fromkeys(enrollment.pk for enrollment in enrollments))
    modules: dict[int, list[Module]] = {pk: [] for pk in ids}
    passed: dict[int, set[int]] = {pk: set() for pk in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        sql = _progress_sql().format(ids=", ".join(["%s"] * len(chunk)))
        for module in Module.objects.raw(sql, chunk):
            enrollment_id = module.progress_enrollment_id  # type: ignore[attr-defined]  # a column of the SQL
            modules[enrollment_id].append(module)
            if module.progress_passed:  # type: ignore[attr-defined]  # likewise
                passed[enrollment_id].add(module.pk)
    return {pk: progress_from(enrollment_id=pk, modules=modules[pk], passed_module_ids=passed[pk]) for pk in ids}


def cohort_enrollments_with_progress(*, cohort: Cohort) -> list[Enrollment]:
    """The cohort's enrollments with their students, by name, in two queries; each carries its ``progress`` and, for
    the cohort's page, ``required_passed``, ``required_total`` (the completion rule's numbers: the rule is met
    exactly when they are equal), ``credits_earned`` and its issued diploma's ``diploma_number`` and ``diploma_pk``
    (``selectors.with_diploma_number``)."""
    enrollments = list(
        with_diploma_number(Enrollment.objects.filter(cohort=cohort))
        .select_related("student")
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )
    progress = progress_for_many(enrollments=enrollments)
    for enrollment in enrollments:
        row = progress[enrollment.pk]
        enrollment.progress = row  # type: ignore[attr-defined]  # for the page
        enrollment.required_passed = row.required_passed  # type: ignore[attr-defined]
        enrollment.required_total = row.required  # type: ignore[attr-defined]
        enrollment.credits_earned = row.credits_passed  # type: ignore[attr-defined]
    return enrollments


def progress_for(*, enrollment: Enrollment) -> Progress:
    """Progress of one enrollment, in one query (a dozen rows, one per module of the track)."""
    return progress_for_many(enrollments=[enrollment])[enrollment.pk]


def enrollment_progress(*, enrollment: Enrollment) -> dict:
    """``progress_for`` as the numbers the staff pages and the partner API show (``Progress.as_dict``)."""
    return progress_for(enrollment=enrollment).as_dict()


# --- the results grid: a cohort's students × the modules of its track --------------------------------------------

# Enrollments that have results to show in a cohort's grid; only ``enrolled`` ones can be edited.
GRID_STATUSES = (
    Enrollment.Status.ENROLLED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.FAILED,
    Enrollment.Status.WITHDRAWN,
)


@dataclass
class GridCellView:
    module: Module
    latest: ModuleResult | None = None
    attempts: int = 0
    passed: bool = False  # any attempt passed: what the completion rule counts


@dataclass
class GridRow:
    enrollment: Enrollment
    cells: list[GridCellView]
    eligible: bool = False
    progress: dict = field(default_factory=dict)  # ``Progress.as_dict``
    missing: list[Module] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.enrollment.status == Enrollment.Status.ENROLLED


@dataclass
class ResultsGrid:
    cohort: Cohort
    modules: list[Module]
    rows: list[GridRow]

    @property
    def eligible(self) -> list[GridRow]:
        return [row for row in self.rows if row.eligible]


def _attempts_by_module(results: Iterable[ModuleResult]) -> dict[tuple[int, int], list[ModuleResult]]:
    """Results by (enrollment id, module id), in the order given (oldest attempt first)."""
    attempts: dict[tuple[int, int], list[ModuleResult]] = {}
    for result in results:
        attempts.setdefault((result.enrollment_id, result.module_id), []).append(result)
    return attempts


def _passed_by_enrollment(attempts: dict[tuple[int, int], list[ModuleResult]]) -> dict[int, set[int]]:
    """The ids of the modules with a passed result, by enrollment id, from ``_attempts_by_module``."""
    passed: dict[int, set[int]] = {}
    for (enrollment_id, module_id), results in attempts.items():
        if any(result.passed for result in results):
            passed.setdefault(enrollment_id, set()).add(module_id)
    return passed


def cohort_results_grid(*, cohort: Cohort) -> ResultsGrid:
    """The cohort's students (enrolled, completed, failed, withdrawn) × the modules of its track, in four queries
    whatever the size: each cell has the latest attempt and whether any attempt passed; each row its progress
    (``progress_from`` over the results loaded for the cells), the required modules still missing, and eligibility
    from the completion rule itself (``enrollments_eligible_for_completion``)."""
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort, status__in=GRID_STATUSES)
        .select_related("student")
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )
    modules = list(Module.objects.filter(track_id=cohort.track_id).order_by("order", "code"))
    by_id = {module.pk: module for module in modules}
    ids = [enrollment.pk for enrollment in enrollments]
    results = _attempts_by_module(ModuleResult.objects.filter(enrollment_id__in=ids).order_by("attempt"))
    eligible = set(
        enrollments_eligible_for_completion(Enrollment.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    passed = _passed_by_enrollment(results)
    rows = []
    for enrollment in enrollments:
        passed_ids = passed.get(enrollment.pk, set())
        progress = progress_from(enrollment_id=enrollment.pk, modules=modules, passed_module_ids=passed_ids)
        cells = []
        for module in modules:
            attempts = results.get((enrollment.pk, module.pk), [])
            latest = attempts[-1] if attempts else None
            cells.append(GridCellView(module, latest, len(attempts), module.pk in progress.passed_module_ids))
        rows.append(
            GridRow(
                enrollment=enrollment,
                cells=cells,
                eligible=enrollment.pk in eligible,
                progress=progress.as_dict(),
                missing=[by_id[pk] for pk in progress.missing_module_ids],
            )
        )
    return ResultsGrid(cohort=cohort, modules=modules, rows=rows)


# --- the student portal's page of one enrollment -------------------------------------------------------------------


@dataclass
class PortalModuleRow:
    """One module of the track as the student sees it: passed (some attempt passed), failed (attempted, none
    passed) or pending (no result yet), with the latest attempt."""

    module: Module
    latest: ModuleResult | None
    attempts: int
    passed: bool

    @property
    def state(self) -> str:
        if self.passed:
            return "passed"
        return "failed" if self.attempts else "pending"


@dataclass
class PortalProgress:
    enrollment: Enrollment
    totals: dict  # ``enrollment_progress``
    modules: list[PortalModuleRow]
    missing: list[Module]  # ``completion_missing_modules``: what is left for completion

    @property
    def complete(self) -> bool:
        return not self.missing


def portal_enrollment_progress(*, enrollment: Enrollment) -> PortalProgress:
    """Progress of one enrollment per module, in four queries whatever the number of modules: the progress
    (``progress_for``), what is left (the completion rule, ``completion_missing_modules``), the track's modules and
    the enrollment's results. The caller has already scoped ``enrollment`` to the viewer."""
    progress = progress_for(enrollment=enrollment)
    results = _attempts_by_module(ModuleResult.objects.filter(enrollment=enrollment).order_by("attempt", "id"))
    rows = []
    for module in Module.objects.filter(track_id=enrollment.track_id).order_by("order", "code"):
        attempts = results.get((enrollment.pk, module.pk), [])
        latest = attempts[-1] if attempts else None
        rows.append(PortalModuleRow(module, latest, len(attempts), module.pk in progress.passed_module_ids))
    return PortalProgress(
        enrollment=enrollment,
        totals=progress.as_dict(),
        modules=rows,
        missing=list(completion_missing_modules(enrollment=enrollment).order_by("order", "code")),
    )


# --- students at risk ------------------------------------------------------------------------------------------------


def at_risk_cutoff(*, now: datetime.datetime | None = None) -> datetime.date:
    """The last day whose results still count as recent: ``AT_RISK_WEEKS_WITHOUT_RESULT`` weeks before the site's
    local date of ``now`` (default: ``timezone.now()``)."""
    today = timezone.localdate(now or timezone.now())
    return today - datetime.timedelta(weeks=settings.AT_RISK_WEEKS_WITHOUT_RESULT)


def at_risk_condition(*, now: datetime.datetime | None = None) -> Q:
    """The at-risk rule as a condition on enrollments (whatever their status; ``enrollments_at_risk`` keeps the
    enrolled ones): a failed attempt of a module with no passing attempt of that module after it, or no result
    recorded for ``AT_RISK_WEEKS_WITHOUT_RESULT`` weeks, counted from the later of the enrollment date and the last
    result's date (``assessed_on``). On the cutoff day itself (exactly N weeks) the student is at risk."""
    later_pass = ModuleResult.objects.filter(
        enrollment_id=OuterRef("enrollment_id"),
        module_id=OuterRef("module_id"),
        passed=True,
        attempt__gt=OuterRef("attempt"),
    )
    failed_unrecovered = ModuleResult.objects.filter(enrollment_id=OuterRef("pk"), passed=False).exclude(
        Exists(later_pass)
    )
    cutoff = at_risk_cutoff(now=now)
    recent = ModuleResult.objects.filter(enrollment_id=OuterRef("pk"), assessed_on__gt=cutoff)
    started_before = Q(_risk_start__lte=cutoff)
    return Q(Exists(failed_unrecovered)) | (started_before & ~Q(Exists(recent)))


def enrollments_at_risk(queryset: QuerySet[Enrollment] | None = None, *, now=None) -> QuerySet[Enrollment]:
    """The enrolled enrollments of ``queryset`` (default: all) that are at risk (``at_risk_condition``), in one
    query. The one rule: the partner portal's list, its filter and its overview all ask it."""
    queryset = Enrollment.objects.all() if queryset is None else queryset
    return (
        queryset.filter(status=Enrollment.Status.ENROLLED)
        .alias(_risk_start=Coalesce("enrolled_on", "admitted_on", "applied_on"))
        .filter(at_risk_condition(now=now))
    )


def student_at_risk(*, now=None) -> Exists:
    """Whether the outer student has an enrollment at risk (``enrollments_at_risk``): a subquery to annotate or
    filter students with, in the students' own query."""
    return Exists(enrollments_at_risk(Enrollment.objects.filter(student_id=OuterRef("pk")), now=now))


def with_at_risk_flag(queryset: QuerySet[Student], *, now=None) -> QuerySet[Student]:
    """Students annotated with ``at_risk`` (``student_at_risk``): a column of the list's own query."""
    return queryset.annotate(at_risk=student_at_risk(now=now))
