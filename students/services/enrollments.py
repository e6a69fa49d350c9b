"""The enrollment state machine: applications, admissions (places and quotas) and every status transition.

The enrollment state machine (DESIGN.md §3)::

    applied → admitted → enrolled → completed
    applied | admitted → rejected
    admitted | enrolled → withdrawn
    enrolled → failed

Every transition is a function below; each locks the row, checks the source state, writes the status and its
date, and appends an audit entry, all in one transaction. No other code writes ``Enrollment.status``. The table
``TRANSITIONS`` at the end is the one description of the machine: each transition's sources, date, reason, service,
labels and permission, from which the staff pages, the admin and the tests take their actions.
``enrollments_transition_many`` is the one loop that moves many enrollments.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.webhooks.services import webhook_endpoints_cached, webhooks_emit_many
from programs.models import AgreementQuota, Cohort, Module
from programs.participants import cohort_places_taken, quota_used
from programs.staff_notifications import quotas_nearly_full_notify
from students.events import enrollment_events

from ..models import Enrollment, Student
from ..notifications import enrollment_admitted_notify, enrollment_closed_notify
from ..selectors import completion_missing_modules
from ..staff_notifications import applications_received_notify
from .applications import application_refusal, duplicate_enrollment_error

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

S = Enrollment.Status


def enrollment_apply(
    *,
    student: Student,
    cohort: Cohort,
    by: Actor,
    source: str = Enrollment.Source.STAFF,
    applied_on: datetime.date | None = None,
    notes: str = "",
) -> Enrollment:
    """Create an application (status ``applied``) of a student to a cohort. Atomic.

    Refused when the cohort does not take applications or its application deadline has passed, when the student
    is not from the cohort's sending college, when the student already holds a current enrollment in the track, or
    when the student's personal data were erased.
    """
    applied_on = applied_on or timezone.localdate()
    refusal = application_refusal(student=student, cohort=cohort, applied_on=applied_on)
    if refusal is not None:
        raise refusal
    current = Enrollment.objects.filter(
        student=student,
        track_id=cohort.track_id,
        status__in=Enrollment.CURRENT_STATUSES,
    )
    duplicate = duplicate_enrollment_error(student=student, cohort=cohort)
    if current.exists():
        raise duplicate
    enrollment = Enrollment(
        student=student,
        cohort=cohort,
        track_id=cohort.track_id,
        source=source,
        applied_on=applied_on,
        notes=notes,
    )
    try:
        with transaction.atomic():
            enrollment.save()
            audit_record(
                actor=by,
                obj=enrollment,
                action="enrollment.apply",
                changes={"status": (None, S.APPLIED)},
            )
            if source in (Enrollment.Source.API, Enrollment.Source.PORTAL):
                # Each API request or portal nomination is its own batch; a roster import tells staff once for all
                # its rows (apply_roster).
                applications_received_notify(college=cohort.partner, count=1, source=source)
    except IntegrityError as exc:
        # A concurrent application for the same student and track won the race; the constraint refused this one.
        if current.exists():
            raise duplicate from exc
        raise
    return enrollment


def enrollment_admit(
    *,
    enrollment: Enrollment,
    by: Actor,
    note: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    """``applied → admitted``, when the cohort has room and the agreement's quota for the track and intake year has
    a place left. Atomic; the quota row and then the cohort row are locked, so that two admissions cannot take the
    last place together, whether of one cohort or of two cohorts sharing the quota (the loser is refused with
    ``quota_exhausted`` or ``cohort_full``). The student is told by e-mail after the commit."""
    with transaction.atomic():
        cohort, quota = _places_locked(enrollment.cohort_id)
        _check_places(cohort, quota)
        admitted = _transition(enrollment, S.ADMITTED, by=by, reason=note, on=on)
        enrollment_admitted_notify(enrollment=admitted)
        if quota is not None:
            quotas_nearly_full_notify(quota_ids=[quota.pk])
        return admitted


def enrollment_reject(*, enrollment: Enrollment, by: Actor, reason: str, on: datetime.date | None = None) -> Enrollment:
    """``applied | admitted → rejected``; a reason is required. Atomic."""
    return _transition(enrollment, S.REJECTED, by=by, reason=reason, on=on)


def enrollment_enroll(
    *,
    enrollment: Enrollment,
    by: Actor,
    note: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    """``admitted → enrolled``: the student starts studying. Atomic."""
    return _transition(enrollment, S.ENROLLED, by=by, reason=note, on=on)


def enrollment_withdraw(
    *, enrollment: Enrollment, by: Actor, reason: str, on: datetime.date | None = None
) -> Enrollment:
    """``admitted | enrolled → withdrawn``; a reason is required. Atomic."""
    return _transition(enrollment, S.WITHDRAWN, by=by, reason=reason, on=on)


def enrollment_fail(*, enrollment: Enrollment, by: Actor, reason: str, on: datetime.date | None = None) -> Enrollment:
    """``enrolled → failed``; a reason is required. Atomic."""
    return _transition(enrollment, S.FAILED, by=by, reason=reason, on=on)


def enrollment_complete(
    *,
    enrollment: Enrollment,
    by: Actor,
    note: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    """``enrolled → completed``, only when the completion rule holds (every required module of the track has a
    passing result). Otherwise refused with the missing modules in ``details["missing"]``. Atomic."""
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        refusal = enrollment_complete_refusal(enrollment=locked) if locked.status == S.ENROLLED else None
        if refusal is not None:
            raise refusal
        return _transition(enrollment, S.COMPLETED, by=by, reason=note, on=on)


def enrollment_complete_refusal(*, enrollment: Enrollment) -> DomainError | None:
    """Why ``enrollment_complete`` refuses an enrolled enrollment now, or None when it would complete it: the
    completion rule (``completion_missing_modules``), with how many required modules are passed and which are
    missing. The service raises what this returns; the staff pages ask it before offering the button, and show
    its message instead. Reads only (two queries)."""
    missing = list(completion_missing_modules(enrollment=enrollment).values_list("code", flat=True))
    if not missing:
        return None
    required = Module.objects.filter(track_id=enrollment.track_id, is_required=True).count()
    return DomainError(
        _("%(passed)s of %(required)s required modules passed; missing: %(modules)s.")
        % {"passed": required - len(missing), "required": required, "modules": ", ".join(missing)},
        code="not_eligible",
        details={"missing": missing},
    )


def _transition(
    enrollment: Enrollment,
    target: str,
    *,
    by: Actor,
    reason: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    entry = TRANSITIONS[target]
    sources, date_field = entry.sources, entry.date_field
    if entry.reason_required and not reason.strip():
        raise DomainError(_("A reason is required."), code="reason_required", field="reason")
    with transaction.atomic():
        # The student and cohort come along for the partner's webhook (same query; only the enrollment is locked).
        locked = (
            Enrollment.objects.select_for_update(of=("self",)).select_related("student", "cohort").get(pk=enrollment.pk)
        )
        old = locked.status
        if old not in sources:
            raise DomainError(
                _("An enrollment in status “%(old)s” cannot become “%(new)s”.")
                % {"old": S(old).label, "new": S(target).label},
                code="invalid_transition",
                details={"from": old, "to": target},
            )
        day = on or timezone.localdate()
        earliest = max(d for d in (locked.applied_on, locked.admitted_on, locked.enrolled_on) if d is not None)
        if day < earliest:
            raise DomainError(
                _("The date %(day)s is before the enrollment's previous step (%(earliest)s).")
                % {"day": day.isoformat(), "earliest": earliest.isoformat()},
                code="date_out_of_order",
                field="on",
            )
        locked.status = target
        setattr(locked, date_field, day)
        locked.status_reason = reason.strip()
        locked.save(update_fields=["status", date_field, "status_reason", "modified_at"])
        audit_record(
            actor=by,
            obj=locked,
            action=f"enrollment.{target}",
            changes={"status": (old, target), date_field: (None, day.isoformat())},
            reason=reason.strip(),
        )
        webhooks_emit_many(events=enrollment_events(enrollment=locked, previous_status=old))
        enrollment_closed_notify(enrollment=locked)  # rejected, withdrawn, failed: the student is told
    # The caller's instance reflects the new state too.
    for field in ("status", date_field, "status_reason", "modified_at"):
        setattr(enrollment, field, getattr(locked, field))
    return enrollment


def _places_locked(cohort_id: int) -> tuple[Cohort, AgreementQuota | None]:
    """Lock the places an admission takes: the agreement's quota for the cohort's track and intake year (when the
    cohort has an agreement and that quota exists), then the cohort. Always in that order, in every transaction that
    locks both, so that two admissions never hold one each while waiting for the other (a deadlock). The cohort is
    read first without a lock to find its quota; if it moved to another agreement, track or year in between, the
    quota of its new key is locked too."""
    key: tuple[int | None, int, datetime.date] = (
        Cohort.objects.filter(pk=cohort_id).values_list("agreement_id", "track_id", "start_date").get()
    )
    while True:
        agreement_id, track_id, start_date = key
        quota = None
        if agreement_id is not None:
            quota = (
                AgreementQuota.objects.select_for_update()
                .filter(agreement_id=agreement_id, track_id=track_id, year=start_date.year)
                .first()
            )
        cohort = Cohort.objects.select_for_update().get(pk=cohort_id)
        locked_key = (cohort.agreement_id, cohort.track_id, cohort.start_date)
        if (locked_key[0], locked_key[1], locked_key[2].year) == (agreement_id, track_id, start_date.year):
            return cohort, quota
        key = locked_key


def _check_places(cohort: Cohort, quota: AgreementQuota | None) -> None:
    """Refuse an admission to a full cohort, to a cohort under an agreement with no quota for its track and year, or
    when that quota is used up. ``quota`` is the cohort's quota row, locked by ``_places_locked``."""
    taken = cohort_places_taken(cohort)
    if taken >= cohort.capacity:
        raise DomainError(
            _("Cohort %(cohort)s is full (%(capacity)d places).")
            % {"cohort": cohort.code, "capacity": cohort.capacity},
            code="cohort_full",
        )
    if cohort.agreement_id is None:
        return
    if quota is None:
        raise DomainError(
            _("Agreement %(agreement)s has no quota for %(track)s in %(year)d.")
            % {
                "agreement": cohort.agreement.number,  # type: ignore[union-attr]  # agreement_id checked above
                "track": cohort.track.code,
                "year": cohort.intake_year,
            },
            code="quota_missing",
        )
    used = quota_used(quota)
    if used >= quota.places:
        raise DomainError(
            _("The quota of agreement %(agreement)s for %(track)s in %(year)d is used up (%(used)d of %(places)d).")
            % {
                "agreement": cohort.agreement.number,  # type: ignore[union-attr]  # agreement_id checked above
                "track": cohort.track.code,
                "year": quota.year,
                "used": used,
                "places": quota.places,
            },
            code="quota_exhausted",
        )


# --- the table: every transition and what the product says and checks about it ----------------------------------


@dataclass(frozen=True)
class Transition:
    """One transition of the state machine. The services check ``sources``, ``date_field`` and ``reason_required``;
    the staff pages, the admin and the tests take their buttons, actions, messages and permissions from here."""

    name: str  # the verb: the staff page's URL segment, the admin action, the list's bulk choice
    target: str
    sources: tuple[str, ...]
    date_field: str  # the enrollment's date the transition writes
    service: Callable[..., Enrollment]
    label: StrOrPromise  # the button
    done: StrOrPromise  # the confirmation ("Admitted 3")
    selected_label: StrOrPromise  # the admin's action on the selected rows
    style: str  # the button's colour, a Bootstrap contextual class
    reason_required: bool = False  # a reason (kept on the enrollment and in the audit log), else an optional note
    permission: str = "students.change_enrollment"
    in_list: bool = False  # offered by the student list's bulk form, which selects applications only

    refusal: Callable[..., DomainError | None] | None = None  # why the service would refuse now (None: it would not)

    def allows(self, status: str) -> bool:
        return status in self.sources

    def refusal_for(self, enrollment: Enrollment) -> DomainError | None:
        """Why the service would refuse this enrollment now (its own check), or None."""
        return self.refusal(enrollment=enrollment) if self.refusal else None

    def run(self, enrollment: Enrollment, *, by: Actor, text: str = "", on: datetime.date | None = None) -> Enrollment:
        """Call the service; ``text`` is its reason or its note."""
        key = "reason" if self.reason_required else "note"
        return self.service(enrollment=enrollment, by=by, on=on, **{key: text})


# By target status, in the order of the buttons.
TRANSITIONS: dict[str, Transition] = {
    transition.target: transition
    for transition in (
        Transition(
            name="admit",
            target=S.ADMITTED,
            sources=(S.APPLIED,),
            date_field="admitted_on",
            service=enrollment_admit,
            label=gettext_lazy("Admit"),
            done=gettext_lazy("Admitted"),
            selected_label=gettext_lazy("Admit the selected applicants"),
            style="success",
            in_list=True,
        ),
        Transition(
            name="enroll",
            target=S.ENROLLED,
            sources=(S.ADMITTED,),
            date_field="enrolled_on",
            service=enrollment_enroll,
            label=gettext_lazy("Enroll"),
            done=gettext_lazy("Enrolled"),
            selected_label=gettext_lazy("Enroll the selected admitted students"),
            style="primary",
            in_list=True,
        ),
        Transition(
            name="complete",
            target=S.COMPLETED,
            sources=(S.ENROLLED,),
            date_field="completed_on",
            service=enrollment_complete,
            refusal=enrollment_complete_refusal,
            label=gettext_lazy("Complete"),
            done=gettext_lazy("Completed"),
            selected_label=gettext_lazy("Complete the selected enrollments"),
            style="success",
        ),
        Transition(
            name="reject",
            target=S.REJECTED,
            sources=(S.APPLIED, S.ADMITTED),
            date_field="closed_on",
            reason_required=True,
            service=enrollment_reject,
            label=gettext_lazy("Reject"),
            done=gettext_lazy("Rejected"),
            selected_label=gettext_lazy("Reject the selected applications…"),
            style="danger",
            in_list=True,
        ),
        Transition(
            name="withdraw",
            target=S.WITHDRAWN,
            sources=(S.ADMITTED, S.ENROLLED),
            date_field="closed_on",
            reason_required=True,
            service=enrollment_withdraw,
            label=gettext_lazy("Withdraw"),
            done=gettext_lazy("Withdrawn"),
            selected_label=gettext_lazy("Withdraw the selected enrollments…"),
            style="warning",
        ),
        Transition(
            name="fail",
            target=S.FAILED,
            sources=(S.ENROLLED,),
            date_field="closed_on",
            reason_required=True,
            service=enrollment_fail,
            label=gettext_lazy("Record as failed"),
            done=gettext_lazy("Recorded as failed"),
            selected_label=gettext_lazy("Record the selected enrollments as failed…"),
            style="danger",
        ),
    )
}
TRANSITIONS_BY_NAME: dict[str, Transition] = {transition.name: transition for transition in TRANSITIONS.values()}


# --- many at once -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionOutcome:
    """What ``enrollments_transition_many`` did: the enrollments moved and the refused ones with the service's
    refusal, both in the order given."""

    transition: Transition
    done: list[Enrollment]
    refused: list[tuple[Enrollment, DomainError]]

    @property
    def refused_by_id(self) -> dict[int, DomainError]:
        return {enrollment.pk: error for enrollment, error in self.refused}


def enrollments_transition_many(
    *,
    enrollments: Iterable[Enrollment],
    target: str,
    by: Actor,
    reason: str = "",
    on: datetime.date | None = None,
) -> TransitionOutcome:
    """Move each enrollment to ``target`` with the transition's service, ``reason`` being its reason or its note;
    a refusal is reported, never raised.

    Each enrollment moves in its own transaction, not all in one: one student's step is a fact of its own (audited,
    announced to the partner), and one refusal (a wrong status, a full quota, a missing module) must not undo or hold
    back the others; nothing is half-written, since each call is atomic. The quota check of ``enrollment_admit``
    makes a batch of admissions stop at the quota by itself. Safe to run twice: an enrollment already moved is
    refused (``invalid_transition``) and left as it is.
    """
    transition = TRANSITIONS[target]
    done: list[Enrollment] = []
    refused: list[tuple[Enrollment, DomainError]] = []
    with webhook_endpoints_cached():  # the partners' webhook endpoints are read once, not per enrollment
        for enrollment in enrollments:
            try:
                done.append(transition.run(enrollment, by=by, text=reason, on=on))
            except DomainError as error:
                refused.append((enrollment, error))
    return TransitionOutcome(transition=transition, done=done, refused=refused)


def enrollments_complete_many(
    *, enrollments: Iterable[Enrollment], by: Actor, on: datetime.date | None = None
) -> tuple[list[Enrollment], dict[int, DomainError]]:
    """``enrollments_transition_many`` to ``completed``: the completed enrollments and the refusals by id."""
    outcome = enrollments_transition_many(enrollments=enrollments, target=S.COMPLETED, by=by, on=on)
    return outcome.done, outcome.refused_by_id
