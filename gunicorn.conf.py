"""gunicorn's configuration: ``gunicorn -c gunicorn.conf.py`` (gunicorn also reads this file by itself when it is
started in this folder). Every value comes from the environment; docs/deployment.md describes them.

Logging is the app's own (mobility/foundation/logs.py): gunicorn's lines and its access lines come out in
``LOG_FORMAT`` like
Django's, each access line with the request's id (the ``X-Request-ID`` the app set on the response).
"""

import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mobility.foundation.logs import logging_config  # noqa: E402 - after the project folder is on the path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "mobility.wsgi:application"

# GUNICORN_BIND, else $PORT on every interface (a platform's Procfile convention), else 127.0.0.1:8000 (behind a
# proxy on the same machine).
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
)
# Synchronous workers: the pages are short and database-bound; diplomas are rendered by Celery, not here.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request running longer than this is killed and its worker restarted (imports and exports are the longest).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced after this many requests (with jitter), so a slow leak never grows for good; 0: never.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Addresses of the proxies whose X-Forwarded-* headers gunicorn believes (gunicorn's own FORWARDED_ALLOW_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 27's control socket (for gunicornc) only where asked for: its default path is per user, not per site,
# so two sites (or a test run beside a site) would share one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
# Worker heartbeat files in memory, not on a disk that may stall (containers' /tmp is often overlayfs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

_debug = os.environ.get("DJANGO_DEBUG", "").lower() in ("1", "true", "yes", "on")
# The same choice as settings.LOG_FORMAT: JSON in production, plain with DJANGO_DEBUG=1.
logconfig_dict = logging_config(
    fmt=os.environ.get("LOG_FORMAT") or ("plain" if _debug else "json"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# Access lines (on with GUNICORN_ACCESS_LOG=1, the default): in JSON their fields (method, path, status_code,
# duration_ms, bytes, remote_addr, user_agent, request_id) are separate; this is their message.
accesslog = None  # the lines go through logconfig_dict's handler, not a file of gunicorn's own
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
if os.environ.get("GUNICORN_ACCESS_LOG", "1") in ("0", "false", "no", "off"):
    logconfig_dict["loggers"]["gunicorn.access"] = {"handlers": [], "propagate": False}
