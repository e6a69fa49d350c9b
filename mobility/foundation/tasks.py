"""How tasks are sent: after the transaction that made their work visible commits, with JSON arguments only, through
the outbox (``mobility.foundation.outbox``) so that a broker that is down loses nothing and fails no request."""

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.db import transaction

# The names these tasks had before the foundation moved under ``mobility.foundation`` (decision 0018): rows in the
# outbox and messages in the broker name a task by it, so it stays.
TASK_PREFIX = "mobility.tasks"


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, robust: bool = False, **options: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside a transaction).

    Arguments must be JSON values (ids, not model instances): a worker loads fresh rows itself. A rolled-back
    transaction sends nothing, so a worker never looks for a row that does not exist.

    With a broker the task is written to the outbox in the current transaction and published right after the
    commit; this never raises because of the broker, and never waits on it for more than ``OUTBOX_PUBLISH_TIMEOUT``:
    a task the broker did not take is sent by the relay once it is back (decision 0017). Without one
    (``task_always_eager``) the task runs in-process on commit; ``robust`` then logs its error instead of raising it
    into the caller, whose change has committed.
    """
    enqueue_many_on_commit(task, [args], using=using, robust=robust, **options)


def _sender(task: Task, args: tuple, options: dict[str, Any]) -> Callable[[], Any]:
    """One eager send, bound now; a function (not a partial), since Django logs a robust callback's __qualname__."""

    def send() -> Any:
        return task.apply_async(args=args, **options)

    return send


def enqueue_many_on_commit(
    task: Task, args_list: Iterable[Sequence[Any]], *, using: str | None = None, robust: bool = False, **options: Any
) -> None:
    """``enqueue_on_commit`` for many argument lists of one task: one insert per 1,000 outbox rows and one publish
    on commit (a cohort's batch)."""
    args_list = [list(args) for args in args_list]
    json.dumps([args_list, options])  # fail here, in the caller, rather than in the broker's serializer
    if not args_list:
        return
    if task.app.conf.task_always_eager:
        for args in args_list:
            transaction.on_commit(_sender(task, tuple(args), options), using=using, robust=robust)
        return
    from mobility.foundation.outbox import outbox_record

    _pending.ids = [*getattr(_pending, "ids", []), *outbox_record(task.name, args_list, options=options, using=using)]
    transaction.on_commit(_flush_pending, using=using)


# The outbox rows written by this thread and not yet published. The first on-commit callback of a transaction
# publishes them all over one connection (a transaction that sends many tasks pays for one); the others find none.
# Ids of a rolled-back savepoint are no rows any more and are skipped.
_pending = threading.local()


def _flush_pending() -> None:
    from mobility.foundation.outbox import outbox_flush

    ids, _pending.ids = getattr(_pending, "ids", []), []
    if ids:
        outbox_flush(ids)


@shared_task(name=f"{TASK_PREFIX}.outbox_relay", acks_late=True, soft_time_limit=60, time_limit=90)
def outbox_relay() -> int:
    """Hand the broker the tasks that wait in the outbox because it was unreachable when their transaction
    committed (Celery beat, every ``OUTBOX_RELAY_SECONDS``; also ``relay_outbox``). Returns how many were sent."""
    from mobility.foundation.outbox import outbox_relay as relay

    return len(relay().sent)


@shared_task(
    name=f"{TASK_PREFIX}.webhook_send",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by the delivery's attempts (WEBHOOK_MAX_RETRIES), killed runs included
    soft_time_limit=60,
    time_limit=90,
)
def webhook_send(self, delivery_id: int) -> None:
    """One attempt of a webhook delivery (``webhooks.services.webhook_deliver``); while it stays ``pending``, the
    next attempt is scheduled for its ``next_attempt_at`` (exponential backoff). Safe to run twice: a delivered
    delivery is not resent, and a copy that runs before the delivery is due sends nothing."""
    from django.utils import timezone

    from mobility.foundation.webhooks import services  # the services import this module for enqueue_on_commit

    delivery = services.webhook_deliver(delivery_id=delivery_id)
    if delivery is None or delivery.status != delivery.Status.PENDING:
        return
    if self.request.is_eager:
        # No broker (the demo, unit tests): this runs inside the web request that caused the event, so one
        # attempt only, never a wait or a retry storm there. The delivery stays pending with the attempt counted;
        # the sweeper (``sweep_webhooks`` from cron) or a staff replay sends it when it is due.
        return
    countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
    raise self.retry(countdown=countdown)


@shared_task(name=f"{TASK_PREFIX}.webhooks_sweep", acks_late=True, soft_time_limit=60, time_limit=90)
def webhooks_sweep() -> int:
    """Re-send pending deliveries whose next attempt is overdue (Celery beat, every minute; also
    ``sweep_webhooks``). Returns how many were re-sent or given up."""
    from mobility.foundation.webhooks import services

    sweep = services.webhooks_sweep_pending()
    return len(sweep.resent) + len(sweep.failed)


@shared_task(name=f"{TASK_PREFIX}.idempotency_purge", acks_late=True, soft_time_limit=60, time_limit=90)
def idempotency_purge() -> int:
    """Delete idempotency records past their replay window and abandoned claims (Celery beat, hourly; also
    ``purge_idempotency_records``). Returns how many were deleted."""
    from mobility.foundation.idempotency import idempotency_records_purge

    return idempotency_records_purge()


@shared_task(name=f"{TASK_PREFIX}.staff_digests_send", acks_late=True, soft_time_limit=600, time_limit=660)
def staff_digests_send() -> int:
    """The daily e-mail digest of staff notifications (Celery beat, ``STAFF_DIGEST_HOUR``). Safe to run twice and
    after a kill: each user's digest of the day is recorded with it (``notifications.digest``). Returns how many
    were sent."""
    from mobility.foundation.notifications.digest import digests_send

    return digests_send()


@shared_task(
    name=f"{TASK_PREFIX}.member_email_send", bind=True, acks_late=True, max_retries=3, soft_time_limit=30, time_limit=60
)
def member_email_send(self, membership_id: int) -> bool:
    """Send a member of the partnership their invitation (``people.notifications.member_invitation_send``). At least
    once: a run twice may send it twice, never a wrong one (each run reads the rows afresh and makes a new link)."""
    from mobility.foundation.people.notifications import member_invitation_send  # that module imports this one

    try:
        return member_invitation_send(membership_id=membership_id)
    except (SMTPException, OSError) as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
