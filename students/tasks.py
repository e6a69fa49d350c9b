"""Celery tasks of the students app: thin entry points that take ids and call a function of the app."""

from smtplib import SMTPException

from celery import shared_task

# Mail servers fail in passing (a refused connection, a timeout, a 4xx answer): retried after 30 s, 60 s, 120 s.
MAIL_ERRORS = (SMTPException, OSError)
MAIL_RETRY_BACKOFF = 30


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=30, time_limit=60)
def student_email_send(self, kind: str, student_id: int, object_ids: list[int]) -> bool:
    """Send one e-mail to a student (``students.notifications.notification_send``); returns whether one was sent.
    Delivery is at least once: a task run twice (a lost worker) may send the e-mail twice, never a wrong one, since
    each run reads the rows afresh."""
    from .notifications import notification_send

    try:
        return notification_send(kind=kind, student_id=student_id, object_ids=object_ids)
    except MAIL_ERRORS as exc:
        if self.request.is_eager:
            # No broker (the demo, unit tests): this runs in the request that committed the change; one attempt,
            # and the failure is logged by the on-commit hook, never a wait in the request.
            raise
        # After the last retry ``retry`` raises ``exc`` itself: the task fails and Celery logs it.
        raise self.retry(exc=exc, countdown=MAIL_RETRY_BACKOFF * 2**self.request.retries) from exc


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def passports_expiring_check() -> int:
    """Nightly (Celery beat): notify staff of students whose passport expires before their cohort ends
    (``students.staff_notifications.passports_expiring_notify``). Safe to run twice: each is said once."""
    from .staff_notifications import passports_expiring_notify

    return passports_expiring_notify()


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=120, time_limit=180)
def message_deliver(self, message_id: int, recipient_ids: list[int]) -> int:
    """E-mail one chunk of a message's recipients (``students.messaging.services.message_deliver``); returns how
    many errors the mail server gave. Safe to run twice: a recipient already e-mailed is skipped under its row's
    lock. A mail server's error is retried with backoff; after the last retry (or at once without a broker) the
    recipients still waiting are marked failed."""
    from .messaging.services import message_deliver as deliver

    final = self.request.is_eager or self.request.retries >= self.max_retries
    errors = deliver(message_id=message_id, recipient_ids=recipient_ids, final=final)
    if errors and not final:
        raise self.retry(exc=errors[0], countdown=MAIL_RETRY_BACKOFF * 2**self.request.retries)
    return len(errors)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def messages_sweep() -> int:
    """Enqueue again the message e-mails left pending (``students.messaging.services.message_deliveries_sweep``;
    Celery beat, every 5 minutes). Returns how many recipients were enqueued."""
    from .messaging.services import message_deliveries_sweep

    return message_deliveries_sweep()


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=60, time_limit=90)
def thread_post_email_send(self, post_id: int) -> int:
    """E-mail a college's coordinators and observers that the office wrote in one of its threads
    (``students.threads.notifications.thread_post_email_send``); returns how many e-mails were sent. A mail
    server's error is retried with backoff (at once without a broker: logged by the on-commit hook)."""
    from .threads.notifications import thread_post_email_send as send

    try:
        return send(post_id=post_id)
    except MAIL_ERRORS as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=MAIL_RETRY_BACKOFF * 2**self.request.retries) from exc
