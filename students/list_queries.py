"""The staff students list's own reads beside ``selectors.student_list``: a lighter prefetch of what its rows show,
and its count kept under the data version (docs/performance.md, "Staff students list at 100k students")."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch, QuerySet

from mobility.foundation.access import sees_everything
from mobility.foundation.kept import kept

from .models import Enrollment, Student


def student_list_enrollments_prefetch() -> Prefetch:
    """The students list's enrollments: what its rows show of each (id, status, cohort code), newest first. The rest
    of each row and of its cohort is not read (a third of the list's ORM time at 50 rows); reading another field of
    them costs a query per enrollment, which the list's query pins would show."""
    enrollments = Enrollment.objects.select_related("cohort").only("id", "student_id", "status", "cohort__code")
    return Prefetch("enrollments", queryset=enrollments.order_by("-applied_on", "-id"))


# The list's filters whose count depends only on tables the data version watches (``mobility.foundation.kept``):
# students (search, home institution) and enrollments (track, cohort, status); the sort does not change a count.
KEPT_COUNT_FILTERS = frozenset({"q", "partner", "track", "cohort", "status", "sort"})


def student_list_count(*, viewer, filters: dict | None, students: QuerySet[Student]) -> Callable[[], int] | None:
    """The count of ``students`` (``student_list(viewer=viewer, filters=filters)``, annotated or not) kept in the
    shared cache under the data version, exact (``mobility.foundation.kept``), or ``None`` where it may not be kept:
    a viewer who sees only some students (their scope depends on more than students and enrollments), or a filter
    on corrections or consents (tables the version does not watch)."""
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    if not sees_everything(viewer) or not filters.keys() <= KEPT_COUNT_FILTERS:
        return None
    shown = sorted(
        (key, getattr(value, "pk", value)) for key, value in filters.items() if key != "sort"
    )  # model instances by id
    return lambda: kept(f"students:count:{shown!r}", students.count, int)
