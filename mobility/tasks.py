"""How tasks are sent: after the transaction that made their work visible commits, with JSON arguments only."""

import json
from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, **options: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside a transaction).

    Arguments must be JSON values (ids, not model instances): a worker loads fresh rows itself. A rolled-back
    transaction sends nothing, so a worker never looks for a row that does not exist.
    """
    json.dumps(args)  # fail here, in the caller, rather than in the broker's serializer
    transaction.on_commit(lambda: task.apply_async(args=args, **options), using=using)
