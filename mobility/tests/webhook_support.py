"""Helpers of the webhook tests (test_webhooks_*.py): an endpoint registered through the service, an event emitted,
the sweeper run once the backoff has passed."""

from __future__ import annotations

import datetime

from django.utils import timezone

from mobility.foundation.models import WebhookDelivery, WebhookEndpoint
from mobility.foundation.webhooks import services

E = WebhookEndpoint.Event
D = WebhookDelivery.Status
ALL_EVENTS = list(E.values)


def endpoint(institution, url="https://hooks.example.cn/mobility", events=ALL_EVENTS, **fields) -> WebhookEndpoint:
    created = services.webhook_endpoint_create(institution=institution, url=url, events=events, by=None)
    if fields:
        services.webhook_endpoint_update(endpoint=created, by=None, **fields)
    return created


def emit(institution, event=E.ENROLLMENT_STATUS_CHANGED, data=None):
    return services.webhooks_emit(event=event, institution_id=institution.pk, data=data or {"enrollment_id": 1})


def sweep_later(committed, rounds=1):
    """What the sweeper does once the backoff has passed: every pending delivery overdue, swept (eagerly: one
    attempt each, after the commit)."""
    for _ in range(rounds):
        overdue = timezone.now() - datetime.timedelta(hours=1)
        WebhookDelivery.objects.filter(status=D.PENDING).update(next_attempt_at=overdue)
        with committed():
            services.webhooks_sweep_pending()
