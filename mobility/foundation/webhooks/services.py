"""Writes of partner webhooks: events into deliveries, sending a delivery, replay, and the endpoints themselves.

An event becomes one ``WebhookDelivery`` per active endpoint of the partner concerned (the student's home
institution) subscribed to its type, written in the transaction of the change it announces and sent by the task
``mobility.tasks.webhook_send`` once that transaction commits. Delivery is at least once: a receiver deduplicates by
the ``X-Mobility-Delivery`` header (the event id). See docs/webhooks.md.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import secrets
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import WebhookDelivery, WebhookEndpoint
from mobility.foundation.tasks import enqueue_many_on_commit, enqueue_on_commit
from mobility.foundation.transfers.services import transfer_record_delivery
from mobility.foundation.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    body_bytes,
    signature_header,
)

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
D = WebhookDelivery.Status
EVENTS = tuple(Event.values)
RESPONSE_BODY_LIMIT = 2000  # characters of the receiver's answer kept on the delivery row
WRITE_BATCH = 1000
SWEEP_BATCH = 500  # deliveries re-sent by one sweep at most; the next sweep takes the rest
# A message may run this much before its delivery's ``next_attempt_at`` and still count as due (timer granularity).
DUE_TOLERANCE = timedelta(seconds=1)


def _send_task():
    from mobility.foundation.tasks import webhook_send  # the task module imports this one lazily; keep the cycle open

    return webhook_send


# --- events into deliveries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    """One event about one partner's student: ``event`` is a ``WebhookEndpoint.Event`` value."""

    event: str
    institution_id: int
    data: dict[str, Any]


_endpoints_cache: ContextVar[dict[int, list[WebhookEndpoint]] | None] = ContextVar("webhook_endpoints", default=None)


@contextmanager
def webhook_endpoints_cached() -> Iterator[None]:
    """Inside the block, each institution's endpoints are read once, however many events are emitted: wrap loops
    that call a service per row (a results grid, completing many). Endpoints changed meanwhile are seen after it."""
    if _endpoints_cache.get() is not None:
        yield
        return
    token = _endpoints_cache.set({})
    try:
        yield
    finally:
        _endpoints_cache.reset(token)


def _active_endpoints(institution_ids: set[int]) -> dict[int, list[WebhookEndpoint]]:
    cache = _endpoints_cache.get()
    if cache is None:
        cache = {}  # outside webhook_endpoints_cached: read for this call only
    missing = institution_ids - cache.keys()
    if missing:
        cache.update({pk: [] for pk in missing})
        for endpoint in WebhookEndpoint.objects.filter(institution_id__in=missing, is_active=True).order_by("pk"):
            cache[endpoint.institution_id].append(endpoint)
    return cache


# What an app changes in the ``data`` of the events about to be sent, registered in its ``AppConfig.ready`` (the
# foundation knows no app): each takes the ``data`` of every event of one call that has an endpoint and returns them,
# changed or not. The students app withholds the personal data of students who refused the transfer to the partner.
DataFilter = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
_data_filters: list[DataFilter] = []


def webhook_data_filter_register(data_filter: DataFilter) -> None:
    """Add a filter of events' ``data`` (registering the same function twice adds it once)."""
    if data_filter not in _data_filters:
        _data_filters.append(data_filter)


def webhooks_emit(*, event: str, institution_id: int, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Announce one event to the partner ``institution_id``; see ``webhooks_emit_many``."""
    return webhooks_emit_many(events=[WebhookEvent(event=event, institution_id=institution_id, data=data)])


def webhooks_emit_many(*, events: Iterable[WebhookEvent]) -> list[WebhookDelivery]:
    """Write a pending delivery of each event to every active endpoint of its institution subscribed to its type,
    and send each one once the current transaction commits.

    Call it inside the transaction that makes the change: a rollback takes the deliveries with it and sends
    nothing. Queries: one for the endpoints of all the events' institutions (none for institutions already read in
    ``webhook_endpoints_cached``), what the registered data filters read (the students app: one query) when
    something is sent, one insert per 1,000 deliveries, nothing more; none at all for no events.
    """
    events = list(events)
    if not events:
        return []
    endpoints = _active_endpoints({item.institution_id for item in events})
    occurred_at = timezone.now().isoformat()
    sending: list[tuple[WebhookEvent, list[WebhookEndpoint]]] = []
    for item in events:
        if item.event not in EVENTS:
            raise ValueError(f"unknown webhook event {item.event!r}")
        targets = [endpoint for endpoint in endpoints[item.institution_id] if item.event in endpoint.events]
        if targets:
            sending.append((item, targets))
    datas = [item.data for item, _targets in sending]
    for data_filter in _data_filters if sending else ():
        datas = data_filter(datas)
    deliveries: list[WebhookDelivery] = []
    for (item, targets), data in zip(sending, datas, strict=True):
        event_id = uuid.uuid4()
        payload = {"id": str(event_id), "type": item.event, "occurred_at": occurred_at, "data": data}
        deliveries += [
            WebhookDelivery(endpoint=endpoint, event=item.event, event_id=event_id, payload=payload)
            for endpoint in targets
        ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries, batch_size=WRITE_BATCH)
        enqueue_many_on_commit(_send_task(), [[delivery.pk] for delivery in deliveries])
    return deliveries


def webhook_max_attempts() -> int:
    return settings.WEBHOOK_MAX_RETRIES + 1


def webhook_retry_countdown(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: exponential backoff with full jitter,
    ``WEBHOOK_RETRY_BACKOFF`` × 2^(attempts-1), at most ``WEBHOOK_RETRY_BACKOFF_MAX``."""
    ceiling = min(settings.WEBHOOK_RETRY_BACKOFF * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_BACKOFF_MAX)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _lock(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, locked; ``None`` when another run holds it (it is sending right now) or it is gone."""
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt to send a pending delivery and record it on the row; what ``webhook_send`` runs. Returns
    the delivery (still ``pending``, with ``next_attempt_at`` set by the backoff, when it should be tried again),
    or ``None`` when this run sent nothing because another run is sending it or its next attempt is not due yet.

    Safe to run any number of times, concurrently too: a delivered or failed delivery is not sent again (only
    ``webhook_replay`` makes it pending), two runs never send at once, and a run before ``next_attempt_at`` (a
    duplicate message: the sweeper's and the retry's, or one Redis handed out twice) sends nothing, so duplicates
    neither spend attempts nor start a second chain of retries.
    1. A short transaction holding the row lock counts the attempt and commits, so an attempt killed with its
       worker is counted too; after ``WEBHOOK_MAX_RETRIES`` + 1 attempts in all the delivery is ``failed``.
    2. A second transaction takes the row lock again (skipping it if another run holds it), sends the POST with
       ``WEBHOOK_TIMEOUT``, records the answer (``response_code``, the first 2,000 characters of the body, the
       error) and moves to ``delivered`` on a 2xx, to ``failed`` when it was the last attempt, or else stays
       ``pending`` with ``next_attempt_at`` after the backoff (``webhook_retry_countdown``), and commits. The lock
       is held during the request so that a second run waits for this one's outcome instead of sending again; a
       killed worker's connection closes and PostgreSQL releases it.
    """
    with transaction.atomic():
        delivery = _lock(delivery_id)
        if delivery is None or delivery.status != D.PENDING:
            return delivery
        if delivery.next_attempt_at > timezone.now() + DUE_TOLERANCE:
            return None
        refusal = _refusal(delivery)
        if refusal:
            return _finish(delivery, status=D.FAILED, error=refusal)
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.save(update_fields=["attempts", "last_attempt_at"])

    with transaction.atomic():
        delivery = _lock(delivery_id)
        if delivery is None or delivery.status != D.PENDING:
            return delivery
        code, body, error = _post(delivery)
        delivery.response_code = code
        delivery.response_body = body
        if code is not None and 200 <= code < 300:
            delivery.delivered_at = timezone.now()
            # The partner holds the payload now: a transfer Russia → China, in the register (docs/privacy.md).
            transfer_record_delivery(delivery=delivery)
            return _finish(delivery, status=D.DELIVERED, error="")
        error = error or f"HTTP {code}"
        last = delivery.attempts >= webhook_max_attempts()
        logger.warning("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, error)
        if not last:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=webhook_retry_countdown(delivery.attempts))
        return _finish(delivery, status=D.FAILED if last else D.PENDING, error=error)


def _refusal(delivery: WebhookDelivery) -> str:
    if delivery.attempts >= webhook_max_attempts():
        return ngettext("Gave up after %(n)d attempt.", "Gave up after %(n)d attempts.", delivery.attempts) % {
            "n": delivery.attempts
        }
    if not delivery.endpoint.is_active:
        return _("The endpoint is disabled.")
    # A host that does not resolve now is a failed attempt (retried), not a refusal.
    return url_problem(delivery.endpoint.url, resolve=True, unresolved_ok=True) or ""


def _finish(delivery: WebhookDelivery, *, status: str, error: str) -> WebhookDelivery:
    delivery.status = status
    delivery.last_error = error[:RESPONSE_BODY_LIMIT]
    delivery.save(
        update_fields=["status", "last_error", "response_code", "response_body", "delivered_at", "next_attempt_at"]
    )
    return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """POST the signed payload; ``(status code or None, start of the answer, error)``. Never raises for the
    network or the receiver; redirects are not followed (a 3xx is a failed attempt)."""
    body = body_bytes(delivery.payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "mobility-webhooks/1",
        SIGNATURE_HEADER: signature_header(secret=delivery.endpoint.secret, body=body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
    }
    timeout = settings.WEBHOOK_TIMEOUT
    try:
        with requests.post(
            delivery.endpoint.url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        ) as response:
            # Read no more of the answer than is kept.
            raw = response.raw.read(RESPONSE_BODY_LIMIT * 4, decode_content=True) or b""
            return response.status_code, raw.decode("utf-8", "replace")[:RESPONSE_BODY_LIMIT], ""
    except requests.RequestException as error:
        return None, "", f"{type(error).__name__}: {error}"[:RESPONSE_BODY_LIMIT]


def url_problem(url: str, *, resolve: bool, unresolved_ok: bool = False) -> str | None:
    """Why webhooks may not be sent to ``url``, or ``None``: only ``http``/``https`` URLs with a host and no
    credentials; unless ``WEBHOOK_ALLOW_PRIVATE_URLS``, a host that resolves to a loopback, private, link-local or
    reserved address is refused too (partners must not make the server call into its own network). ``resolve``
    looks the host up; a host that does not resolve is a problem unless ``unresolved_ok``. The address is checked
    when the endpoint is registered and before every attempt (not against DNS changes between the check and the
    connection: keep ``WEBHOOK_ALLOW_PRIVATE_URLS`` off and the server's egress filtered in production)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("Not a valid URL.")
    if parts.scheme not in ("http", "https"):
        return _("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname:
        return _("The URL has no host.")
    if parts.username or parts.password:
        return _("The URL must not contain a user name or password.")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return None
    try:
        addresses = {ipaddress.ip_address(parts.hostname)}
    except ValueError:
        if not resolve:
            return None
        try:
            infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        except OSError:
            if unresolved_ok:
                return None
            return _("The host %(host)s cannot be resolved.") % {"host": parts.hostname}
        addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    if any(not address.is_global for address in addresses):
        return _("The URL points into a private network.")
    return None


# --- the sweeper ---------------------------------------------------------------------------------------------------


@dataclass
class WebhookSweep:
    """What one sweep did: ids re-sent, and ids marked ``failed`` because their last attempt was spent."""

    resent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def webhooks_sweep_pending(*, overdue_by: timedelta | None = None, limit: int = SWEEP_BATCH) -> WebhookSweep:
    """Re-send every ``pending`` delivery whose next attempt is overdue by more than ``overdue_by`` (default
    ``WEBHOOK_STUCK_AFTER_SECONDS``): its message was lost with a worker, is held by the broker until its
    visibility timeout, or there is no broker (eager mode makes one attempt per run and leaves the next to this).
    The due time is the delivery's creation or replay, then the backoff after each failed attempt, so a delivery
    waiting for a scheduled retry is left alone.

    A delivery whose attempts are all spent (the last one killed with its worker) is marked ``failed`` here,
    without a request. Rows locked by a running attempt are skipped. Re-sent rows get ``next_attempt_at`` = now,
    so the next sweep waits again, and a late copy of their old message is a duplicate that ``webhook_deliver``
    drops. At most ``limit`` rows, the most overdue first. Atomic; the tasks are sent after the commit (in eager
    mode they run then, one attempt each).
    """
    now = timezone.now()
    late = timedelta(seconds=settings.WEBHOOK_STUCK_AFTER_SECONDS) if overdue_by is None else overdue_by
    sweep = WebhookSweep()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=D.PENDING, next_attempt_at__lt=now - late)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "attempts")[:limit]
        )
        for pk, attempts in rows:
            (sweep.failed if attempts >= webhook_max_attempts() else sweep.resent).append(pk)
        if sweep.failed:
            WebhookDelivery.objects.filter(pk__in=sweep.failed).update(
                status=D.FAILED,
                last_error=ngettext(
                    "Gave up after %(n)d attempt.", "Gave up after %(n)d attempts.", webhook_max_attempts()
                )
                % {"n": webhook_max_attempts()},
            )
        if sweep.resent:
            WebhookDelivery.objects.filter(pk__in=sweep.resent).update(next_attempt_at=now)
            task = _send_task()
            for pk in sweep.resent:
                enqueue_on_commit(task, pk)
    if rows:
        logger.warning("webhook sweep: re-sent %s, failed %s", sweep.resent, sweep.failed)
    return sweep


# --- replay ----------------------------------------------------------------------------------------------------------


def webhook_replay(*, delivery: WebhookDelivery, by: Actor) -> WebhookDelivery:
    """Send a delivery again (staff): back to ``pending`` with its attempts reset, the same event id and payload
    (a fresh timestamp and signature), sent once the transaction commits. Any status may be replayed; a replay of
    a pending delivery only starts a new round of attempts. Refused for a disabled endpoint. Atomic, audited."""
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=delivery.pk)
        if not locked.endpoint.is_active:
            raise DomainError(_("The endpoint is disabled: enable it before replaying."), code="endpoint_disabled")
        old_status, old_attempts = locked.status, locked.attempts
        locked.status = D.PENDING
        locked.attempts = 0
        locked.last_error = ""
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        audit_record(
            actor=by,
            obj=locked,
            action="webhook.replay",
            changes={"status": (old_status, D.PENDING), "attempts": (old_attempts, 0)},
        )
        enqueue_on_commit(_send_task(), locked.pk)
    return locked


# --- endpoints -------------------------------------------------------------------------------------------------------


def _clean_events(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        raise DomainError(
            _("Unknown event types: %(events)s.") % {"events": ", ".join(map(str, unknown))},
            code="invalid_events",
            field="events",
        )
    if not events:
        raise DomainError(_("Choose at least one event type."), code="required", field="events")
    return sorted(events, key=EVENTS.index)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    problem = url_problem(url, resolve=True)
    if problem:
        raise DomainError(problem, code="invalid_url", field="url")
    return url


def webhook_endpoint_create(
    *, institution, url: str, events: Iterable[str], by: Actor, description: str = ""
) -> WebhookEndpoint:
    """Register a URL of a partner for the given event types, with a new random secret (returned on the row; show
    it to the partner, who signs nothing with it but checks every delivery). The URL is checked (``url_problem``).
    Atomic, audited (never the secret)."""
    url = _clean_url(url)
    events = _clean_events(events)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            institution=institution,
            url=url,
            events=events,
            secret=secrets.token_urlsafe(32),
            description=description.strip(),
        )
        audit_record(
            actor=by,
            obj=endpoint,
            action="webhook_endpoint.create",
            changes={"url": (None, url), "events": (None, ",".join(events))},
        )
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, by: Actor, **values: Any) -> WebhookEndpoint:
    """Change ``url``, ``events``, ``description`` or ``is_active`` (disable, enable). Atomic, audited; the same
    values again change nothing and write no entry."""
    allowed = {"url", "events", "description", "is_active"}
    if values.keys() - allowed:
        raise TypeError(f"cannot change {sorted(values.keys() - allowed)}")
    if "url" in values:
        values["url"] = _clean_url(values["url"])
    if "events" in values:
        values["events"] = _clean_events(values["events"])
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changes = {
            field: (getattr(locked, field), value) for field, value in values.items() if getattr(locked, field) != value
        }
        if changes:
            for field, value in values.items():
                setattr(locked, field, value)
            locked.save(update_fields=[*values, "modified_at"])
            audit_record(
                actor=by,
                obj=locked,
                action="webhook_endpoint.update",
                changes={
                    field: (",".join(old), ",".join(new)) if field == "events" else (old, new)
                    for field, (old, new) in changes.items()
                },
            )
    for field in (*values, "modified_at"):
        setattr(endpoint, field, getattr(locked, field))
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, by: Actor) -> None:
    """Remove an endpoint and its delivery log (the partner's own configuration; the audit log keeps the entry).
    Atomic, audited."""
    with transaction.atomic():
        audit_record(actor=by, obj=endpoint, action="webhook_endpoint.delete", changes={"url": (endpoint.url, None)})
        endpoint.delete()
