"""The request id: one per HTTP request (and one per Celery task), written on every log line of its work.

An incoming ``X-Request-ID`` (set by a proxy or a partner's client) is kept when it is a sane token, so one id can be
followed across systems; anything else is replaced by a new uuid4 hex. The id goes back in the response's
``X-Request-ID`` header and lives in a context variable for the request's duration, where
``mobility.foundation.logs``'s filter
reads it. A Celery task's lines carry its task id in the same place (``connect_celery_signals``).

Why our own ~40 lines rather than django-guid or django-log-request-id: neither validates an incoming id the way the
logs need (django-guid takes a UUID or, with validation off, anything; django-log-request-id takes anything), and a
header value is user input that ends up in every log line. docs/deployment.md ("Logs") says more.
"""

from __future__ import annotations

import contextvars
import re
import uuid

HEADER = "X-Request-ID"
MAX_LENGTH = 64
_SANE = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LENGTH}}}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Tokens of the task ids set by task_prerun, by task id, so task_postrun can restore what was there before (an eager
# task runs inside the request that sent it).
_task_tokens: dict[str, contextvars.Token] = {}


def current() -> str | None:
    """The id of the request (or Celery task) being handled in this context, ``None`` outside of one."""
    return _current.get()


def sanitised(value: str | None) -> str | None:
    """``value`` when it is a token of 1 to 64 characters of ``[A-Za-z0-9._-]``, else ``None``."""
    if value and _SANE.fullmatch(value):
        return value
    return None


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give every request an id (``request.request_id``), set it on the response and in the context for logging.

    First in ``MIDDLEWARE``, so that redirects, static files and error pages carry the header too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sanitised(request.headers.get(HEADER)) or new_id()
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


def _task_started(task_id=None, **kwargs):
    if task_id:
        _task_tokens[task_id] = _current.set(task_id)


def _task_finished(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is None:
        return
    try:
        _current.reset(token)
    except ValueError:
        # Set in another context (a pool that runs prerun and postrun apart): forget the task's id all the same.
        _current.set(None)


def connect_celery_signals() -> None:
    """Log lines written while a task runs carry its task id as their ``request_id`` (workers and eager runs)."""
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="mobility.foundation.request_id.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="mobility.foundation.request_id.task_finished")
