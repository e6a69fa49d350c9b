"""The Celery application: ``celery -A mobility worker`` / ``celery -A mobility beat``.

Configuration comes from Django settings (``CELERY_*``). Without ``CELERY_BROKER_URL`` tasks run eagerly in the
calling process; with it they go to the broker (Redis) and run in workers.
"""

import gc
import logging
import os

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from .request_id import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")

app = Celery("mobility")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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


@worker_process_init.connect
def _prepare_worker_process(**kwargs):
    """Warm a worker process up, then freeze what it holds for good out of the garbage collector's way.

    The diploma renderer's shared state (fonts, stylesheet, fontconfig and Pango caches) and Django's are long-lived;
    without ``gc.freeze()`` every full collection walks them again, which showed as spikes of several milliseconds
    in the render times (docs/performance.md).
    """
    from diplomas import rendering, signing

    try:
        rendering.warm_up()
        signing.signer()
    except Exception:
        # A worker that cannot render still serves the other tasks; the diploma task reports its own error.
        logger.exception("Warming up the diploma renderer failed.")
    gc.collect()
    gc.freeze()
