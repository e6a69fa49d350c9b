"""Writes of staff notifications: raising one (to every office staff user who wants its kind), reading them,
preferences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from mobility.foundation.access import OFFICE, OFFICE_ADMIN, is_office_staff

from .models import StaffNotification, StaffNotificationPreference
from .registry import is_registered


def staff_recipients(*, kind: str) -> list[Any]:
    """The users a notification of ``kind`` goes to: active office staff (the ``office`` and ``office-admin``
    groups, and superusers, as ``access.is_office_staff`` says) who have not muted the kind. Two queries."""
    users = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=(OFFICE, OFFICE_ADMIN)))
        .distinct()
        .order_by("pk")
    )
    # The muted kinds are a JSON list: filtered here, since SQLite has no JSON ``contains``; staff are few.
    muted = {
        pref.user_id
        for pref in StaffNotificationPreference.objects.filter(user__in=users).only("user_id", "muted_kinds")
        if kind in (pref.muted_kinds or [])
    }
    return [user for user in users if user.pk not in muted]


def staff_notify(
    *,
    kind: str,
    params: Mapping[str, Any] | None = None,
    about: models.Model | None = None,
    key: str | None = None,
    link_name: str = "",
    link_args: Sequence[Any] = (),
    link_suffix: str = "",
    accumulate: str | None = None,
    recipients: Iterable[Any] | None = None,
) -> int:
    """Notify office staff (``staff_recipients``, or ``recipients``) of ``kind``; returns how many rows were created
    or renewed. Atomic.

    With a ``key``, there is at most one notification per recipient, kind, object and key: a repeated call adds
    nothing (a nightly check), or, with ``accumulate`` (a numeric parameter's name), adds its value to the existing
    notification's, which becomes unread and new again ("12 new applications" of one day). Without a key every call
    is a new notification. ``params`` must be JSON values; names and dates through ``registry.names`` and
    ``registry.date_param``, so that each reader sees them in their language."""
    if not is_registered(kind):
        raise ValueError(f"Unknown staff notification kind {kind!r}")
    params = dict(params or {})
    key = key or None  # "" is no key, as stored
    content_type = ContentType.objects.get_for_model(about) if about is not None else None
    object_id = str(about.pk) if about is not None else ""
    users = list(recipients) if recipients is not None else staff_recipients(kind=kind)
    if not users:
        return 0
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        if key is not None:
            existing = StaffNotification.objects.select_for_update().filter(
                recipient__in=users, kind=kind, content_type=content_type, object_id=object_id, dedupe_key=key
            )
            found = {row.recipient_id: row for row in existing}
            if accumulate:
                for row in found.values():
                    row.params = {
                        **row.params,
                        **params,
                        accumulate: _number(row.params.get(accumulate)) + _number(params.get(accumulate)),
                    }
                    row.read_at = None
                    row.created_at = now
                    row.save(update_fields=["params", "read_at", "created_at"])
                changed += len(found)
            users = [user for user in users if user.pk not in found]
        rows = [
            StaffNotification(
                recipient=user,
                kind=kind,
                params=params,
                link_name=link_name,
                link_args=list(link_args),
                link_suffix=link_suffix,
                content_type=content_type,
                object_id=object_id,
                dedupe_key=key or "",
                created_at=now,
            )
            for user in users
        ]
        # A concurrent call with the same key may have written its row since: the constraint keeps one.
        StaffNotification.objects.bulk_create(rows, ignore_conflicts=key is not None)
        changed += len(rows)
    return changed


def _number(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def notification_mark_read(*, notification: StaffNotification) -> StaffNotification:
    """Mark one notification read (its recipient's; the selector makes sure). Idempotent: the first reading counts."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        StaffNotification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user, kind: str = "") -> int:
    """Mark every unread notification of ``user`` read (of ``kind`` only, if given); returns how many."""
    unread = StaffNotification.objects.filter(recipient=user, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


def notification_preference_get(*, user) -> StaffNotificationPreference:
    """The user's preferences, the defaults (unsaved) if they never chose."""
    return StaffNotificationPreference.objects.filter(user=user).first() or StaffNotificationPreference(user=user)


def notification_preference_update(
    *, user, muted_kinds: Iterable[str], digest: bool, language: str
) -> StaffNotificationPreference:
    """Save the user's choices: the kinds they do not want, the digest on or off, the digest's language."""
    languages = dict(settings.LANGUAGES)
    preference, _created = StaffNotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "muted_kinds": sorted({kind for kind in muted_kinds if is_registered(kind)}),
            "digest": bool(digest),
            "language": language if language in languages else "",
        },
    )
    return preference


def staff_language_remember(*, user, language: str) -> None:
    """Keep a staff user's language choice (the language switcher), so that their digest is written in it. Nothing
    for anyone else. Idempotent."""
    if language not in dict(settings.LANGUAGES) or not is_office_staff(user):
        return
    StaffNotificationPreference.objects.update_or_create(user=user, defaults={"language": language})
