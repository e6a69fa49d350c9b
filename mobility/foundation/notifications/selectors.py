"""Reads of staff notifications: always the viewer's own."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from .models import StaffNotification


def notification_list(*, viewer, kind: str = "", unread_only: bool = False) -> QuerySet[StaffNotification]:
    """The viewer's notifications, unread first, the newest first; of one ``kind`` if given."""
    queryset = StaffNotification.objects.filter(recipient=viewer)
    if kind:
        queryset = queryset.filter(kind=kind)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return queryset.annotate(unread=unread).order_by("-unread", "-created_at", "-id")


def notification_for_viewer(*, viewer, pk: int) -> StaffNotification:
    """One of the viewer's notifications; ``StaffNotification.DoesNotExist`` for anyone else's."""
    return StaffNotification.objects.get(recipient=viewer, pk=pk)


def unread_count(*, viewer) -> int:
    """One query."""
    return StaffNotification.objects.filter(recipient=viewer, read_at__isnull=True).count()
