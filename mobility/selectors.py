"""Reads of what crosses apps: partners' API keys and the audit log for the staff pages."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from mobility.foundation.models import AuditEntry, PartnerAPIKey


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


def audit_entry_list(*, filters: dict | None = None) -> QuerySet[AuditEntry]:
    """The audit log newest first, with the actor and the object's type in the same query, narrowed by ``filters``:
    ``who`` (a text in the actor's user name, name or label), ``action``, ``content_type``, ``object_id``, ``q`` (a
    text in the object's label), ``date_from`` and ``date_to`` (days in the site's zone, both included)."""
    filters = filters or {}
    entries = AuditEntry.objects.select_related("actor", "content_type").order_by("-at", "-id")
    if who := (filters.get("who") or "").strip():
        entries = entries.filter(
            Q(actor_label__icontains=who)
            | Q(actor__first_name__icontains=who)
            | Q(actor__last_name__icontains=who)
            | Q(actor__email__icontains=who)
        )
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("content_type"):
        entries = entries.filter(content_type=filters["content_type"])
    if object_id := (filters.get("object_id") or "").strip():
        entries = entries.filter(object_id=object_id)
    if text := (filters.get("q") or "").strip():
        entries = entries.filter(Q(object_repr__icontains=text) | Q(reason__icontains=text))
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        entries = entries.filter(at__gte=datetime.datetime.combine(filters["date_from"], datetime.time.min, zone))
    if filters.get("date_to"):
        day_after = filters["date_to"] + datetime.timedelta(days=1)
        entries = entries.filter(at__lt=datetime.datetime.combine(day_after, datetime.time.min, zone))
    return entries


def audit_object_types() -> QuerySet[ContentType]:
    """The types of the objects the log has entries about (for its filter), in one query."""
    return ContentType.objects.filter(pk__in=AuditEntry.objects.values("content_type").distinct())
