"""The transactional outbox: how a task reaches the broker whatever the broker does.

Guarantees: a task a change needs is an ``OutboxMessage`` row written in that change's transaction
(``outbox_record``), so both commit or roll back together; ``outbox_flush`` hands the rows to the broker right after
the commit with short timeouts and never raises into the caller; a row the broker did not take is sent by
``outbox_relay`` (Celery beat; ``relay_outbox`` for cron) once the broker is back. Delivery is at least once. With
``task_always_eager`` (no broker) nothing is written: ``mobility.foundation.tasks.enqueue_on_commit`` runs the task
in-process
on commit. Why, timeouts and what else was weighed: docs/decisions/0017-tasks-go-through-a-transactional-outbox.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from mobility.foundation.models import OutboxMessage

logger = logging.getLogger(__name__)

WRITE_BATCH = 1000
# Rows younger than this are left to the on-commit flush of the transaction that wrote them.
RELAY_MIN_AGE = timedelta(seconds=5)

# After a failed publish this process leaves its new rows to the relay for a while instead of paying a connection
# timeout in every request while the broker is down.
_broker_down_until = 0.0
_broker_down_lock = threading.Lock()


@dataclass
class Publication:
    """What one flush or relay run did: ids handed to the broker, ids left for later, and the error if any."""

    sent: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    error: str = ""  # the broker's: set when it failed (a row refused for itself is only in ``left``)
    taken: int = 0


def outbox_record(task: str, args_list: Iterable[Sequence[Any]], *, options: dict[str, Any], using=None) -> list[int]:
    """Write one row per argument list of ``task`` (in the current transaction, if any) and return their ids. The
    arguments and options must be JSON values."""
    rows = [OutboxMessage(task=task, args=list(args), options=options) for args in args_list]
    OutboxMessage.objects.using(using).bulk_create(rows, batch_size=WRITE_BATCH)
    return [row.pk for row in rows]


# Errors that mean the broker (or the way to it) failed, not the message: publishing stops there.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError, TimeoutError)


def _publish(rows: list[OutboxMessage]) -> tuple[list[int], dict[int, str], str]:
    """Hand the rows to the broker over one connection of our own, with ``OUTBOX_PUBLISH_TIMEOUT`` to connect and
    to wait for each answer and no retry (the relay is the retry). Returns the ids sent, the errors of the rows that
    were not, and the broker's error if it failed (the rows after it were not tried). A row refused for itself (bad
    options) is skipped, so it never holds the others back. Never raises."""
    app = current_app  # the project's app (mobility.celery), which the foundation does not import
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    sent: list[int] = []
    errors: dict[int, str] = {}
    try:
        with app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                "max_retries": 0,
            },
        ) as connection:
            for row in rows:
                try:
                    app.send_task(row.task, args=row.args, connection=connection, retry=False, **row.options)
                except BROKER_ERRORS:
                    raise
                except Exception as error:  # noqa: BLE001 - this row only: kept, logged, tried again later
                    errors[row.pk] = _describe(error)
                    logger.error("Outbox message %s (%s) was not published: %s", row.pk, row.task, errors[row.pk])
                else:
                    sent.append(row.pk)
    except Exception as error:  # noqa: BLE001 - whatever the broker or the network does, the rows wait for the relay
        broker_error = _describe(error)
        done = set(sent) | errors.keys()
        errors.update({row.pk: broker_error for row in rows if row.pk not in done})
        return sent, errors, broker_error
    return sent, errors, ""


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _publish_locked(ids: Sequence[int] | None, *, older_than: timedelta | None, limit: int) -> Publication:
    """One short transaction: lock the rows (skipping those another flush or relay holds; those failed least often
    first), publish them, delete those sent, count the failure on the others."""
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).order_by("attempts", "pk")
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        if older_than is not None:
            rows = rows.filter(created_at__lt=timezone.now() - older_than)
        batch = list(rows[:limit])
        if not batch:
            return Publication()
        sent, errors, broker_error = _publish(batch)
        OutboxMessage.objects.filter(pk__in=sent).delete()
        for message in set(errors.values()):
            failed = [pk for pk, error in errors.items() if error == message]
            OutboxMessage.objects.filter(pk__in=failed).update(attempts=F("attempts") + 1, last_error=message)
    return Publication(sent=sent, left=sorted(errors), error=broker_error, taken=len(batch))


def _mark_broker_down() -> None:
    global _broker_down_until
    with _broker_down_lock:
        _broker_down_until = time.monotonic() + settings.OUTBOX_BACKOFF_SECONDS


def outbox_flush(ids: Sequence[int]) -> Publication:
    """Publish the rows ``ids`` just committed; what ``enqueue_on_commit`` runs on commit. Never raises: a failure
    (the broker down, the database gone) is logged and the rows wait for the relay. Skips the broker for
    ``OUTBOX_BACKOFF_SECONDS`` after a failure in this process."""
    if time.monotonic() < _broker_down_until:
        return Publication(left=list(ids), error="the broker was unreachable a moment ago")
    try:
        publication = _publish_locked(ids, older_than=None, limit=len(ids))
    except Exception:  # noqa: BLE001 - the change has committed; its tasks wait in the outbox
        logger.exception("Could not publish %d outbox messages; the relay will.", len(ids))
        return Publication(left=list(ids), error="error")
    if publication.error:
        _mark_broker_down()
        logger.warning(
            "The broker did not take %d tasks (%s); they wait in the outbox for the relay.",
            len(publication.left),
            publication.error,
        )
    return publication


def outbox_relay(*, older_than: timedelta = RELAY_MIN_AGE, batch: int = 500) -> Publication:
    """Publish every row older than ``older_than`` (younger ones belong to a flush in progress), those that failed
    least often first, then the oldest, in batches of ``batch`` in short transactions, until none is left or the
    broker fails (the rest waits for the next run). Rows another relay or flush holds are skipped. Returns what was
    sent and left; never raises for the broker."""
    total = Publication()
    while True:
        publication = _publish_locked(None, older_than=older_than, limit=batch)
        total.sent += publication.sent
        total.left += publication.left
        if publication.error:
            total.error = publication.error
            logger.warning("Outbox relay: the broker did not take the tasks (%s).", publication.error)
            break
        if publication.taken < batch or not publication.sent:
            break  # all taken, or a batch of rows that are refused for themselves: the next run tries again
    if total.sent:
        logger.info("Outbox relay: %d tasks handed to the broker.", len(total.sent))
    return total


def outbox_backlog() -> dict[str, Any]:
    """How many tasks wait in the outbox and the age in seconds of the oldest (for /healthz and monitoring)."""
    oldest = OutboxMessage.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "unsent": OutboxMessage.objects.count() if oldest else 0,
        "oldest_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }
