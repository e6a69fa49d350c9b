"""The Celery app of ``mobility`` with the renderer's warm-up made slower than Celery's start limit for a pool child
(``worker_proc_alive_timeout``, 4 s), as on a busy machine: ``celery -A mobility.tests.slow_warm_up worker`` with
``SLOW_WARM_UP_SECONDS`` in the environment. Used by test_worker_warm_up.py only."""

import os
import time

import django

from mobility.celery import app

django.setup()

from diplomas import rendering  # noqa: E402 - needs the apps loaded

_warm_up = rendering.warm_up


def _slow_warm_up() -> None:
    time.sleep(float(os.environ["SLOW_WARM_UP_SECONDS"]))
    _warm_up()


# Patched in the worker's main process, before it forks its pool: every child inherits the slow warm-up.
rendering.warm_up = _slow_warm_up

__all__ = ["app"]
