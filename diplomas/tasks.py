"""Celery entry points for diplomas: ids in, a service call, safe to run twice (the services make them so)."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from mobility.foundation.exceptions import DomainError
from mobility.foundation.tasks import enqueue_many_on_commit, enqueue_on_commit

from . import services
from .archives import services as archive_services

logger = logging.getLogger(__name__)

# Unexpected errors are retried DIPLOMA_RENDER_MAX_RETRIES times, after 2, 4, 8, 16, 32 s with the default
# DIPLOMA_RENDER_RETRY_BACKOFF (± jitter, at most RETRY_BACKOFF_MAX), then the diploma is marked failed with the last
# error. Both settings are read when a task runs, not when this module is imported.
RETRY_BACKOFF_MAX = 120


def retries_allowed() -> int:
    return settings.DIPLOMA_RENDER_MAX_RETRIES


def retry_countdown(retries: int) -> float:
    """Exponential backoff with full jitter for the ``retries``-th retry (0-based)."""
    ceiling = min(settings.DIPLOMA_RENDER_RETRY_BACKOFF * 2**retries, RETRY_BACKOFF_MAX)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A trilingual page takes about 150 ms; a minute means something is wrong. The soft limit raises in the task
    # (retried like any unexpected error); the hard one kills the child (the message comes back, the attempt
    # was counted by ``diploma_issue``, which gives up after DIPLOMA_MAX_ATTEMPTS).
    soft_time_limit=60,
    time_limit=90,
    max_retries=None,  # bounded by retries_allowed(), read when the task runs
)
def render_diploma(self, diploma_id: int) -> None:
    """Issue one diploma (``services.diploma_issue``). Refusals (``DomainError``) are recorded at once as
    ``failed``; unexpected errors retry with backoff and, after the last retry, are recorded as ``failed``."""
    try:
        services.diploma_issue(diploma_id=diploma_id)
    except DomainError as error:
        services.diploma_mark_failed(diploma_id=diploma_id, reason=error.message)
    except Exception as error:  # noqa: BLE001 - every unexpected error is retried, then recorded
        reason = (
            "time limit exceeded" if isinstance(error, SoftTimeLimitExceeded) else f"{type(error).__name__}: {error}"
        )
        if self.request.retries >= retries_allowed():
            logger.exception("diploma %s failed after %s retries", diploma_id, self.request.retries)
            services.diploma_mark_failed(diploma_id=diploma_id, reason=reason)
            return
        logger.warning("diploma %s: %s; retry %s", diploma_id, reason, self.request.retries + 1)
        if self.request.is_eager:
            # Eager mode (no broker: the demo, unit tests) re-raises Celery's Retry to the caller when
            # task_eager_propagates is on; run the next attempt in place instead, without the wait.
            self.apply(args=(diploma_id,), retries=self.request.retries + 1)
            return
        raise self.retry(
            exc=error, countdown=retry_countdown(self.request.retries), max_retries=retries_allowed()
        ) from error


# A batch's diplomas go to the workers in chunks: one message per diploma cost ~10 ms of Celery's handling between
# tasks (a tenth of a diploma); a chunk is still small enough that the two workers share a batch evenly.
CHUNK_SIZE = 10


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Ten pages of about 0.1 s each; the limits leave room for a slow machine, not for a page that hangs.
    soft_time_limit=300,
    time_limit=360,
)
def render_diplomas(self, diploma_ids: list[int]) -> None:
    """Issue several diplomas one after another (``services.diploma_issue`` each, safe to run twice like
    ``render_diploma``). A refusal marks that diploma failed; an unexpected error hands that one diploma to
    ``render_diploma``, whose retries with backoff take over, and the chunk goes on with the next."""
    for diploma_id in diploma_ids:
        try:
            services.diploma_issue(diploma_id=diploma_id)
        except DomainError as error:
            services.diploma_mark_failed(diploma_id=diploma_id, reason=error.message)
        except SoftTimeLimitExceeded:
            # The chunk ran out of time: what is left is sent again one by one (already issued ones return at once),
            # through the outbox like every task, so a broker that fails now loses none of them.
            left = diploma_ids[diploma_ids.index(diploma_id) :]
            enqueue_many_on_commit(render_diploma, [[pk] for pk in left])
            return
        except Exception as error:  # noqa: BLE001 - the single-diploma task retries it with backoff
            logger.warning("diploma %s: %s: %s; handed to render_diploma", diploma_id, type(error).__name__, error)
            if self.request.is_eager:
                render_diploma.apply(args=(diploma_id,), retries=1)
            else:
                enqueue_on_commit(render_diploma, diploma_id, retries=1, countdown=retry_countdown(0))


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_stuck() -> int:
    """Re-send diplomas stuck in requested/rendering (Celery beat, every 5 minutes; also ``sweep_diplomas``)."""
    return len(services.diplomas_sweep_stuck())


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Reading and zipping stored PDFs (about 100 KB each): a cohort of thousands takes seconds, not minutes.
    soft_time_limit=600,
    time_limit=660,
)
def build_diploma_archive(self, archive_id: int) -> None:
    """Build a cohort's ZIP of issued PDFs (``archives.services.diploma_archive_build``, safe to run twice). An
    unexpected error is recorded on the archive as ``failed`` with its reason: the office asks for a new one."""
    try:
        archive_services.diploma_archive_build(archive_id=archive_id)
    except Exception as error:  # noqa: BLE001 - recorded on the archive, shown on the cohort's page
        logger.exception("diploma archive %s failed", archive_id)
        reason = (
            "time limit exceeded" if isinstance(error, SoftTimeLimitExceeded) else f"{type(error).__name__}: {error}"
        )
        archive_services.diploma_archive_mark_failed(archive_id=archive_id, reason=reason)
