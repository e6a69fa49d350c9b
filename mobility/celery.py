"""The Celery application: ``celery -A mobility worker`` / ``celery -A mobility beat``.

Configuration comes from Django settings (``CELERY_*``). Without ``CELERY_BROKER_URL`` tasks run eagerly in the
calling process; with it they go to the broker (Redis) and run in workers.
"""

import gc
import logging
import os
import threading
import time

from celery import Celery
from celery.signals import setup_logging, task_prerun, worker_process_init

from mobility.foundation.request_id import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")

app = Celery("mobility")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The foundation's tasks (the outbox relay, webhook sends, purges) and the personal-data register's (the retention
# schedule) live in packages, not installed apps.
app.autodiscover_tasks(["mobility.foundation", "mobility.personal_data"])

logger = logging.getLogger(__name__)

# A task's log lines carry its id in the field a request's lines carry the request id in.
connect_celery_signals()


@setup_logging.connect
def _configure_logging(**kwargs):
    """Workers and beat log like the web processes (settings.LOGGING: JSON lines in production, with the task id)
    instead of Celery's own format; a receiver of this signal is what tells Celery to leave logging alone."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# Set while no warm-up is under way: the web processes and eager tasks never wait.
_warmed_up = threading.Event()
_warmed_up.set()
# A task waits at most this long for the warm-up, then goes on (and the renderer loads what it needs itself).
WARM_UP_WAIT_LIMIT = 60


@worker_process_init.connect
def _prepare_worker_process(**kwargs):
    """Warm a new pool child up in a thread, so that the child reports itself up to the main process at once.

    Celery kills a child that has not reported up within ``worker_proc_alive_timeout`` (4 s), and that report comes
    only after this signal's receivers return: a warm-up run here (fonts, Pango, the signer: seconds on a busy
    machine) made Celery kill every new child in turn. The first task waits for the warm-up (``task_prerun`` below),
    so a render never runs beside it.
    """
    _warmed_up.clear()
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()


def _warm_up() -> None:
    """Load what every render shares, then freeze what the process holds for good out of the garbage collector's
    way: the renderer's shared state (fonts, stylesheet, fontconfig and Pango caches) and Django's are long-lived;
    without ``gc.freeze()`` every full collection walks them again, which showed as spikes of several milliseconds
    in the render times (docs/performance.md)."""
    from diplomas import rendering, signing

    started = time.monotonic()
    try:
        rendering.warm_up()
        signing.signer()
    except Exception:
        # A worker that cannot render still serves the other tasks; the diploma task reports its own error.
        logger.exception("Warming up the diploma renderer failed.")
    else:
        logger.info("Worker process warmed up in %.1f s.", time.monotonic() - started)
    finally:
        gc.collect()
        gc.freeze()
        _warmed_up.set()


def wait_for_warm_up(timeout: float | None = WARM_UP_WAIT_LIMIT) -> bool:
    """Wait until this process's warm-up (if one was started) is over; False if it still runs after ``timeout``."""
    return _warmed_up.wait(timeout)


@task_prerun.connect
def _wait_for_warm_up(**kwargs):
    if not wait_for_warm_up():
        logger.warning("The warm-up still runs after %s s; the task starts anyway.", WARM_UP_WAIT_LIMIT)
