"""Students' requests to correct their personal data as recorded, and the office's answers."""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.foundation.audit import Actor, actor_user, audit_record
from mobility.foundation.exceptions import DomainError

from ..models import CorrectionRequest, Student
from ..staff_notifications import correction_requested_notify

# A student may have this many requests waiting for an answer at once: enough for any honest need, and a bound on
# what a stolen or careless session can file.
MAX_OPEN_REQUESTS = 5
# Both fields declare a max_length (int | None to a type checker, which cannot read the model).
MESSAGE_MAX_LENGTH = cast(int, CorrectionRequest._meta.get_field("message").max_length)
ANSWER_MAX_LENGTH = cast(int, CorrectionRequest._meta.get_field("answer").max_length)
CLOSING_STATUSES = (CorrectionRequest.Status.DONE, CorrectionRequest.Status.DECLINED)


def correction_request_create(*, student: Student, message: str) -> CorrectionRequest:
    """File the student's request to correct their data, open, and audit it (the student's own account is the
    actor). Atomic; the student's row is locked while the open requests are counted, so two requests sent at once
    cannot pass the limit. The message is not copied into the audit log: it may quote passport data, which not every
    office user may see."""
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Write what should be corrected."), code="message_required", field="message")
    if len(message) > MESSAGE_MAX_LENGTH:
        raise DomainError(
            _("Write at most %(n)s characters.") % {"n": MESSAGE_MAX_LENGTH}, code="message_too_long", field="message"
        )
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()
        waiting = CorrectionRequest.objects.filter(student=student, status=CorrectionRequest.Status.OPEN).count()
        if waiting >= MAX_OPEN_REQUESTS:
            raise DomainError(
                ngettext(
                    "You have %(n)s request waiting for an answer; please wait for the office to answer it.",
                    "You have %(n)s requests waiting for an answer; please wait for the office to answer them.",
                    waiting,
                )
                % {"n": waiting},
                code="too_many_open",
                field="message",
            )
        request = CorrectionRequest.objects.create(student=student, message=message)
        audit_record(
            actor=student.user,
            obj=request,
            action="correction.create",
            changes={"status": (None, request.status)},
        )
        correction_requested_notify(request=request)
    return request


def correction_request_close(
    *, request: CorrectionRequest, by: Actor, status: str, answer: str = ""
) -> CorrectionRequest:
    """Close an open request as corrected (``done``) or ``declined``, with the office's answer, which the student
    reads in the portal; a declined request needs an answer (the reason). Atomic; the row is locked, so a request
    closed twice at once is closed once and the second gets a ``DomainError``. The data themselves are corrected on
    the student's page (``student_update``), which audits each field."""
    answer = (answer or "").strip()
    if status not in CLOSING_STATUSES:
        raise DomainError(_("Choose corrected or declined."), code="invalid_status", field="status")
    if status == CorrectionRequest.Status.DECLINED and not answer:
        raise DomainError(_("Tell the student why the request is declined."), code="answer_required", field="answer")
    if len(answer) > ANSWER_MAX_LENGTH:
        raise DomainError(
            _("Write at most %(n)s characters.") % {"n": ANSWER_MAX_LENGTH}, code="answer_too_long", field="answer"
        )
    with transaction.atomic():
        locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != CorrectionRequest.Status.OPEN:
            raise DomainError(
                _("This request was already closed (%(status)s).") % {"status": locked.get_status_display()},
                code="already_closed",
            )
        locked.status = status
        locked.answer = answer
        locked.closed_by = actor_user(by)
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "answer", "closed_by", "closed_at", "modified_at"])
        audit_record(
            actor=by,
            obj=locked,
            action="correction.close",
            changes={"status": (CorrectionRequest.Status.OPEN.value, status)},
        )
    for field in ("status", "answer", "closed_by_id", "closed_at", "modified_at"):
        setattr(request, field, getattr(locked, field))
    return locked
