"""Reads of webhooks, scoped by institution: the staff pages and the partner API ask only these."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from mobility.foundation.access import partner_institution_id, sees_everything
from mobility.foundation.models import WebhookDelivery, WebhookEndpoint

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


def webhook_endpoints_visible_to(*, viewer) -> QuerySet[WebhookEndpoint]:
    """The partner API's endpoints: a partner's key sees its institution's, office staff and staff keys all."""
    endpoints = WebhookEndpoint.objects.select_related("institution").order_by("pk")
    if sees_everything(viewer):
        return endpoints
    institution_id = partner_institution_id(viewer)
    return endpoints.filter(institution_id=institution_id) if institution_id else endpoints.none()


def webhook_deliveries_visible_to(*, viewer) -> QuerySet[WebhookDelivery]:
    """Deliveries to the endpoints ``webhook_endpoints_visible_to`` gives the viewer, newest first."""
    deliveries = WebhookDelivery.objects.order_by("-created_at", "-id")
    if sees_everything(viewer):
        return deliveries
    institution_id = partner_institution_id(viewer)
    return deliveries.filter(endpoint__institution_id=institution_id) if institution_id else deliveries.none()
