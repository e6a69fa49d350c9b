"""``/healthz``: is this web process able to work? It asks the database and the broker, each with a short timeout.

For load balancers, container health checks and monitoring: 200 with ``{"status": "ok", ...}`` when every check
passes, 503 with ``"fail"`` otherwise. No login, no session, no CSRF, never cached; the answer names no host, user or
error message (a failure's details go to the log).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from mobility.celery import app
from mobility.foundation.outbox import outbox_backlog

logger = logging.getLogger(__name__)

# Seconds a check may take. A broker that is down must turn into a 503 quickly, not into a probe that times out.
BROKER_TIMEOUT = 1.5
DATABASE_STATEMENT_TIMEOUT_MS = 2000
DATABASE_QUERY = "SELECT 1"


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def check_database() -> dict:
    """``SELECT 1`` on the default database (on PostgreSQL under a 2 s statement timeout)."""
    start = time.perf_counter()
    try:
        # In a transaction of its own: SET LOCAL ends with it, and a failure is rolled back, so the connection (kept
        # alive for the next requests) keeps its normal settings and state.
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL statement_timeout = {DATABASE_STATEMENT_TIMEOUT_MS}")
            cursor.execute(DATABASE_QUERY)
            cursor.fetchone()
    except Exception as error:
        logger.warning("Health check: the database failed: %r", error, exc_info=True)
        return {"ok": False, "ms": _ms_since(start), "error": type(error).__name__}
    return {"ok": True, "ms": _ms_since(start)}


def check_broker() -> dict:
    """Connect to the Celery broker (Redis answers a PING as the connection opens), and count the tasks waiting in
    the outbox for it; without ``CELERY_BROKER_URL`` tasks run in-process and there is nothing to reach."""
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager"}
    start = time.perf_counter()
    try:
        with app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            transport_options={
                **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                "socket_timeout": BROKER_TIMEOUT,
                "socket_connect_timeout": BROKER_TIMEOUT,
                "max_retries": 0,
            },
        ) as conn:
            conn.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0,
                timeout=BROKER_TIMEOUT,  # type: ignore[arg-type]  # kombu takes a float; celery-types says int
            )
    except Exception as error:
        logger.warning("Health check: the broker failed: %r", error)
        return {"ok": False, "ms": _ms_since(start), "error": type(error).__name__, **_outbox()}
    return {"ok": True, "ms": _ms_since(start), **_outbox()}


def _outbox() -> dict:
    """The tasks waiting in the outbox for the broker (decision 0017): ``unsent`` and the age of the oldest in
    seconds. They grow while the broker is down and fall to 0 within ``OUTBOX_RELAY_SECONDS`` once it is back; when
    they do not, beat (the relay) is not running."""
    try:
        backlog = outbox_backlog()
    except Exception as error:  # the database check reports the database
        logger.warning("Health check: could not read the outbox: %r", error)
        return {}
    return {"outbox_unsent": backlog["unsent"], "outbox_oldest_seconds": backlog["oldest_seconds"]}


@never_cache
@csrf_exempt
@require_safe
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
