"""Reads of what crosses apps: partners' API keys for the staff pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from mobility.foundation.models import PartnerAPIKey


def api_key_list(*, filters: dict | None = None) -> QuerySet[PartnerAPIKey]:
    """Keys newest first, with their institution and creator in the same query, narrowed by
    ``filters["institution"]`` and ``filters["status"]`` (``active``, ``expired`` or ``revoked``)."""
    filters = filters or {}
    keys = PartnerAPIKey.objects.select_related("institution", "created_by").order_by("-created")
    if filters.get("institution"):
        keys = keys.filter(institution=filters["institution"])
    expired = Q(expiry_date__lt=timezone.now())
    status = filters.get("status")
    if status == "active":
        keys = keys.filter(revoked=False).exclude(expired)
    elif status == "expired":
        keys = keys.filter(expired, revoked=False)
    elif status == "revoked":
        keys = keys.filter(revoked=True)
    return keys
