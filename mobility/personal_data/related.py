"""The rows about one student (enrollments, results, continuations, diplomas, correction requests, their account),
the audit entries about them and the webhook deliveries that carried them: read once, shared by the export and
erasure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q

from diplomas.models import Diploma
from mobility.foundation.models import WebhookDelivery
from students.models import Continuation, CorrectionRequest, Enrollment, ModuleResult, Student


@dataclass
class _Related:
    """The rows about one student, read once with a fixed number of queries, shared by the export and erasure."""

    student: Student
    enrollments: list[Enrollment]
    corrections: list[CorrectionRequest]
    user: Any = None
    by_type: dict[type, list[str]] = field(default_factory=dict)

    @property
    def results(self) -> list[ModuleResult]:
        return [result for enrollment in self.enrollments for result in enrollment.results.all()]

    @property
    def diplomas(self) -> list[Diploma]:
        return [diploma for enrollment in self.enrollments for diploma in enrollment.diplomas.all()]

    @property
    def continuations(self) -> list[Continuation]:
        return [item for enrollment in self.enrollments for item in enrollment.continuations.all()]


def _related(student: Student, *, lock: bool = False) -> _Related:
    students = Student.objects.select_related("home_institution", "user")
    if lock:
        students = students.select_for_update(of=("self",))
    student = students.get(pk=student.pk)
    enrollments = list(
        Enrollment.objects.filter(student=student)
        .select_related("cohort", "track")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=ModuleResult.objects.select_related("module").order_by(
                    "module__order", "module__code", "attempt"
                ),
            ),
            Prefetch("diplomas", queryset=Diploma.objects.order_by("requested_at", "id")),
            Prefetch(
                "continuations", queryset=Continuation.objects.select_related("university").order_by("applied_on", "id")
            ),
        )
        .order_by("applied_on", "id")
    )
    corrections = list(CorrectionRequest.objects.filter(student=student).order_by("created_at", "id"))
    related = _Related(student=student, enrollments=enrollments, corrections=corrections, user=student.user)
    related.by_type = {
        Student: [str(student.pk)],
        Enrollment: [str(item.pk) for item in enrollments],
        ModuleResult: [str(item.pk) for item in related.results],
        Continuation: [str(item.pk) for item in related.continuations],
        Diploma: [str(item.pk) for item in related.diplomas],
        CorrectionRequest: [str(item.pk) for item in corrections],
    }
    if related.user is not None:
        related.by_type[get_user_model()] = [str(related.user.pk)]
    return related


def _audit_query(related: _Related) -> Q:
    """Entries whose object is the student or one of their rows (enrollments, results, continuations, diplomas,
    correction requests, their user account), and entries where their own account acted."""
    types = ContentType.objects.get_for_models(*related.by_type)
    query = Q(pk__in=[])
    for model, ids in related.by_type.items():
        if ids:
            query |= Q(content_type=types[model], object_id__in=ids)
    if related.user is not None:
        query |= Q(actor_id=related.user.pk)
    return query


def _webhook_deliveries(student: Student):
    """Deliveries that carried the student: every event's ``data.student.id`` names them (students.events.student_data).
    Only the endpoints of their home institution receive events about them, which keeps the JSON lookup narrow."""
    return (
        WebhookDelivery.objects.filter(endpoint__institution_id=student.home_institution_id)
        .filter(payload__data__student__id=student.pk)
        .select_related("endpoint")
        .order_by("created_at", "id")
    )
