"""Reads of webhooks, scoped by institution: the staff pages and the partner API ask only these."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from mobility.models import WebhookDelivery, WebhookEndpoint

D = WebhookDelivery.Status


def webhook_endpoint_list(*, institution_id: int) -> QuerySet[WebhookEndpoint]:
    """The institution's endpoints, with their pending and failed delivery counts; one query."""
    return (
        WebhookEndpoint.objects.filter(institution_id=institution_id)
        .annotate(
            pending_count=Count("deliveries", filter=Q(deliveries__status=D.PENDING)),
            failed_count=Count("deliveries", filter=Q(deliveries__status=D.FAILED)),
        )
        .order_by("-is_active", "url", "pk")
    )


def webhook_delivery_list(*, institution_id: int, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """Deliveries to the institution's endpoints, newest first; ``status`` filters. The endpoint comes along."""
    deliveries = WebhookDelivery.objects.filter(endpoint__institution_id=institution_id).select_related("endpoint")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")
