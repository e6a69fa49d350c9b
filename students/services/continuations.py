"""Continuations: a completed student's applications to a bachelor's program and their decisions."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from programs.models import Institution

from ..models import Continuation, Enrollment

S = Enrollment.Status

CONTINUATION_FIELDS = ("university", "program_code", "program_name", "applied_on", "decision", "decided_on")


def _check_continuation_decision(
    decision: str, decided_on: datetime.date | None, applied_on: datetime.date
) -> datetime.date | None:
    """The date a decision keeps: none while pending; required, and not before the application, otherwise."""
    if decision not in Continuation.Decision.values:
        raise DomainError(_("Unknown decision."), code="invalid", field="decision")
    if decision == Continuation.Decision.PENDING:
        return None
    if decided_on is None:
        raise DomainError(_("Give the date of the decision."), code="required", field="decided_on")
    if decided_on < applied_on:
        raise DomainError(
            _("The decision cannot come before the application (%(day)s).") % {"day": applied_on.isoformat()},
            code="date_out_of_order",
            field="decided_on",
        )
    return decided_on


def _continuation_label(continuation: Continuation) -> str:
    return f"continuation {continuation.program_code}@{continuation.university.code}"


def continuation_record(*, enrollment: Enrollment, by: Actor, data: dict) -> Continuation:
    """Record a completed student's application to a bachelor's program (``data``: ``CONTINUATION_FIELDS``).

    Atomic; the enrollment row is locked and must be ``completed``. The university must be a host institution; a
    decision other than pending needs its date, not before the application; the same program at the same university
    is recorded once per enrollment (refused on ``program_code``). One audit entry on the enrollment.
    """
    unknown = set(data) - set(CONTINUATION_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be written here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    university = data["university"]
    if university.kind != Institution.Kind.HOST:
        raise DomainError(
            _("%(institution)s is not a host university.") % {"institution": university},
            code="not_host",
            field="university",
        )
    decision = data.get("decision") or Continuation.Decision.PENDING
    decided_on = _check_continuation_decision(decision, data.get("decided_on"), data["applied_on"])
    code = data["program_code"].strip()
    duplicate = DomainError(
        _("An application to %(code)s at %(university)s is already recorded for this enrollment.")
        % {"code": code, "university": university},
        code="duplicate_continuation",
        field="program_code",
    )
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if locked.status != S.COMPLETED:
            raise DomainError(
                _("Only a completed enrollment can continue to a bachelor's program (this one is “%(status)s”).")
                % {"status": locked.get_status_display()},
                code="not_completed",
            )
        others = Continuation.objects.filter(enrollment=locked, university=university, program_code=code)
        if others.exists():
            raise duplicate
        continuation = Continuation(
            enrollment=locked,
            university=university,
            program_code=code,
            program_name=data["program_name"].strip(),
            applied_on=data["applied_on"],
            decision=decision,
            decided_on=decided_on,
        )
        try:
            with transaction.atomic():
                continuation.save()
        except IntegrityError as exc:
            raise duplicate from exc
        label = _continuation_label(continuation)
        audit_record(
            actor=by,
            obj=locked,
            action="continuation.record",
            changes={
                f"{label}.{field}": (None, getattr(continuation, field))
                for field in ("program_name", "applied_on", "decision", "decided_on")
                if getattr(continuation, field) not in (None, "")
            },
        )
    return continuation


def continuation_decide(
    *, continuation: Continuation, by: Actor, decision: str, decided_on: datetime.date | None = None
) -> Continuation:
    """Record (or correct) the decision on an application: ``pending``, ``accepted``, ``rejected`` or ``withdrawn``.

    Atomic and idempotent: the row is locked, and the same decision and date again write nothing and no audit entry.
    A decision other than pending needs its date, not before the application; pending clears the date.
    """
    with transaction.atomic():
        locked = (
            Continuation.objects.select_for_update()
            .select_related("university", "enrollment__student", "enrollment__cohort")
            .get(pk=continuation.pk)
        )
        day = _check_continuation_decision(decision, decided_on, locked.applied_on)
        changes = {
            field: (getattr(locked, field), value)
            for field, value in (("decision", decision), ("decided_on", day))
            if getattr(locked, field) != value
        }
        if changes:
            locked.decision, locked.decided_on = decision, day
            locked.save(update_fields=["decision", "decided_on", "modified_at"])
            label = _continuation_label(locked)
            audit_record(
                actor=by,
                obj=locked.enrollment,
                action="continuation.decide",
                changes={f"{label}.{field}": pair for field, pair in changes.items()},
            )
    continuation.decision, continuation.decided_on = locked.decision, locked.decided_on
    return locked
