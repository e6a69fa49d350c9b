"""Writes about messages to students: saved filters, sending a message, delivering its e-mails, reading a copy.

Sending (``message_send``) resolves the audience at that moment and freezes it: one ``MessageRecipient`` per student,
with the language of the version they get (``message_version_language``), in the transaction that creates the
message. The portal shows the copies at once; the e-mails are delivered by the task ``students.tasks.message_deliver``
in chunks of ``DELIVERY_CHUNK`` recipients, sent through the outbox after the commit (decision 0017).

Delivery is at most once per recipient and never skips one: each recipient's e-mail is sent under the lock of its
row and only while the row says ``pending``, and the row says ``sent`` (with ``emailed_at``) in the same
transaction. A task run twice (a worker lost after the broker redelivered it) finds the rows already sent and skips
them; a worker that dies mid-chunk leaves the rest ``pending`` for the redelivered task (``acks_late``). The one
window left is a worker dying between the mail server's acceptance and the commit (milliseconds): that e-mail may go
twice, as any e-mail can with SMTP. A task that ends without a retry (its time limit) leaves its rows ``pending``;
``message_deliveries_sweep`` (Celery beat) enqueues them again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, actor_user, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.tasks import enqueue_many_on_commit

from ..accounts import student_language
from ..models import Message, MessageRecipient, SavedFilter
from ..notifications import MESSAGE, notification_send
from ..tasks import MAIL_ERRORS
from ..tasks import message_deliver as message_deliver_task
from .models import VERSIONS
from .selectors import filter_params, message_audience

DELIVERY_CHUNK = 50
# Longer than a delivery's whole retry chain (30 + 60 + 120 s) and its time limit: what is pending then was dropped.
SWEEP_AFTER = timedelta(minutes=15)
# The version a student gets: their own language's, else English, else Russian, else Chinese.
FALLBACK_LANGUAGES = ("en", "ru", "zh-hans")


def message_version_language(*, written: list[str], language: str) -> str:
    """The language of the version a student who reads ``language`` gets, among the ``written`` ones: their own,
    else English, else Russian, else Chinese. ``written`` must not be empty."""
    for code in (language, *FALLBACK_LANGUAGES):
        if code in written:
            return code
    raise ValueError("A message without any version")


# --- saved filters --------------------------------------------------------------------------------------------------


def saved_filter_create(*, name: str, params: Mapping[str, str], by: Actor) -> SavedFilter:
    """Save the students list's filters under a name, for the whole office. Refused without a filter or when the
    name is taken. Atomic; audited."""
    name = " ".join(name.split())
    params = filter_params(dict(params))
    if not params:
        raise DomainError(_("Choose at least one filter or a search before saving."), code="empty_filter")
    if not name:
        raise DomainError(_("Give the filter a name."), code="name_required", field="name")
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(name=name, params=params, created_by=actor_user(by))
            audit_record(actor=by, obj=saved, action="saved_filter.create", changes={"params": (None, params)})
    except IntegrityError:
        raise DomainError(
            _("A saved filter named “%(name)s” exists already.") % {"name": name}, code="name_taken", field="name"
        ) from None
    return saved


def saved_filter_delete(*, saved_filter: SavedFilter, by: Actor) -> None:
    """Delete a saved filter (messages sent to it keep its name and parameters). Atomic; audited."""
    with transaction.atomic():
        audit_record(
            actor=by, obj=saved_filter, action="saved_filter.delete", changes={"name": (saved_filter.name, None)}
        )
        saved_filter.delete()


# --- sending --------------------------------------------------------------------------------------------------------


def message_send(
    *,
    by: Actor,
    token: uuid.UUID,
    audience: str,
    versions: Mapping[str, tuple[str, str]],
    params: Mapping[str, str] | None = None,
    saved_filter: SavedFilter | None = None,
    cohort=None,
) -> Message:
    """Send a message written in ``versions`` ({language: (subject, text)}, at least one complete) to the students
    the audience holds now: a saved filter (its parameters now), the list's filter ``params``, or a ``cohort``.

    Atomic: the message, one frozen recipient per student (with the language of their version, the e-mail address
    or none) and the delivery tasks (after the commit) together. Idempotent by ``token``: a second call with the
    same token returns the message the first one sent. Refused when no version is complete or nobody is reached."""
    existing = Message.objects.filter(token=token).first()
    if existing is not None:
        return existing
    fields = {}
    for language, suffix in VERSIONS:
        subject, body = (part.strip() for part in versions.get(language, ("", "")))
        fields[f"subject_{suffix}"], fields[f"body_{suffix}"] = subject, body
    message = Message(audience=audience, sent_by=actor_user(by), token=token, **fields)
    written = message.languages()
    if not written:
        raise DomainError(_("Write the subject and the text in at least one language."), code="no_version")
    if audience == Message.Audience.SAVED_FILTER:
        if saved_filter is None:
            raise DomainError(_("Choose a saved filter."), code="audience_required", field="saved_filter")
        params, message.saved_filter, message.audience_name = saved_filter.params, saved_filter, saved_filter.name
    elif audience == Message.Audience.COHORT:
        if cohort is None:
            raise DomainError(_("Choose a cohort."), code="audience_required", field="cohort")
        params, message.cohort, message.audience_name = {}, cohort, cohort.code
    message.audience_params = filter_params(dict(params or {}))
    try:
        with transaction.atomic():
            students = list(
                message_audience(viewer=by, audience=audience, params=message.audience_params, cohort=cohort)
            )
            if not students:
                raise DomainError(_("No student is in this audience: nothing was sent."), code="no_recipients")
            message.sent_at = timezone.now()
            message.save()
            recipients = MessageRecipient.objects.bulk_create(
                [
                    MessageRecipient(
                        message=message,
                        student=student,
                        language=message_version_language(written=written, language=student_language(student)),
                        email=student.email,
                        email_status=MessageRecipient.Email.PENDING if student.email else MessageRecipient.Email.NONE,
                    )
                    for student in students
                ]
            )
            audit_record(
                actor=by,
                obj=message,
                action="message.send",
                changes={"recipients": (None, len(recipients)), "audience": (None, message.audience_name or audience)},
            )
            pending = [r.pk for r in recipients if r.email_status == MessageRecipient.Email.PENDING]
            chunks = [pending[i : i + DELIVERY_CHUNK] for i in range(0, len(pending), DELIVERY_CHUNK)]
            enqueue_many_on_commit(message_deliver_task, [[message.pk, chunk] for chunk in chunks], robust=True)
    except IntegrityError:
        # The same token sent at the same moment (a double click): the first one's message.
        existing = Message.objects.filter(token=token).first()
        if existing is None:
            raise
        return existing
    return message


def message_deliver(*, message_id: int, recipient_ids: list[int], final: bool) -> list[Exception]:
    """E-mail the message to each recipient of ``recipient_ids`` still ``pending``, each under its row's lock:
    ``sent`` with ``emailed_at`` once the mail server took it, ``none`` when the student has no address (or was
    erased) by now. A mail server's error is counted on the row and returned; the row stays ``pending`` for a retry,
    or becomes ``failed`` with the error when ``final``. Safe to run twice: a row no longer pending is skipped."""
    errors: list[Exception] = []
    for pk in recipient_ids:
        with transaction.atomic():
            recipient = (
                MessageRecipient.objects.select_for_update()
                .filter(pk=pk, message_id=message_id, email_status=MessageRecipient.Email.PENDING)
                .first()
            )
            if recipient is None:
                continue  # sent (or given up) by an earlier run
            recipient.attempts += 1
            try:
                sent = notification_send(kind=MESSAGE, student_id=recipient.student_id, object_ids=[recipient.pk])
            except MAIL_ERRORS as error:
                errors.append(error)
                recipient.error = f"{type(error).__name__}: {error}"[:500]
                if final:
                    recipient.email_status = MessageRecipient.Email.FAILED
            else:
                recipient.error = ""
                recipient.email_status = MessageRecipient.Email.SENT if sent else MessageRecipient.Email.NONE
                recipient.emailed_at = timezone.now() if sent else None
            recipient.save(update_fields=["attempts", "error", "email_status", "emailed_at"])
    return errors


def message_deliveries_sweep(*, older_than: timedelta = SWEEP_AFTER) -> int:
    """Enqueue again the e-mails still ``pending`` of messages sent more than ``older_than`` ago: those of a task that
    ended without a retry (its time limit, a message the broker lost). Returns how many recipients were enqueued.
    Safe at any time, also beside a task still running: delivery skips, under each row's lock, what was sent
    meanwhile. Celery beat runs it every 5 minutes (``students.tasks.messages_sweep``)."""
    rows = (
        MessageRecipient.objects.filter(
            email_status=MessageRecipient.Email.PENDING, message__sent_at__lt=timezone.now() - older_than
        )
        .order_by("message_id", "pk")
        .values_list("message_id", "pk")
    )
    by_message: dict[int, list[int]] = {}
    for message_id, pk in rows:
        by_message.setdefault(message_id, []).append(pk)
    args = [
        [message_id, ids[i : i + DELIVERY_CHUNK]]
        for message_id, ids in by_message.items()
        for i in range(0, len(ids), DELIVERY_CHUNK)
    ]
    enqueue_many_on_commit(message_deliver_task, args, robust=True)
    return sum(len(ids) for ids in by_message.values())


def message_mark_read(*, recipient: MessageRecipient) -> None:
    """The student opened their copy: its first reading is kept. Idempotent."""
    if recipient.read_at is None:
        recipient.read_at = timezone.now()
        MessageRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(read_at=recipient.read_at)
