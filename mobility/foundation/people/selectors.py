"""Reads about the partnership's people, scoped by the viewer: the office sees every member, anyone else none (a
member sees their own colleagues nowhere yet)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from mobility.foundation.access import sees_everything

from .models import Membership


def member_list(*, viewer, filters: dict | None = None) -> QuerySet[Membership]:
    """Members by role and name, with their user and institution in the same query, narrowed by ``filters``:
    ``role``, ``institution`` (an institution or its id), ``active`` (``"yes"`` / ``"no"``), ``q`` (a text in the
    name or the e-mail address)."""
    filters = filters or {}
    members = Membership.objects.select_related("user", "institution").order_by("role", "full_name", "pk")
    if not sees_everything(viewer):
        return members.none()
    if filters.get("role"):
        members = members.filter(role=filters["role"])
    if filters.get("institution"):
        members = members.filter(institution=filters["institution"])
    if filters.get("active") in ("yes", "no"):
        members = members.filter(user__is_active=filters["active"] == "yes")
    if q := (filters.get("q") or "").strip():
        members = members.filter(Q(full_name__icontains=q) | Q(user__email__icontains=q))
    return members


def member_get(*, viewer, pk: int) -> Membership | None:
    """One member the viewer may see, with their user and institution; None otherwise."""
    return member_list(viewer=viewer).filter(pk=pk).first()


def institution_members(*, viewer, institution) -> QuerySet[Membership]:
    """The members of an institution the viewer may see (an institution's staff page lists them)."""
    return member_list(viewer=viewer, filters={"institution": institution})
