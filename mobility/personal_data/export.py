"""The export of a student's personal data: everything held about them as one document of plain JSON values
(``student_personal_data``), and ``student_data_export``, which checks the permission and records who exported."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from diplomas.models import Diploma
from mobility.foundation.audit import audit_entry_build
from mobility.foundation.models import AuditEntry
from mobility.foundation.transfers.models import Transfer
from students.models import Consent, Continuation, Enrollment, MessageRecipient, ModuleResult, Student

from .related import _audit_query, _related, _webhook_deliveries
from .rules import EXPORT_FORMAT, EXPORT_FORMATS, NAME_FIELDS, may_export_personal_data


def _iso(value) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _audit_dict(entry: AuditEntry, types: dict[int, str]) -> dict[str, Any]:
    return {
        "at": _iso(entry.at),
        "actor": entry.actor_label,
        "object_type": types.get(entry.content_type_id, ""),
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "action": entry.action,
        "changes": entry.changes,
        "reason": entry.reason,
    }


def student_personal_data(*, student: Student) -> dict[str, Any]:
    """Everything held about the student, as plain JSON values (ISO dates, decimal strings), stable keys.

    Never the password hash. A fixed number of queries, whatever the number of enrollments, results or entries.
    Each enrollment carries its own ``history`` (audit entries about it, its results, diplomas and continuations);
    ``audit_log`` holds the rest (the student record, their account, their correction requests, what they did).
    """
    related = _related(student)
    student = related.student
    types = {
        ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.get_for_models(*related.by_type).values()
    }
    entries = list(AuditEntry.objects.filter(_audit_query(related)).order_by("at", "id"))
    object_type_of = {
        (ContentType.objects.get_for_model(model).pk, pk): model for model, ids in related.by_type.items() for pk in ids
    }
    enrollment_of: dict[tuple[type, str], int] = {}
    for enrollment in related.enrollments:
        enrollment_of[(Enrollment, str(enrollment.pk))] = enrollment.pk
        for result in enrollment.results.all():
            enrollment_of[(ModuleResult, str(result.pk))] = enrollment.pk
        for diploma in enrollment.diplomas.all():
            enrollment_of[(Diploma, str(diploma.pk))] = enrollment.pk
        for continuation in enrollment.continuations.all():
            enrollment_of[(Continuation, str(continuation.pk))] = enrollment.pk
    history: dict[int, list[dict]] = {enrollment.pk: [] for enrollment in related.enrollments}
    audit_log: list[dict] = []
    for entry in entries:
        model = object_type_of.get((entry.content_type_id, entry.object_id))
        enrollment_pk = enrollment_of.get((model, entry.object_id)) if model is not None else None
        (history[enrollment_pk] if enrollment_pk else audit_log).append(_audit_dict(entry, types))

    user = related.user
    account = {
        "language": student.language,
        "invited_at": _iso(student.invited_at),
        "user": None
        if user is None
        else {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
        },
    }
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(timezone.now()),
        "student": {
            "id": student.pk,
            "created_at": _iso(student.created_at),
            "modified_at": _iso(student.modified_at),
            "erased_at": _iso(student.erased_at),
            "home_institution": {
                "id": student.home_institution_id,
                "code": student.home_institution.code,
                "name": str(student.home_institution),
            },
            "home_student_id": student.home_student_id,
            "home_specialty": student.home_specialty,
            **{name: getattr(student, name) for name in NAME_FIELDS},
            "sex": student.sex,
            "citizenship": student.citizenship,
            "birth_date": _iso(student.birth_date),
            "passport_number": student.passport_number,
            "passport_issued_on": _iso(student.passport_issued_on),
            "passport_expires_on": _iso(student.passport_expires_on),
            "email": student.email,
            "phone": student.phone,
        },
        "account": account,
        "enrollments": [_enrollment_dict(enrollment, history[enrollment.pk]) for enrollment in related.enrollments],
        "correction_requests": [
            {
                "id": item.pk,
                "created_at": _iso(item.created_at),
                "status": item.status,
                "message": item.message,
                "answer": item.answer,
                "closed_at": _iso(item.closed_at),
            }
            for item in related.corrections
        ],
        # What the office wrote to the student (students.messaging): the version they got, the e-mail, the reading.
        "messages": [
            {
                "id": item.pk,
                "sent_at": _iso(item.message.sent_at),
                "language": item.language,
                "subject": item.subject,
                "text": item.body,
                "email": item.email,
                "email_status": item.email_status,
                "emailed_at": _iso(item.emailed_at),
                "read_at": _iso(item.read_at),
            }
            for item in MessageRecipient.objects.filter(student=student).select_related("message").order_by("id")
        ],
        "webhook_deliveries": [
            {
                "id": delivery.pk,
                "event": delivery.event,
                "event_id": str(delivery.event_id),
                "url": delivery.endpoint.url,
                "created_at": _iso(delivery.created_at),
                "status": delivery.status,
                "delivered_at": _iso(delivery.delivered_at),
                "data": (delivery.payload or {}).get("data"),
            }
            for delivery in _webhook_deliveries(student)
        ],
        # Every decision about a consent (students.consent), and every transfer across the border that carried the
        # student's data (the register, mobility.foundation.transfers): what 152-FZ and PIPL let them ask for.
        "consents": [
            {
                "purpose": item.purpose,
                "version": item.text.version,
                "decision": item.decision,
                "given_by": item.given_by,
                "channel": item.channel,
                "language": item.language,
                "text_sha256": item.text_sha256,
                "at": _iso(item.at),
                "collected_on": _iso(item.collected_on),
                "ip": item.ip,
                "current": item.current,
            }
            for item in Consent.objects.filter(student=student).select_related("text").order_by("at", "id")
        ],
        "transfers": [
            {
                "at": _iso(item.at),
                "direction": item.direction,
                "channel": item.channel,
                "institution": item.institution.code if item.institution else None,
                "categories": item.categories,
                "reference": item.reference,
            }
            for item in Transfer.objects.filter(subjects__student_id=student.pk)
            .select_related("institution")
            .order_by("at", "id")
        ],
        "audit_log": audit_log,
    }


def _enrollment_dict(enrollment: Enrollment, history: list[dict]) -> dict[str, Any]:
    return {
        "id": enrollment.pk,
        "cohort": {"id": enrollment.cohort_id, "code": enrollment.cohort.code, "name": enrollment.cohort.name},
        "track": {"id": enrollment.track_id, "code": enrollment.track.code, "name": enrollment.track.name_en},
        "status": enrollment.status,
        "source": enrollment.source,
        **{name: _iso(getattr(enrollment, name)) for name in Enrollment.DATE_FIELDS},
        "status_reason": enrollment.status_reason,
        "notes": enrollment.notes,
        "results": [
            {
                "id": result.pk,
                "module": {"id": result.module_id, "code": result.module.code},
                "attempt": result.attempt,
                "score": _iso(result.score),
                "grade": result.grade,
                "passed": result.passed,
                "assessed_on": _iso(result.assessed_on),
                "source": result.source,
            }
            for result in enrollment.results.all()
        ],
        "continuations": [
            {
                "id": item.pk,
                "university": str(item.university),
                "program_code": item.program_code,
                "program_name": item.program_name,
                "applied_on": _iso(item.applied_on),
                "decision": item.decision,
                "decided_on": _iso(item.decided_on),
            }
            for item in enrollment.continuations.all()
        ],
        "diplomas": [
            {
                "id": diploma.pk,
                "number": diploma.number,
                "status": diploma.status,
                "requested_at": _iso(diploma.requested_at),
                "issued_at": _iso(diploma.issued_at),
                "revoked_at": _iso(diploma.revoked_at),
                "revoked_reason": diploma.revoked_reason,
                "sha256": diploma.sha256,
                "verification_url": diploma.verification_url
                if diploma.status in (Diploma.Status.ISSUED, Diploma.Status.REVOKED)
                else None,
            }
            for diploma in enrollment.diplomas.all()
        ],
        "history": history,
    }


def student_data_export(*, student: Student, by, fmt: str = "json") -> dict[str, Any]:
    """The student's personal data (``student_personal_data``) for ``by``, who must hold ``EXPORT_PERMISSIONS``
    (``PermissionDenied`` otherwise), and one audit entry ``student.personal_data_export`` naming who and which
    format, never the data. Reads and that one insert; safe to call any number of times."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if not may_export_personal_data(by):
        raise PermissionDenied
    data = student_personal_data(student=student)
    entry = audit_entry_build(
        actor=by,
        obj=student,
        action="student.personal_data_export",
        changes={"format": (None, fmt)},
        object_repr=f"student #{student.pk}",
    )
    entry.save()
    return data
