"""E-mails to students: the invitation to their account, admission, an application rejected, a withdrawal, a failed
enrollment, new or corrected results, a message of the office (``students.messaging``); an issued diploma's e-mail is
a kind the diplomas app registers here (``diplomas.notifications``).

The services call the ``*_notify`` functions inside their transaction; the e-mail is sent by a Celery task
(``students.tasks.student_email_send``, ids in, through the outbox: ``mobility.foundation.tasks.enqueue_on_commit``)
only after
the transaction commits, so a rollback sends nothing, a broker that is down delays the e-mail without losing it, and a
failing mail server never undoes the business change (the task retries; its last failure is logged). The task
loads the rows again and decides then: no e-mail to a student without an address or whose personal data were
erased, none about a row that no longer says what the e-mail would (an admission since withdrawn, a diploma revoked).

Each e-mail is written in the student's language (``accounts.student_language``): subject, plain text and a simple
HTML part rendered from ``templates/emails/<kind>_subject.txt``, ``<kind>.txt`` and ``<kind>.html`` under
``translation.override``; links are absolute (``settings.SITE_URL``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from mobility.foundation.tasks import enqueue_on_commit

from . import accounts
from .models import Enrollment, MessageRecipient, ModuleResult, Student

logger = logging.getLogger(__name__)

INVITATION = "invitation"
ADMITTED = "admitted"
RESULTS = "results"
MESSAGE = "message"
# An enrollment closed by the office: the e-mail of each closing status, sent by ``enrollment_closed_notify``.
CLOSED = {"rejected": "rejected", "withdrawn": "withdrawn", "failed": "failed"}


# --- scheduling (called by the services, inside their transaction) ------------------------------------------------


_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("notifications_suppressed", default=False)


@contextlib.contextmanager
def notifications_suppressed() -> Iterator[None]:
    """No e-mail to students for what happens in the block: for writing history that is not news to anyone (the
    demo data, which replays a year of the program through the services)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def student_notify(*, kind: str, student_id: int, object_ids: Sequence[int] = ()) -> None:
    """Send the student the e-mail of ``kind`` about ``object_ids`` once the current transaction commits (at once
    outside a transaction). Nothing is sent when the transaction rolls back, nor inside ``notifications_suppressed``."""
    if kind not in _CONTEXTS:
        raise ValueError(f"Unknown notification {kind!r}")
    if _suppressed.get():
        return
    args = [kind, int(student_id), [int(pk) for pk in object_ids]]

    from .tasks import student_email_send  # the tasks import this module

    # Through the outbox (mobility.foundation.tasks.enqueue_on_commit): a broker that is down delays the e-mail, never
    # loses it
    # nor fails the request. robust: without a broker the e-mail is sent right here on commit, and a mail server's
    # error is logged, never raised into the request or task whose work has just committed.
    enqueue_on_commit(student_email_send, *args, robust=True)


def enrollment_admitted_notify(*, enrollment: Enrollment) -> None:
    """Tell the student they were admitted to the enrollment's cohort."""
    student_notify(kind=ADMITTED, student_id=enrollment.student_id, object_ids=[enrollment.pk])


def enrollment_closed_notify(*, enrollment: Enrollment) -> None:
    """Tell the student their application was rejected, or their enrollment withdrawn or recorded as failed (by
    the enrollment's status; nothing for any other status)."""
    kind = CLOSED.get(enrollment.status)
    if kind is not None:
        student_notify(kind=kind, student_id=enrollment.student_id, object_ids=[enrollment.pk])


# The results announced inside ``results_notifications_batched``, by student; None outside it.
_batch: contextvars.ContextVar[dict[int, list[int]] | None] = contextvars.ContextVar("results_batch", default=None)


def results_recorded_notify(*, results: Iterable[tuple[int, int]]) -> None:
    """Tell each student about their new or corrected results: ``results`` are ``(student_id, result_id)`` pairs.
    One e-mail per student for the whole call (or for the whole ``results_notifications_batched`` block), listing
    all of that student's results; no query is made here."""
    by_student: dict[int, list[int]] = {}
    for student_id, result_id in results:
        ids = by_student.setdefault(student_id, [])
        if result_id not in ids:
            ids.append(result_id)
    batch = _batch.get()
    if batch is not None:
        for student_id, ids in by_student.items():
            pending = batch.setdefault(student_id, [])
            pending.extend(pk for pk in ids if pk not in pending)
        return
    for student_id, ids in by_student.items():
        student_notify(kind=RESULTS, student_id=student_id, object_ids=ids)


@contextlib.contextmanager
def results_notifications_batched() -> Iterator[None]:
    """Collect the result e-mails of every ``results_recorded_notify`` call in the block (e.g. one per cell of a
    results grid) and announce them when the block ends normally: one e-mail per student. A block left by an
    exception announces nothing (its transaction rolls back anyway). Nested blocks join the outermost one."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set({})
    try:
        yield
        batch = _batch.get()
    finally:
        _batch.reset(token)
    for student_id, ids in (batch or {}).items():  # set above, so never None here
        student_notify(kind=RESULTS, student_id=student_id, object_ids=ids)


# --- building and sending (what the task runs) ---------------------------------------------------------------------


def notification_send(*, kind: str, student_id: int, object_ids: Sequence[int] = ()) -> bool:
    """Build and send one e-mail; returns whether one was sent. Sends nothing to a student who no longer exists,
    has no e-mail address or whose personal data were erased, nor when the rows no longer warrant it. Errors of
    the mail server propagate (the task retries them)."""
    student = Student.objects.select_related("user").filter(pk=student_id).first()
    if student is None or not student.email or student.erased_at is not None:
        return False
    message = notification_message(kind=kind, student=student, object_ids=object_ids)
    if message is None:
        return False
    message.send()
    return True


def notification_message(
    *, kind: str, student: Student, object_ids: Sequence[int] = ()
) -> EmailMultiAlternatives | None:
    """The e-mail of ``kind`` to the student, in their language, or None when there is nothing to say."""
    language = accounts.student_language(student)
    with translation.override(language):
        context = _CONTEXTS[kind](student, list(object_ids))
        if context is None:
            return None
        context.update(
            {
                "student": student,
                "name": student.name_in(language),
                "language": language,
                "portal_url": accounts.absolute_url(accounts.portal_path()),
                "site_url": settings.SITE_URL.rstrip("/"),
            }
        )
        subject, text, html = notification_render(kind=kind, context=context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[student.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_render(*, kind: str, context: dict) -> tuple[str, str, str]:
    """The subject, plain text and HTML of an e-mail of ``kind`` from its context, in the active language (also
    what the office's preview of a message shows)."""
    subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
    return subject, render_to_string(f"emails/{kind}.txt", context), render_to_string(f"emails/{kind}.html", context)


def _invitation_context(student: Student, object_ids: list[int]) -> dict | None:
    if accounts.student_account_state(student) != "invited":
        return None  # accepted, disabled or never made: no link to send
    return {
        "invitation_url": accounts.absolute_url(accounts.invitation_path(student)),
        "days": settings.STUDENT_INVITATION_DAYS,
        "reset_url": accounts.absolute_url(reverse("password_reset")),
    }


def _admitted_context(student: Student, object_ids: list[int]) -> dict | None:
    enrollment = (
        Enrollment.objects.select_related("cohort__track", "cohort__host")
        .filter(pk__in=object_ids, student=student, status__in=Enrollment.PLACE_STATUSES)
        .first()
    )
    if enrollment is None:
        return None  # rejected or withdrawn since
    return {"enrollment": enrollment, "cohort": enrollment.cohort, "track_name": enrollment.cohort.track.name()}


def _closed_context(status: str) -> Callable[[Student, list[int]], dict | None]:
    def context(student: Student, object_ids: list[int]) -> dict | None:
        enrollment = (
            Enrollment.objects.select_related("cohort__track")
            .filter(pk__in=object_ids, student=student, status=status)
            .first()
        )
        if enrollment is None:
            return None  # its status changed since (an admin correction): the e-mail would no longer be true
        # The reason stays with the office: it is written for the record and the partner, not worded for the student.
        return {"enrollment": enrollment, "cohort": enrollment.cohort, "track_name": enrollment.cohort.track.name()}

    return context


def _message_context(student: Student, object_ids: list[int]) -> dict | None:
    recipient = MessageRecipient.objects.select_related("message").filter(pk__in=object_ids, student=student).first()
    if recipient is None:
        return None
    return {
        "subject": recipient.subject,
        "body": recipient.body,
        "message_url": accounts.absolute_url(reverse("portal:message", args=[recipient.pk])),
    }


def _results_context(student: Student, object_ids: list[int]) -> dict | None:
    results = list(
        ModuleResult.objects.select_related("module", "enrollment__cohort__track")
        .filter(pk__in=object_ids, enrollment__student=student)
        .order_by("enrollment_id", "module__order", "attempt")
    )
    if not results:
        return None
    rows = [{"result": result, "module_title": result.module.title()} for result in results]
    tracks = sorted({result.enrollment.cohort.track.name() for result in results})
    return {"rows": rows, "count": len(rows), "track_name": ", ".join(tracks)}


# The context of each kind of e-mail, by kind; an app above adds its own kinds (``notification_kind_register``).
_CONTEXTS: dict[str, Callable[[Student, list[int]], dict | None]] = {
    INVITATION: _invitation_context,
    ADMITTED: _admitted_context,
    RESULTS: _results_context,
    MESSAGE: _message_context,
    **{kind: _closed_context(status) for status, kind in CLOSED.items()},
}


def notification_kind_register(kind: str, context: Callable[[Student, list[int]], dict | None]) -> None:
    """Add a kind of e-mail whose rows live in an app above this one (``diplomas.notifications``): ``context`` builds
    what ``templates/emails/<kind>*`` need from the student and the object ids, or None when there is nothing to
    say any more. Registered when that app is ready, so web processes and workers alike know every kind."""
    if _CONTEXTS.get(kind, context) is not context:
        raise ValueError(f"Notification kind {kind!r} is registered already")
    _CONTEXTS[kind] = context
