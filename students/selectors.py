"""Reads about students and their enrollments."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from programs.models import Module

from .models import Enrollment, ModuleResult


def completion_missing_modules(*, enrollment: Enrollment) -> QuerySet[Module]:
    """The completion rule: the required modules of the enrollment's track that have no passing result.

    An enrollment may be completed when this is empty. The UI, the API and diploma issuance all ask this one
    function (or ``enrollments_eligible_for_completion``, its set-wise twin).
    """
    passed = ModuleResult.objects.filter(enrollment=enrollment, module=OuterRef("pk"), passed=True)
    return Module.objects.filter(track_id=enrollment.track_id, is_required=True).exclude(Exists(passed))


def enrollment_is_eligible_for_completion(*, enrollment: Enrollment) -> bool:
    return (
        enrollment.status == Enrollment.Status.ENROLLED
        and not completion_missing_modules(enrollment=enrollment).exists()
    )


def enrollments_eligible_for_completion(
    queryset: QuerySet[Enrollment] | None = None,
) -> QuerySet[Enrollment]:
    """Enrolled enrollments with a passing result for every required module of their track, in one query."""
    queryset = Enrollment.objects.all() if queryset is None else queryset
    unpassed_required = Module.objects.filter(track_id=OuterRef("track_id"), is_required=True).exclude(
        Exists(
            ModuleResult.objects.filter(
                enrollment_id=OuterRef(OuterRef("pk")),
                module=OuterRef("pk"),
                passed=True,
            )
        )
    )
    return queryset.filter(status=Enrollment.Status.ENROLLED).exclude(Exists(unpassed_required))
