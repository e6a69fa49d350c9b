"""Celery tasks of the students app: thin entry points that take ids and call a function of the app."""

from smtplib import SMTPException

from celery import shared_task

# Mail servers fail in passing (a refused connection, a timeout, a 4xx answer): retried with backoff, 30 s, 60 s,
# 120 s. Without a broker the retries run at once, in-process.
MAIL_ERRORS = (SMTPException, OSError)


@shared_task(
    acks_late=True,
    autoretry_for=MAIL_ERRORS,
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=False,
    soft_time_limit=30,
    time_limit=60,
)
def student_email_send(kind: str, student_id: int, object_ids: list[int]) -> bool:
    """Send one e-mail to a student (``students.notifications.notification_send``); returns whether one was sent.
    Delivery is at least once: a task run twice (a lost worker) may send the e-mail twice, never a wrong one, since
    each run reads the rows afresh."""
    from .notifications import notification_send

    return notification_send(kind=kind, student_id=student_id, object_ids=object_ids)
