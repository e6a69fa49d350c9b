"""How tasks are sent: after the transaction that made their work visible commits, with JSON arguments only."""

import json
from typing import Any

from celery import Task, shared_task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, **options: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside a transaction).

    Arguments must be JSON values (ids, not model instances): a worker loads fresh rows itself. A rolled-back
    transaction sends nothing, so a worker never looks for a row that does not exist.
    """
    json.dumps(args)  # fail here, in the caller, rather than in the broker's serializer
    transaction.on_commit(lambda: task.apply_async(args=args, **options), using=using)


@shared_task(
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

    from .webhooks import services  # the services import this module for enqueue_on_commit

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


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def webhooks_sweep() -> int:
    """Re-send pending deliveries whose next attempt is overdue (Celery beat, every minute; also
    ``sweep_webhooks``). Returns how many were re-sent or given up."""
    from .webhooks import services

    sweep = services.webhooks_sweep_pending()
    return len(sweep.resent) + len(sweep.failed)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def idempotency_purge() -> int:
    """Delete idempotency records past their replay window and abandoned claims (Celery beat, hourly; also
    ``purge_idempotency_records``). Returns how many were deleted."""
    from .services import idempotency_records_purge

    return idempotency_records_purge()
