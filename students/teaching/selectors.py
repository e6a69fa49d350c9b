"""Reads of the teacher's workspace, scoped by the one access rule: the viewer's own teaching assignments
(``teaching_assignments_visible_to``), the enrollments and results they may see (``visible_enrollments_only``,
``visible_results_only``). Each page reads in a fixed number of queries whatever the number of students."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast

from mobility.foundation.models import AuditEntry
from programs.models import Cohort, TeachingAssignment
from programs.selectors import teaching_assignments_visible_to

from ..models import Enrollment, ModuleResult
from ..progress import GRID_STATUSES, GridCellView, GridRow, ResultsGrid
from ..selectors import visible_enrollments_only, visible_results_only

# The audit actions of a result written by the results services (``result_record``, ``results_record_bulk``).
RESULT_ACTIONS = ("result.record", "result.change")


@dataclass
class AssignmentFigures:
    """One assignment on the teacher's first page: students of the cohort, and of them how many have a result of
    the module (recorded), a passing one (passed), and results none of which passes (failed)."""

    assignment: TeachingAssignment
    students: int = 0
    recorded: int = 0
    passed: int = 0
    failed: int = 0


@dataclass
class CohortAssignments:
    cohort: Cohort
    modules: list[AssignmentFigures] = field(default_factory=list)


def teaching_overview(*, viewer) -> list[CohortAssignments]:
    """The viewer's assignments grouped by cohort (newest intake first), each module with its figures; three
    queries whatever the number of cohorts, modules and students."""
    assignments = list(
        teaching_assignments_visible_to(viewer=viewer).order_by("-cohort__start_date", "cohort__code", "module__order")
    )
    if not assignments:
        return []
    cohort_ids = sorted({a.cohort_id for a in assignments})
    students = dict(
        visible_enrollments_only(
            Enrollment.objects.filter(cohort_id__in=cohort_ids, status__in=GRID_STATUSES), viewer=viewer
        )
        .order_by()
        .values_list("cohort_id")
        .annotate(count=Count("id"))
    )
    figures: dict[tuple[int, int], list[int]] = {}  # (cohort, module) → [recorded, passed, failed]
    per_student = (
        visible_results_only(
            ModuleResult.objects.filter(enrollment__cohort_id__in=cohort_ids, enrollment__status__in=GRID_STATUSES),
            viewer=viewer,
        )
        .order_by()
        .values_list("enrollment__cohort_id", "module_id", "enrollment_id")
        .annotate(passes=Count("id", filter=Q(passed=True)))
    )
    for cohort_id, module_id, _enrollment_id, passes in per_student:
        counts = figures.setdefault((cohort_id, module_id), [0, 0, 0])
        counts[0] += 1
        counts[1 if passes else 2] += 1
    groups: dict[int, CohortAssignments] = {}
    for assignment in assignments:
        group = groups.setdefault(assignment.cohort_id, CohortAssignments(cohort=assignment.cohort))
        recorded, passed, failed = figures.get((assignment.cohort_id, assignment.module_id), (0, 0, 0))
        group.modules.append(
            AssignmentFigures(
                assignment=assignment,
                students=students.get(assignment.cohort_id, 0),
                recorded=recorded,
                passed=passed,
                failed=failed,
            )
        )
    return list(groups.values())


def teaching_assignment_get(*, viewer, pk) -> TeachingAssignment:
    """One of the viewer's own assignments (with cohort, track, partner and module); raises
    ``TeachingAssignment.DoesNotExist`` for anyone else's."""
    return teaching_assignments_visible_to(viewer=viewer).get(pk=pk)


@dataclass
class TeachingGrid:
    """The assignment's module for the cohort's students: ``grid`` (one column, what ``ResultsGridForm`` edits) and
    every attempt of each student (oldest first)."""

    grid: ResultsGrid
    attempts: dict[int, list[ModuleResult]]  # enrollment id → attempts

    @property
    def rows(self) -> list[GridRow]:
        return self.grid.rows


def teaching_grid(*, viewer, assignment: TeachingAssignment) -> TeachingGrid:
    """The cohort's students the viewer may see (enrolled, completed, failed, withdrawn; only enrolled ones are
    editable) with their results of the assignment's module only; two queries whatever the size."""
    module = assignment.module
    enrollments = list(
        visible_enrollments_only(
            Enrollment.objects.filter(cohort_id=assignment.cohort_id, status__in=GRID_STATUSES), viewer=viewer
        )
        .select_related("student")
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )
    attempts: dict[int, list[ModuleResult]] = {}
    results = visible_results_only(
        ModuleResult.objects.filter(enrollment_id__in=[e.pk for e in enrollments], module_id=module.pk),
        viewer=viewer,
    ).order_by("attempt", "id")
    for result in results:
        result.module = module
        attempts.setdefault(result.enrollment_id, []).append(result)
    rows = []
    for enrollment in enrollments:
        own = attempts.get(enrollment.pk, [])
        cell = GridCellView(module, own[-1] if own else None, len(own), any(r.passed for r in own))
        rows.append(GridRow(enrollment=enrollment, cells=[cell]))
    return TeachingGrid(grid=ResultsGrid(cohort=assignment.cohort, modules=[module], rows=rows), attempts=attempts)


def teaching_history(*, viewer) -> QuerySet[AuditEntry]:
    """The results the viewer recorded or corrected (the audit entries where they are the actor), of enrollments
    they may still see, newest first, with the actor in the same query."""
    enrollments = visible_enrollments_only(Enrollment.objects.order_by(), viewer=viewer).values_list(
        Cast("pk", output_field=CharField()), flat=True
    )
    return (
        AuditEntry.objects.filter(
            actor=viewer,
            action__in=RESULT_ACTIONS,
            content_type=ContentType.objects.get_for_model(Enrollment),
            object_id__in=enrollments,
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
