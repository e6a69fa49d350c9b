"""Writes about students: applications, the enrollment state machine and module results.

The enrollment state machine (DESIGN.md §3)::

    applied → admitted → enrolled → completed
    applied | admitted → rejected
    admitted | enrolled → withdrawn
    enrolled → failed

Every transition is a function below; each locks the row, checks the source state, writes the status and its
date, and appends an audit entry, all in one transaction. No other code writes ``Enrollment.status``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.access import can_view_sensitive
from mobility.audit import Actor, audit_record
from mobility.exceptions import DomainError
from programs.models import AgreementQuota, Cohort, Institution, Module, Track

from .models import Continuation, Enrollment, ModuleResult, Student
from .selectors import completion_missing_modules

S = Enrollment.Status

# target status → (allowed source statuses, date field written, reason required)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    S.ADMITTED: ((S.APPLIED,), "admitted_on", False),
    S.REJECTED: ((S.APPLIED, S.ADMITTED), "closed_on", True),
    S.ENROLLED: ((S.ADMITTED,), "enrolled_on", False),
    S.WITHDRAWN: ((S.ADMITTED, S.ENROLLED), "closed_on", True),
    S.FAILED: ((S.ENROLLED,), "closed_on", True),
    S.COMPLETED: ((S.ENROLLED,), "completed_on", False),
}


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
    is not from the cohort's sending college, or when the student already holds a current enrollment in the track.
    """
    applied_on = applied_on or timezone.localdate()
    if cohort.application_deadline and applied_on > cohort.application_deadline:
        raise DomainError(
            _("The application deadline of cohort %(cohort)s was %(deadline)s.")
            % {"cohort": cohort.code, "deadline": cohort.application_deadline.isoformat()},
            code="deadline_passed",
            field="cohort",
        )
    if not cohort.accepts_applications:
        raise DomainError(
            _("Cohort %(cohort)s does not accept applications.") % {"cohort": cohort.code},
            code="cohort_closed",
            field="cohort",
        )
    if student.home_institution_id != cohort.partner_id:
        raise DomainError(
            _("The student's home institution is not the sending college of cohort %(cohort)s.")
            % {"cohort": cohort.code},
            code="wrong_partner",
            field="cohort",
        )
    current = Enrollment.objects.filter(
        student=student,
        track_id=cohort.track_id,
        status__in=Enrollment.CURRENT_STATUSES,
    )
    duplicate = DomainError(
        _("%(student)s already has a current enrollment in the track %(track)s.")
        % {"student": student, "track": cohort.track},
        code="duplicate_enrollment",
        field="student",
    )
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
    a place left. Atomic; the cohort row is locked so that two admissions cannot take the last place together."""
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=enrollment.cohort_id)
        _check_places(cohort)
        return _transition(enrollment, S.ADMITTED, by=by, reason=note, on=on)


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
        missing = list(completion_missing_modules(enrollment=locked).values_list("code", flat=True))
        if missing and locked.status == S.ENROLLED:
            raise DomainError(
                _("Not every required module is passed; missing: %(modules)s.") % {"modules": ", ".join(missing)},
                code="not_eligible",
                details={"missing": missing},
            )
        return _transition(enrollment, S.COMPLETED, by=by, reason=note, on=on)


def _transition(
    enrollment: Enrollment,
    target: str,
    *,
    by: Actor,
    reason: str = "",
    on: datetime.date | None = None,
) -> Enrollment:
    sources, date_field, reason_required = TRANSITIONS[target]
    if reason_required and not reason.strip():
        raise DomainError(_("A reason is required."), code="reason_required", field="reason")
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
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
    # The caller's instance reflects the new state too.
    for field in ("status", date_field, "status_reason", "modified_at"):
        setattr(enrollment, field, getattr(locked, field))
    return enrollment


def _check_places(cohort: Cohort) -> None:
    taken = Enrollment.objects.filter(cohort=cohort, status__in=Enrollment.PLACE_STATUSES).count()
    if taken >= cohort.capacity:
        raise DomainError(
            _("Cohort %(cohort)s is full (%(capacity)d places).")
            % {"cohort": cohort.code, "capacity": cohort.capacity},
            code="cohort_full",
        )
    if cohort.agreement_id is None:
        return
    quota = AgreementQuota.objects.filter(
        agreement_id=cohort.agreement_id,
        track_id=cohort.track_id,
        year=cohort.intake_year,
    ).first()
    if quota is None:
        raise DomainError(
            _("Agreement %(agreement)s has no quota for %(track)s in %(year)d.")
            % {
                "agreement": cohort.agreement.number,
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
                "agreement": cohort.agreement.number,
                "track": cohort.track.code,
                "year": quota.year,
                "used": used,
                "places": quota.places,
            },
            code="quota_exhausted",
        )


def quota_used(quota: AgreementQuota) -> int:
    """Places of a quota taken: admitted, enrolled or completed students in the agreement's cohorts of the quota's
    track that start in the quota's year."""
    return Enrollment.objects.filter(
        cohort__agreement_id=quota.agreement_id,
        track_id=quota.track_id,
        cohort__start_date__year=quota.year,
        status__in=Enrollment.PLACE_STATUSES,
    ).count()


def grade_for_score(*, track: Track, module: Module, score: Decimal) -> str:
    """The grade of a 0–100 score on the track's scale (pass/fail for credit modules)."""
    G = ModuleResult.Grade
    if module.assessment_kind == Module.AssessmentKind.CREDIT:
        return G.PASS if score >= track.pass_score else G.FAIL
    if score >= track.excellent_score:
        return G.EXCELLENT
    if score >= track.good_score:
        return G.GOOD
    if score >= track.pass_score:
        return G.SATISFACTORY
    return G.UNSATISFACTORY


def result_record(
    *,
    enrollment: Enrollment,
    module: Module,
    by: Actor,
    assessed_on: datetime.date,
    score: Decimal | None = None,
    grade: str | None = None,
    attempt: int = 1,
    source: str = ModuleResult.Source.MANUAL,
) -> ModuleResult:
    """Record (or correct) the result of one attempt of a module. Atomic and idempotent: recording the same
    values again changes nothing and writes no audit entry.

    Either ``grade`` or ``score`` must be given; a missing grade is derived from the score on the track's scale.
    Results are recorded only for enrolled students and only for modules of the enrollment's track.
    """
    if module.track_id != enrollment.track_id:
        raise DomainError(
            _("Module %(module)s is not part of the track of this enrollment.") % {"module": module.code},
            code="wrong_track",
            field="module",
        )
    if enrollment.status != S.ENROLLED:
        raise DomainError(
            _("Results can be recorded only for enrolled students (this enrollment is “%(status)s”).")
            % {"status": enrollment.get_status_display()},
            code="not_enrolled",
        )
    if grade is None:
        if score is None:
            raise DomainError(_("Give a score or a grade."), code="required", field="score")
        grade = grade_for_score(track=enrollment.track, module=module, score=Decimal(score))
    with transaction.atomic():
        result = (
            ModuleResult.objects.select_for_update()
            .filter(enrollment=enrollment, module=module, attempt=attempt)
            .first()
        )
        new_values = {
            "score": None if score is None else Decimal(score),
            "grade": grade,
            "assessed_on": assessed_on,
            "source": source,
        }
        if result is None:
            result = ModuleResult.objects.create(
                enrollment=enrollment,
                module=module,
                attempt=attempt,
                recorded_by=_user_or_none(by),
                **new_values,
            )
            changes = {field: (None, value) for field, value in new_values.items()}
            action = "result.record"
        else:
            changes = {
                field: (getattr(result, field), value)
                for field, value in new_values.items()
                if getattr(result, field) != value
            }
            if not changes:
                return result
            for field, value in new_values.items():
                setattr(result, field, value)
            result.recorded_by = _user_or_none(by)
            result.save()
            action = "result.change"
        audit_record(
            actor=by,
            obj=enrollment,
            action=action,
            changes={f"{module.code}#{attempt}.{field}": pair for field, pair in changes.items()},
        )
    return result


def _user_or_none(actor: Actor) -> AbstractBaseUser | None:
    return actor if isinstance(actor, AbstractBaseUser) else None


# --- students ---------------------------------------------------------------------------------------------------

# Fields staff may write on a student through the staff pages (the user account is linked by the portal's invitation).
STUDENT_EDITABLE_FIELDS = (
    "home_institution",
    "home_student_id",
    "home_specialty",
    "family_name_han",
    "given_name_han",
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "sex",
    "citizenship",
    "email",
    "phone",
    *Student.SENSITIVE_FIELDS,
)
# The audit log is readable by every office user; passport data is not, so its values are not copied there.
_REDACTED = "***"


def _check_student_data(data: dict, by: Actor) -> None:
    unknown = set(data) - set(STUDENT_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be written here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    sensitive = set(data) & set(Student.SENSITIVE_FIELDS)
    if sensitive and not can_view_sensitive(by):
        raise DomainError(
            _("Only staff with the sensitive-data permission may change passport data and the birth date."),
            code="sensitive_forbidden",
            field=sorted(sensitive)[0],
        )


def _student_audit_value(field: str, value):
    return _REDACTED if field in Student.SENSITIVE_FIELDS and value not in (None, "") else value


def _save_student(student: Student, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                student.save()
            else:
                student.save(update_fields=fields)
    except IntegrityError as exc:
        clash = Student.objects.exclude(pk=student.pk)
        if clash.filter(home_institution_id=student.home_institution_id, home_student_id=student.home_student_id):
            raise DomainError(
                _("Another student of this institution has the home student id %(id)s.")
                % {"id": student.home_student_id},
                code="duplicate_home_id",
                field="home_student_id",
            ) from exc
        if student.email and clash.filter(email__iexact=student.email).exists():
            raise DomainError(
                _("Another student has the e-mail %(email)s.") % {"email": student.email},
                code="duplicate_email",
                field="email",
            ) from exc
        raise


def student_create(*, by: Actor, data: dict) -> Student:
    """Create a student from ``data`` (field → value, fields of ``STUDENT_EDITABLE_FIELDS``) and audit it. Atomic.

    Passport data and the birth date are accepted only from holders of ``students.view_sensitive``; their values are
    not copied into the audit log. A duplicate home id or e-mail is refused with a ``DomainError`` on that field.
    """
    _check_student_data(data, by)
    student = Student(**data)
    with transaction.atomic():
        _save_student(student)
        audit_record(
            actor=by,
            obj=student,
            action="student.create",
            changes={
                field: (None, _student_audit_value(field, value))
                for field, value in data.items()
                if value not in (None, "")
            },
        )
    return student


def student_update(*, student: Student, by: Actor, data: dict) -> Student:
    """Change a student's data; the audit entry lists each changed field old → new (passport values redacted).

    Atomic; the row is locked and compared with what the database holds, so an unchanged form writes nothing and
    no audit entry. Sensitive fields only from holders of ``students.view_sensitive``.
    """
    _check_student_data(data, by)
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        changes = {}
        for field, value in data.items():
            attname = Student._meta.get_field(field).attname
            old = getattr(locked, attname)
            new = value.pk if hasattr(value, "pk") else value
            if old != new:
                changes[field] = (_student_audit_value(field, old), _student_audit_value(field, new))
                setattr(locked, attname, new)
        if changes:
            _save_student(locked, fields=[*(Student._meta.get_field(f).attname for f in changes), "modified_at"])
            audit_record(actor=by, obj=locked, action="student.change", changes=changes)
    for field in Student._meta.concrete_fields:
        setattr(student, field.attname, getattr(locked, field.attname))
    return locked


# --- results of a cohort at once, completion of many, continuation to a bachelor's program ----------------------


@dataclass(frozen=True)
class GridCell:
    """One edited cell of a cohort's results grid: a score for a module of an enrollment.

    ``new_attempt`` asks for attempt n+1 (allowed only when the latest attempt failed); otherwise the latest attempt
    is corrected, or attempt 1 recorded when there is none.
    """

    enrollment_id: int
    module: Module
    score: Decimal
    new_attempt: bool = False

    @property
    def key(self) -> str:
        return f"{self.enrollment_id}:{self.module.pk}"


MAX_ATTEMPTS = 10


def results_record_grid(*, cells: Iterable[GridCell], by: Actor, assessed_on: datetime.date) -> list[ModuleResult]:
    """Record the scores of a results grid with ``result_record``, all or nothing.

    One transaction: when any cell is refused (not enrolled, a retake of a passed module, too many attempts), the
    whole grid is rolled back and a ``DomainError`` (code ``grid_refused``) carries every refusal in
    ``details["errors"]`` (``GridCell.key`` → message), so the page can show them at their cells. The enrollments are
    locked first, so the attempt each cell writes (the latest, or latest + 1) is read under the lock.
    Idempotent per cell as ``result_record`` is: the same score on the same attempt writes nothing.
    """
    cells = list(cells)
    if not cells:
        return []
    errors: dict[str, str] = {}
    saved: list[ModuleResult] = []
    with transaction.atomic():
        ids = sorted({cell.enrollment_id for cell in cells})
        enrollments = {
            enrollment.pk: enrollment
            for enrollment in Enrollment.objects.select_for_update().select_related("track").filter(pk__in=ids)
        }
        latest: dict[tuple[int, int], tuple[int, bool]] = {}
        rows = ModuleResult.objects.filter(enrollment_id__in=ids).order_by("attempt")
        for enrollment_id, module_id, attempt, passed in rows.values_list(
            "enrollment_id", "module_id", "attempt", "passed"
        ):
            latest[(enrollment_id, module_id)] = (attempt, passed)
        for cell in cells:
            try:
                enrollment = enrollments.get(cell.enrollment_id)
                if enrollment is None:
                    raise DomainError(_("No such enrollment."), code="not_found")
                attempt = _grid_attempt(cell, latest.get((cell.enrollment_id, cell.module.pk)))
                saved.append(
                    result_record(
                        enrollment=enrollment,
                        module=cell.module,
                        by=by,
                        assessed_on=assessed_on,
                        score=cell.score,
                        attempt=attempt,
                    )
                )
            except DomainError as error:
                errors[cell.key] = error.message
        if errors:
            # Raising inside the atomic block undoes the cells already written.
            raise DomainError(
                _("Nothing was saved: %(count)d cell(s) refused.") % {"count": len(errors)},
                code="grid_refused",
                details={"errors": errors},
            )
    return saved


def _grid_attempt(cell: GridCell, latest: tuple[int, bool] | None) -> int:
    if latest is None:
        return 1
    attempt, passed = latest
    if not cell.new_attempt:
        return attempt
    if passed:
        raise DomainError(
            _("Attempt %(attempt)d is passed; no new attempt is needed.") % {"attempt": attempt},
            code="already_passed",
        )
    if attempt >= MAX_ATTEMPTS:
        raise DomainError(_("At most %(max)d attempts are recorded.") % {"max": MAX_ATTEMPTS}, code="too_many_attempts")
    return attempt + 1


def enrollments_complete_many(
    *, enrollments: Iterable[Enrollment], by: Actor, on: datetime.date | None = None
) -> tuple[list[Enrollment], dict[int, DomainError]]:
    """Complete each enrollment with ``enrollment_complete``; returns the completed ones and the refusals by id.

    Each enrollment is completed in its own transaction, not all in one: the completion of one student is a fact of
    its own (audited, announced to the partner), and one ineligible or already-completed student must not hold back
    the diplomas of the others. Nothing is half-written, since each call is atomic. Safe to run twice: an
    enrollment already completed is refused (``invalid_transition``) and left as it is.
    """
    completed: list[Enrollment] = []
    refused: dict[int, DomainError] = {}
    for enrollment in enrollments:
        try:
            completed.append(enrollment_complete(enrollment=enrollment, by=by, on=on))
        except DomainError as error:
            refused[enrollment.pk] = error
    return completed, refused


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
