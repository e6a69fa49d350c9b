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
    next attempt is scheduled with exponential backoff. Safe to run twice: a delivered delivery is not resent."""
    from .webhooks import services  # the services import this module for enqueue_on_commit

    delivery = services.webhook_deliver(delivery_id=delivery_id)
    if delivery is None or delivery.status != delivery.Status.PENDING:
        return
    if self.request.is_eager:
        # No broker (the demo, unit tests): the next attempt runs in place, without the wait.
        self.apply(args=(delivery_id,), retries=self.request.retries + 1)
        return
    raise self.retry(countdown=services.webhook_retry_countdown(delivery.attempts))
