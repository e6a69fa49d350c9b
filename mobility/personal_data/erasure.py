"""The erasure of a student who has left (docs/decisions/0013-erasing-a-student.md): ``student_erasure_plan`` (may
they be erased, what is kept), ``student_erase`` (anonymise the row, scrub the audit log and the webhook deliveries,
delete the account), and the confirmation page's lists of what stays and what goes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diplomas.models import Diploma
from mobility.foundation.access import is_office_staff
from mobility.foundation.audit import audit_entry_build
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, WebhookDelivery
from students.models import Consent, CorrectionRequest, Enrollment, MessageRecipient, Student

from .related import _audit_query, _Related, _related, _webhook_deliveries
from .rules import (
    ACTIVE_STATUSES,
    ALWAYS_ERASED,
    DIPLOMA_BUSY_STATUSES,
    ERASED,
    NAME_FIELDS,
    erased_home_student_id,
    erased_names,
    may_erase_personal_data,
)


@dataclass
class ErasurePlan:
    """What erasing the student would do, for the confirmation page and the service alike."""

    student: Student
    blockers: list[str]
    kept_diplomas: list[Diploma]
    already_erased: bool

    @property
    def allowed(self) -> bool:
        return not self.blockers

    @property
    def names_kept(self) -> bool:
        return bool(self.kept_diplomas)


@dataclass
class ErasureResult:
    student: Student
    names_kept: bool
    already_erased: bool
    audit_entries_scrubbed: int = 0
    webhook_deliveries_scrubbed: int = 0
    account_deleted: bool = False


def student_erasure_plan(*, student: Student) -> ErasurePlan:
    """Whether the student may be erased and what is kept: refused while an enrollment is applied, admitted or
    enrolled (they have not left) or a diploma is being rendered (it reads their names). An issued diploma keeps the
    names, the track and the dates it shows, so that its verification page still works."""
    enrollments = list(Enrollment.objects.filter(student=student).select_related("cohort").prefetch_related("diplomas"))
    blockers = []
    active = [enrollment for enrollment in enrollments if enrollment.status in ACTIVE_STATUSES]
    if active:
        blockers.append(
            _("The student has not left: %(list)s. Close these enrollments first (withdraw or reject).")
            % {"list": ", ".join(f"{item.cohort.code} ({item.get_status_display()})" for item in active)}
        )
    diplomas = [diploma for enrollment in enrollments for diploma in enrollment.diplomas.all()]
    if any(diploma.status in DIPLOMA_BUSY_STATUSES for diploma in diplomas):
        blockers.append(_("A diploma of the student is being rendered; wait until it is issued or has failed."))
    kept = [diploma for diploma in diplomas if diploma.status == Diploma.Status.ISSUED]
    return ErasurePlan(student=student, blockers=blockers, kept_diplomas=kept, already_erased=bool(student.erased_at))


def student_erase(*, student: Student, by, reason: str) -> ErasureResult:
    """Erase the personal data of a student who has left (docs/decisions/0013-erasing-a-student.md).

    Guarantees:
    - atomic: everything below happens, or nothing (a refusal raises ``DomainError`` and changes nothing); the
      student row is locked, so two erasures or an erasure and an edit do not interleave;
    - idempotent: a student already erased is returned as they are (``already_erased``), nothing written;
    - refused (``DomainError``) without a reason, while an enrollment is applied/admitted/enrolled, while a diploma
      is being rendered; ``PermissionDenied`` unless ``by`` holds ``ERASE_PERMISSIONS``;
    - with an issued diploma, the names, the enrollments, results and the diploma rows stay, so the verification
      page shows what it showed; without one, the names become placeholders too;
    - always: passport data, birth date, sex, e-mail, phone, home specialty, language, the invitation date, the
      free texts (enrollment notes and reasons, correction requests), the user account (deleted, with its sessions
      and login records) and the home student id (placeholder ``erased-<pk>``) go; audit entries, admin log entries
      and webhook deliveries about the student keep who/when/what but lose those values;
    - PDF files of diplomas that are not kept (revoked) are deleted once the transaction commits;
    - ``erased_at`` is set, and one audit entry ``student.erase`` names who and why, with no personal data.
    """
    if not may_erase_personal_data(by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the student's personal data are erased."), code="reason_required", field="reason")
    with transaction.atomic():
        related = _related(student, lock=True)
        locked = related.student
        if locked.erased_at is not None:
            _copy_fields(locked, student)
            return ErasureResult(student=locked, names_kept=not _has_placeholder_names(locked), already_erased=True)
        plan = student_erasure_plan(student=locked)
        if plan.blockers:
            raise DomainError(" ".join(plan.blockers), code="erasure_refused")
        result = _erase(related, plan=plan, by=by, reason=reason)
    _copy_fields(result.student, student)
    return result


def _has_placeholder_names(student: Student) -> bool:
    return all(getattr(student, name) == value for name, value in erased_names(student).items())


def _copy_fields(source: Student, target: Student) -> None:
    for model_field in Student._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))


Replacements = list[tuple[re.Pattern, str]]


def _is_han(text: str) -> bool:
    return all("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def _personal_strings(student: Student, user, *, names: bool) -> Replacements:
    """Values that identify the student, each with what replaces it in kept texts, longest first (a full name is
    replaced before a part of it). A value matches as a whole word ("lina" is not replaced inside "discipline"),
    except Han names, which Chinese writes without spaces. Not the home student id: it may be a short number that
    also occurs in dates and scores; the fields and payload keys that hold it are replaced by name instead."""
    values = {
        student.email: ERASED,
        student.phone: ERASED,
        student.passport_number: ERASED,
    }
    if user is not None:
        values[user.get_username()] = f"erased-{student.pk}"
        values[user.email] = ERASED
    if names:
        placeholder = erased_names(student)
        latin = f"{placeholder['family_name_latin']} {placeholder['given_name_latin']}"
        values[student.full_name_latin] = latin
        values[f"{student.given_name_latin} {student.family_name_latin}"] = latin
        values[student.full_name_han] = latin
        values[student.full_name_cyrillic] = latin
    replacements = []
    for old, new in sorted(values.items(), key=lambda item: -len(item[0] or "")):
        old = (old or "").strip()
        if _is_han(old) and len(old) >= 2:
            replacements.append((re.compile(re.escape(old)), new))
        elif len(old) >= 3:  # shorter values would match too much, and identify no one alone
            replacements.append((re.compile(rf"(?<!\w){re.escape(old)}(?!\w)"), new))
    return replacements


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for ``re.sub`` that is taken as it is (no backslash or group escapes)."""
    return lambda _match: text


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


def _scrub_text(text: str, strings: Replacements) -> str:
    for pattern, new in strings:
        text = pattern.sub(_constant(new), text)
    return text


def _scrub_value(value: Any, strings: Replacements) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, strings)
    if isinstance(value, list):
        return [_scrub_value(item, strings) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_value(item, strings) for key, item in value.items()}
    return value


def _erase(related: _Related, *, plan: ErasurePlan, by, reason: str) -> ErasureResult:
    student, user = related.student, related.user
    now = timezone.now()
    names_go = not plan.names_kept
    strings = _personal_strings(student, user, names=names_go)
    erased_fields = set(ALWAYS_ERASED) | {"home_student_id", "user"} | (set(NAME_FIELDS) if names_go else set())

    # The audit log first: its entries are found through the rows (ids) and the account, which go next.
    entries = list(AuditEntry.objects.filter(_audit_query(related)))
    enrollment_type = ContentType.objects.get_for_model(Enrollment)
    student_type = ContentType.objects.get_for_model(Student)
    correction_type = ContentType.objects.get_for_model(CorrectionRequest)
    free_text_fields = {"reason", "notes", "status_reason", "message", "answer"}
    for entry in entries:
        changes = {}
        for name, pair in (entry.changes or {}).items():
            if (entry.content_type_id == student_type.pk and name in erased_fields) or name in free_text_fields:
                pair = [None if item in (None, "") else ERASED for item in pair] if isinstance(pair, list) else ERASED
            changes[name] = _scrub_value(pair, strings)
        entry.changes = changes
        entry.object_repr = _scrub_text(entry.object_repr, strings)
        if entry.content_type_id in (enrollment_type.pk, correction_type.pk) and entry.reason:
            entry.reason = ERASED
        else:
            entry.reason = _scrub_text(entry.reason, strings)
        if user is not None and entry.actor_id == user.pk:
            entry.actor_label = f"erased-{student.pk}"
        else:
            entry.actor_label = _scrub_text(entry.actor_label, strings)
    AuditEntry.objects.bulk_update(entries, ["changes", "object_repr", "reason", "actor_label"], batch_size=500)

    # Django admin's own log, for changes made there.
    admin_entries = list(LogEntry.objects.filter(content_type=student_type, object_id=str(student.pk)))
    for item in admin_entries:
        item.object_repr = _scrub_text(item.object_repr, strings)
        item.change_message = _scrub_text(item.change_message, strings)
    LogEntry.objects.bulk_update(admin_entries, ["object_repr", "change_message"])

    # What the partner was sent: the home student id and the reasons of decisions.
    deliveries = list(_webhook_deliveries(student))
    for delivery in deliveries:
        data = dict((delivery.payload or {}).get("data") or {})
        if isinstance(data.get("student"), dict):
            data["student"] = {**data["student"], "home_student_id": erased_home_student_id(student)}
        if data.get("reason"):  # an enrollment decision's reason (a diploma's revocation reason is public)
            data["reason"] = ERASED
        delivery.payload = {**delivery.payload, "data": _scrub_value(data, strings)}
        delivery.response_body = _scrub_text(delivery.response_body, strings)
    WebhookDelivery.objects.bulk_update(deliveries, ["payload", "response_body"], batch_size=500)

    # Free texts of the rows that stay.
    for enrollment in related.enrollments:
        if enrollment.notes or enrollment.status_reason:
            Enrollment.objects.filter(pk=enrollment.pk).update(
                notes="", status_reason=ERASED if enrollment.status_reason else "", modified_at=now
            )
    CorrectionRequest.objects.filter(student=student).update(message=ERASED, answer="", modified_at=now)
    MessageRecipient.objects.filter(student=student).update(email="")  # the address the office's messages went to
    # The consents stay as the proof of what was agreed (purpose, version, text's hash, when); the address they were
    # given from goes.
    Consent.objects.filter(student=student).update(ip=None)
    pdfs: list[tuple[Storage, str]] = []
    for diploma in related.diplomas:
        if diploma.status != Diploma.Status.ISSUED and diploma.pdf:
            pdfs.append((diploma.pdf.storage, cast(str, diploma.pdf.name)))  # a stored file has a name
            Diploma.objects.filter(pk=diploma.pk).update(pdf="", modified_at=now)

    # The record itself.
    for name, value in ALWAYS_ERASED.items():
        setattr(student, name, value)
    student.home_student_id = erased_home_student_id(student)
    if names_go:
        for name, value in erased_names(student).items():
            setattr(student, name, value)
    student.user = None
    student.erased_at = now
    try:
        with transaction.atomic():
            student.save()
    except IntegrityError as exc:  # a real student whose home id is "erased-<pk>": nothing is written
        raise DomainError(
            _("The placeholder home student id %(id)s is taken.") % {"id": student.home_student_id},
            code="erasure_refused",
        ) from exc

    account_deleted = False
    if user is not None:
        account_deleted = _account_delete(user, student=student)

    erasure = audit_entry_build(
        actor=by,
        obj=student,
        action="student.erase",
        changes={
            "erased_at": (None, now.isoformat()),
            "names_kept": (None, plan.names_kept),
            "account_deleted": (None, account_deleted),
        },
        reason=reason,
        object_repr=f"student #{student.pk}",
    )
    erasure.save()
    if pdfs:
        transaction.on_commit(functools.partial(_delete_files, pdfs))
    return ErasureResult(
        student=student,
        names_kept=plan.names_kept,
        already_erased=False,
        audit_entries_scrubbed=len(entries),
        webhook_deliveries_scrubbed=len(deliveries),
        account_deleted=account_deleted,
    )


def _account_delete(user, *, student: Student) -> bool:
    """Delete the student's account with its sessions and login records. An account that is also staff's is only
    unlinked (and False returned): erasing a student never removes a member of the office."""
    if user.is_staff or user.is_superuser or is_office_staff(user):
        return False
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        # Sessions are signed blobs: the user's are found by decoding the live ones (erasure is rare).
        doomed = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
        ]
        Session.objects.filter(pk__in=doomed).delete()
    try:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    except ImportError:  # pragma: no cover - axes is installed in every configuration
        pass
    else:
        names = [user.get_username(), *([user.email] if user.email else [])]
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__in=names).delete()
    user.delete()
    return True


# The labels of the confirmation page: what stays and what goes (the decision record says why).
STAYS_ALWAYS = (
    gettext_lazy("the home institution and citizenship"),
    gettext_lazy("enrollments (cohort, track, status, dates), module results and continuations, for statistics"),
    gettext_lazy("diploma records (number, status, dates, SHA-256)"),
    gettext_lazy("the audit log's entries (who did what, when), without the erased values"),
)
GOES_ALWAYS = (
    gettext_lazy("passport data and birth date"),
    gettext_lazy("sex, e-mail, phone, home specialty, preferred language"),
    gettext_lazy("the home student id (replaced by a placeholder)"),
    gettext_lazy("the user account, its sessions and login records"),
    gettext_lazy("notes and reasons of enrollments, the correction requests' texts"),
    gettext_lazy("these values wherever the audit log and the webhook deliveries hold them"),
    gettext_lazy("PDF files of revoked diplomas"),
)
