"""Log records and their two formats: ``json`` (production: one object per line) and ``plain`` (development).

``logging_config()`` is the one logging configuration, used by ``settings.LOGGING`` (Django in the web processes,
Celery's worker and beat through ``mobility.celery``) and by ``gunicorn.conf.py`` (gunicorn's own and access lines),
so every process writes the same shape of line. JSON lines come from python-json-logger. Both formats redact the
token of a password-reset or invitation link wherever it appears in a line (``redact``).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Mapping
from typing import cast

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from mobility.foundation import request_id

FORMATS = ("json", "plain")

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# A password-reset or invitation link carries its token in the path (/accounts/reset/<uid>/<token>/, students/
# accounts_urls.py): a gunicorn access line, Django's "Not Found: …" or a traceback would write it into the log, where
# it stays valid until the password is set (days). Django's view swaps it for "set-password" (kept in the session)
# on the first visit; that name is not a secret and stays readable.
_TOKEN_IN_PATH = re.compile(r"(/(?:reset|invitation)/[^/\s\"'?#]+/)(?!set-password(?:[/\s\"'?#]|$))[^/\s\"'?#]+")
REDACTED = "[redacted]"


def redact(line: str) -> str:
    """The line with the token of every reset or invitation link in it replaced by ``[redacted]``."""
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", line)


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` (the request's or the Celery task's id, ``None`` outside of both) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.current() or _id_carried_by(record)
        return True


def _id_carried_by(record: logging.LogRecord) -> str | None:
    # Django logs a 4xx or 5xx answer ("Not Found: /x") after the middleware has returned, out of the request's
    # context, with the request in the record; Celery logs a task received, before it runs, with its id in "data".
    request = getattr(record, "request", None)
    if request is not None:
        return getattr(request, "request_id", None)
    data = getattr(record, "data", None)
    if record.name.startswith("celery.") and isinstance(data, dict) and isinstance(data.get("id"), str):
        return data["id"]
    return None


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, request_id, and the exception's text
    under ``exception`` when there is one; a record's ``extra`` fields follow."""

    def __init__(self, **kwargs):
        kwargs.setdefault("json_ensure_ascii", False)  # Russian and Chinese stay readable in the log
        super().__init__(
            ["asctime", "levelname", "name", "message", "request_id"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "exc_info": "exception"},
            **kwargs,
        )

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        # The whole line: the message, the fields (a gunicorn line's path, django.request's request) and a traceback.
        return redact(super().format(record))


class PlainFormatter(logging.Formatter):
    """The development format; ``-`` where a record has no request id."""

    def __init__(self, **kwargs):
        super().__init__(PLAIN_FORMAT, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.request_id = rid or "-"
        try:
            return redact(super().format(record))
        finally:
            record.request_id = rid


class GunicornAccessFields(logging.Filter):
    """Turn the fields of a gunicorn access line (its ``args``) into fields of the record, for the JSON format:
    the request id comes from the response's ``X-Request-ID`` header, set by ``RequestIdMiddleware``."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, Mapping):
            rid = atoms.get("{x-request-id}o")
            if rid and rid != "-":
                record.request_id = rid
            record.method = atoms.get("m")
            record.path = atoms.get("U")
            record.status_code = _int_or_none(atoms.get("s"))
            record.duration_ms = round(cast(int, atoms.get("D", 0)) / 1000, 1)  # gunicorn: microseconds, an int
            record.bytes = atoms.get("B")
            record.remote_addr = atoms.get("h")
            record.user_agent = atoms.get("a")
        return True


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def logging_config(*, fmt: str, level: str = "INFO") -> dict:
    """The ``dictConfig`` of every process: one console handler (stderr) in ``fmt`` (``json`` or ``plain``), a
    request id on every record, Django's and gunicorn's loggers through it, SQL only from WARNING up."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    formatter = (
        {"()": "mobility.foundation.logs.JsonFormatter"}
        if fmt == "json"
        else {"()": "mobility.foundation.logs.PlainFormatter"}
    )
    through_root = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "mobility.foundation.logs.RequestIdFilter"},
            "gunicorn_access": {"()": "mobility.foundation.logs.GunicornAccessFields"},
        },
        "formatters": {fmt: formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (console when DEBUG, mail to ADMINS) replaced: its lines go through the root.
            "django": {**through_root, "level": level},
            "django.db.backends": {"level": "WARNING"},
            # WeasyPrint's INFO is a line per rendering step, fontTools' a line per font table: noise in production.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            "gunicorn.error": {**through_root, "level": level},
            "gunicorn.access": {**through_root, "level": "INFO", "filters": ["gunicorn_access"]},
        },
    }
