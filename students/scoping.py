"""The one access rule for students and what hangs from them (enrollments, results, diplomas): which rows a
viewer may see, for every kind of viewer ``mobility.foundation.access`` names. The selectors (``students.selectors``
and those of the apps above) narrow their querysets with these three functions and nothing else."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from mobility.foundation.access import facilitator_institution_id, partner_institution_id, sees_everything, teacher_id
from programs.models import TeachingAssignment

from .models import Enrollment


def visible_students_only(queryset: QuerySet, *, viewer, path: str = "") -> QuerySet:
    """``queryset`` narrowed to rows of students the viewer may see; ``path`` leads from its model to the student
    (``""`` for students, ``"student__"`` for enrollments, ``"enrollment__student__"`` for results and diplomas).

    The one rule: office staff and staff keys see everyone; a partner's key, coordinators and observers their
    college's students (home institution); a facilitator the students of cohorts under agreements it facilitates; a
    teacher the students of cohorts they teach a module of; a student themself; anyone else no one. Rows about a
    student's other enrollments are narrowed further by ``visible_enrollments_only``."""
    partner = partner_institution_id(viewer)
    if partner is not None:
        return queryset.filter(**{f"{path}home_institution_id": partner})
    if sees_everything(viewer):
        return queryset
    facilitator, teacher = facilitator_institution_id(viewer), teacher_id(viewer)
    if facilitator is not None or teacher is not None:
        enrollments = visible_enrollments_only(Enrollment.objects.order_by(), viewer=viewer)
        return queryset.filter(**{f"{path}pk__in": enrollments.values("student_id")})
    authenticated = viewer is not None and getattr(viewer, "is_authenticated", False)
    student = getattr(viewer, "student", None) if authenticated else None
    return queryset.filter(**{f"{path}pk": student.pk}) if student is not None else queryset.none()


def visible_enrollments_only(queryset: QuerySet, *, viewer, path: str = "") -> QuerySet:
    """``queryset`` narrowed to rows of enrollments the viewer may see; ``path`` leads from its model to the
    enrollment (``""`` for enrollments, ``"enrollment__"`` for results and diplomas): those of the students the
    viewer may see (``visible_students_only``), and for a facilitator or a teacher only those in the cohorts they
    are given (the student's enrollments elsewhere are not theirs to see)."""
    facilitator, teacher = facilitator_institution_id(viewer), teacher_id(viewer)
    if facilitator is not None:
        return queryset.filter(**{f"{path}cohort__agreement__facilitator_id": facilitator})
    if teacher is not None:
        taught = TeachingAssignment.objects.filter(teacher_id=teacher).values("cohort_id")
        return queryset.filter(**{f"{path}cohort_id__in": taught})
    return visible_students_only(queryset, viewer=viewer, path=f"{path}student__")


def visible_results_only(queryset: QuerySet, *, viewer, path: str = "") -> QuerySet:
    """``queryset`` narrowed to module results the viewer may see (``path`` leads to the result): those of the
    enrollments the viewer may see, and for a teacher only those of the modules they teach in that cohort."""
    queryset = visible_enrollments_only(queryset, viewer=viewer, path=f"{path}enrollment__")
    teacher = teacher_id(viewer)
    if teacher is None:
        return queryset
    taught = TeachingAssignment.objects.filter(
        teacher_id=teacher, cohort_id=OuterRef(f"{path}enrollment__cohort_id"), module_id=OuterRef(f"{path}module_id")
    )
    return queryset.filter(Exists(taught))
