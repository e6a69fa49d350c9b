"""What each paper shows, read in a fixed number of queries whatever the cohort's size. Office staff only: the views
that call these are closed to everyone else, and a cohort or an enrollment is looked up by id."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from diplomas.models import Diploma
from programs.models import Cohort, Module
from students.models import Enrollment, ModuleResult, Student
from students.progress import GRID_STATUSES

COHORT_RELATED = ("track", "host", "partner", "agreement")
# The roster lists the cohort's students, not its applications: every status but applied and rejected.
ROSTER_STATUSES = (
    Enrollment.Status.ADMITTED,
    Enrollment.Status.ENROLLED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.FAILED,
    Enrollment.Status.WITHDRAWN,
)
# A certificate of study is given for studies that began: enrolled, or ended after enrolment in any way.
CERTIFICATE_STATUSES = (
    Enrollment.Status.ENROLLED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.FAILED,
    Enrollment.Status.WITHDRAWN,
)
NAME_ORDER = ("student__family_name_latin", "student__given_name_latin", "pk")


def paper_cohort(*, pk) -> Cohort:
    """The cohort with what its papers' headings show (raises ``Cohort.DoesNotExist``)."""
    return Cohort.objects.select_related(*COHORT_RELATED).get(pk=pk)


def paper_module(*, cohort: Cohort, pk) -> Module:
    """A module of the cohort's track (raises ``Module.DoesNotExist`` for another track's)."""
    return Module.objects.get(pk=pk, track_id=cohort.track_id)


def cohort_modules(*, cohort: Cohort) -> list[Module]:
    return list(Module.objects.filter(track_id=cohort.track_id).order_by("order", "code"))


@dataclass(frozen=True)
class GradeSheetRow:
    enrollment: Enrollment
    result: ModuleResult | None  # the latest attempt, as the results grid shows it

    @property
    def student(self) -> Student:
        return self.enrollment.student


def grade_sheet_rows(*, cohort: Cohort, module: Module) -> list[GradeSheetRow]:
    """The cohort's students with results to show (those of the results grid: enrolled, completed, failed,
    withdrawn), by name, each with their latest attempt at ``module``, in two queries."""
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort, status__in=GRID_STATUSES)
        .select_related("student")
        .order_by(*NAME_ORDER)
    )
    latest: dict[int, ModuleResult] = {}
    results = ModuleResult.objects.filter(module=module, enrollment__in=[e.pk for e in enrollments])
    for result in results.order_by("attempt"):
        latest[result.enrollment_id] = result
    return [GradeSheetRow(enrollment, latest.get(enrollment.pk)) for enrollment in enrollments]


@dataclass(frozen=True)
class RosterRow:
    enrollment: Enrollment
    diploma_number: str  # of the issued diploma, if any

    @property
    def student(self) -> Student:
        return self.enrollment.student


def roster_rows(*, cohort: Cohort) -> list[RosterRow]:
    """The cohort's students (``ROSTER_STATUSES``) by name, each with its student, home institution and the number
    of its issued diploma (through the enrollment's ``diplomas``), in two queries."""
    issued = Diploma.objects.filter(status=Diploma.Status.ISSUED).order_by("-issued_at")
    enrollments = (
        Enrollment.objects.filter(cohort=cohort, status__in=ROSTER_STATUSES)
        .select_related("student__home_institution")
        .prefetch_related(Prefetch("diplomas", queryset=issued))
        .order_by(*NAME_ORDER)
    )
    rows = []
    for enrollment in enrollments:
        diplomas = list(enrollment.diplomas.all())
        rows.append(RosterRow(enrollment, (diplomas[0].number or "") if diplomas else ""))
    return rows


def certificate_enrollment(*, pk) -> Enrollment:
    """An enrollment a certificate can be given for (``CERTIFICATE_STATUSES``, a student whose personal data were not
    erased), with its student, home institution and cohort (raises ``Enrollment.DoesNotExist`` otherwise)."""
    return Enrollment.objects.select_related(
        "student__home_institution", *(f"cohort__{name}" for name in COHORT_RELATED)
    ).get(pk=pk, status__in=CERTIFICATE_STATUSES, student__erased_at__isnull=True)


@dataclass(frozen=True)
class PassedModule:
    module: Module
    result: ModuleResult  # the latest passed attempt


def passed_modules(*, enrollment: Enrollment) -> list[PassedModule]:
    """The modules of the track passed so far, in curriculum order, each with its latest passed attempt: the
    progress rule's passed modules (``students.progress``), read in one query."""
    latest: dict[int, ModuleResult] = {}
    passed = ModuleResult.objects.filter(enrollment=enrollment, passed=True, module__track_id=enrollment.track_id)
    for result in passed.select_related("module").order_by("module__order", "module__code", "attempt"):
        latest[result.module_id] = result
    return [PassedModule(result.module, result) for result in latest.values()]
