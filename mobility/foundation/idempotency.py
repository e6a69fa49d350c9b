"""Idempotent API writes: the ``Idempotency-Key`` header, the stored first response that is replayed, and the purge
of records past their window (docs/api.md, "Retries and Idempotency-Key")."""

from __future__ import annotations

import datetime
import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from mobility.foundation.api import Conflict
from mobility.foundation.models import IdempotencyRecord, PartnerAPIKey

# --- idempotent writes ---------------------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
# A stored response is replayed for this long; after it the key may be used again for another request.
IDEMPOTENCY_TTL = datetime.timedelta(hours=24)
# A claim whose request never finished (the process died) is given up after this long.
IDEMPOTENCY_IN_FLIGHT_TIMEOUT = datetime.timedelta(minutes=5)
_REPLAYED_HEADERS = ("Location",)


def _owner(request) -> str:
    if isinstance(request.auth, PartnerAPIKey):
        return f"api-key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _claim(request, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """Our new record for ``key``, or the response to give instead (the stored one, or a 409)."""
    owner = _owner(request)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    owner=owner, key=key, method=request.method, path=request.path, request_hash=request_hash
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is None:
                continue  # deleted in between (a failed first request): claim again
        now = timezone.now()
        stale = record.created_at < now - (
            IDEMPOTENCY_TTL if record.status_code is not None else IDEMPOTENCY_IN_FLIGHT_TIMEOUT
        )
        if stale:
            IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.request_hash != request_hash:
            raise Conflict(
                _("This Idempotency-Key was used for another request; use a new key for a new request."),
                code="idempotency_key_reused",
            )
        if record.status_code is None:
            raise Conflict(
                _("A request with this Idempotency-Key is still being processed; retry later."),
                code="idempotency_in_progress",
            )
        response = Response(record.response_body, status=record.status_code, headers=record.response_headers)
        response["Idempotent-Replayed"] = "true"
        return response
    raise Conflict(_("This Idempotency-Key is being claimed by another request."), code="idempotency_in_progress")


def idempotent(handler):
    """Wrap a write action: with an ``Idempotency-Key`` header, the first request's response (any status below 500)
    is stored and replayed for the same key and body; another body is a 409, and so is a second request while the
    first is still running. Without the header the action runs as usual. The claim is committed before the action
    runs, so a concurrent duplicate sees it; a request that fails with a server error releases its key."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not key.strip() or len(key) > 255 or "\x00" in key:  # no database column holds a NUL
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: [_("Send 1 to 255 characters, e.g. a UUID.")]}, code="invalid"
            )
        claimed = _claim(request, key, _request_hash(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            try:
                response = handler(self, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shaped like DRF would, so the outcome can be stored
                response = self.handle_exception(exc)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        headers = {name: response[name] for name in _REPLAYED_HEADERS if response.has_header(name)}
        IdempotencyRecord.objects.filter(pk=claimed.pk).update(
            status_code=response.status_code, response_body=body, response_headers=headers
        )
        return response

    return wrapper


def idempotency_records_purge(*, now: datetime.datetime | None = None, batch: int = 5000) -> int:
    """Delete the ``IdempotencyRecord`` rows no request can use any more: answered ones older than the replay window
    (``IDEMPOTENCY_TTL``, 24 h) and claims whose request never finished older than
    ``IDEMPOTENCY_IN_FLIGHT_TIMEOUT`` (its process died); ``idempotent`` already treats both as free keys.
    Deletes in batches of ``batch`` rows (short transactions, no long lock on a busy table); idempotent. Returns
    how many rows were deleted."""
    now = now or timezone.now()
    expired = Q(status_code__isnull=False, created_at__lt=now - IDEMPOTENCY_TTL) | Q(
        status_code__isnull=True, created_at__lt=now - IDEMPOTENCY_IN_FLIGHT_TIMEOUT
    )
    deleted = 0
    while True:
        ids = list(IdempotencyRecord.objects.filter(expired).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        # The condition again: a claim answered in between is young enough to replay, and is kept.
        deleted += IdempotencyRecord.objects.filter(expired, pk__in=ids).delete()[0]
