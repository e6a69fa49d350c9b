"""The students and enrollments of programs' institutions and cohorts: the places they take and how they are counted.

Programs owns capacities and quotas; the rows that fill them (``Student``, ``Enrollment``) belong to the students
app, one layer above (docs/architecture.md). Programs reaches those models through the relations students declares
(``Institution.students``, ``Cohort.enrollments``), never by importing them, and relies only on what an enrollment
says about places: its ``status``, ``PLACE_STATUSES`` and ``Status``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet

from programs.models import AgreementQuota, Cohort, Institution


# The two models are Any to the type checker: their classes are a layer above, and even a type-only import would go up.
def enrollment_model() -> Any:
    """``students.Enrollment``: the model behind ``Cohort.enrollments``."""
    return Cohort._meta.get_field("enrollments").related_model


def student_model() -> Any:
    """``students.Student``: the model behind ``Institution.students`` (home students)."""
    return Institution._meta.get_field("students").related_model


def place_statuses() -> tuple[str, ...]:
    """The statuses in which an enrollment takes a place of its cohort and of its agreement's quota."""
    return tuple(enrollment_model().PLACE_STATUSES)


def enrollment_statuses() -> list[tuple[str, str]]:
    """Every enrollment status with its label, in the state machine's order."""
    return list(enrollment_model().Status.choices)


def places_taken() -> QuerySet:
    """Enrollments that take a place."""
    return enrollment_model().objects.filter(status__in=place_statuses())


def quota_places_taken(*, agreement_id, track_id, year) -> QuerySet:
    """Enrollments that take a place of the quota of ``agreement_id``, ``track_id`` and intake ``year``: those in
    the agreement's cohorts of the track that start in the year (arguments may be ``OuterRef``s)."""
    return places_taken().filter(cohort__agreement_id=agreement_id, track_id=track_id, cohort__start_date__year=year)


def quota_used(quota: AgreementQuota) -> int:
    """Places of a quota taken: admitted, enrolled or completed students in the agreement's cohorts of the quota's
    track that start in the quota's year."""
    return quota_places_taken(agreement_id=quota.agreement_id, track_id=quota.track_id, year=quota.year).count()


def cohort_places_taken(cohort: Cohort) -> int:
    return places_taken().filter(cohort=cohort).count()


def status_counts(prefix: str = "") -> dict[str, Count]:
    """``Count`` annotations ``n_<status>``, one per enrollment status, over the enrollments at ``prefix``: ``""`` on
    enrollments themselves (an aggregate), ``"enrollments__"`` from a cohort or a track."""
    return {
        f"n_{status}": Count(f"{prefix}id", filter=Q(**{f"{prefix}status": status}))
        for status, _label in enrollment_statuses()
    }


def cohort_status_counts() -> dict[str, Count]:
    """Annotations of cohorts: ``n_<status>`` (``status_counts``) and ``n_places`` (places taken)."""
    return {
        **status_counts("enrollments__"),
        "n_places": Count("enrollments__id", filter=Q(enrollments__status__in=place_statuses())),
    }


def home_students(institution_ref=None) -> QuerySet:
    """Students whose home institution is ``institution_ref`` (an id or an ``OuterRef``; default the outer row)."""
    ref = OuterRef("pk") if institution_ref is None else institution_ref
    return student_model().objects.filter(home_institution=ref)
