"""The one writer of the audit log."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from mobility.foundation.bulk import rows_insert
from mobility.foundation.models import AuditEntry, PartnerAPIKey

Actor = AbstractBaseUser | PartnerAPIKey | None


def actor_user(actor: Actor) -> User | None:
    """The user behind an actor, for the "by whom" foreign keys; None for an API key or the system."""
    return actor if isinstance(actor, User) else None


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, PartnerAPIKey):
        return f"api-key:{actor.institution.code}:{actor.name}"
    return actor.get_username()


def audit_record(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: Mapping[str, tuple[Any, Any] | list[Any]] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry. ``changes`` maps a field to ``(old, new)``; values must be JSON-serialisable."""
    entry = audit_entry_build(actor=actor, obj=obj, action=action, changes=changes, reason=reason)
    entry.save()
    return entry


def audit_entry_build(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: Mapping[str, tuple[Any, Any] | list[Any]] | None = None,
    reason: str = "",
    object_repr: str | None = None,
) -> AuditEntry:
    """One entry, not saved: ``audit_record`` saves it; services that write many entries at once pass a list of
    them to ``AuditEntry.objects.bulk_create``.

    ``object_repr`` is ``str(obj)`` when not given; a caller writing many entries about one object passes it once
    computed (``str()`` of a model with translated choices is not free at 100,000 entries)."""
    return AuditEntry(
        actor=actor_user(actor),
        actor_label=actor_label(actor)[:150],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=(str(obj) if object_repr is None else object_repr)[:255],
        action=action,
        changes={field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()},
        reason=reason,
    )


# The columns ``audit_entries_insert`` writes, in the order of its rows.
_ENTRY_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "content_type_id",
    "object_id",
    "object_repr",
    "action",
    "changes",
    "reason",
)


def audit_entries_insert(
    *,
    actor: Actor,
    entries: Iterable[tuple[models.Model, str, Mapping[str, tuple[Any, Any] | list[Any]] | None, str]],
    at: datetime.datetime | None = None,
) -> int:
    """Append many entries in one statement, each ``(obj, action, changes, object_repr)``: the entries
    ``audit_entry_build`` makes, written as plain rows below the ORM (``mobility.foundation.bulk.rows_insert``), for
    a service that writes tens of thousands at once. Every entry is ``at`` the same moment (now unless given): the
    one transaction that writes them. Every ``obj`` has its id already. The caller chunks (500 entries a call);
    returns the number written."""
    at = at or timezone.now()
    user = actor_user(actor)
    user_id = user.pk if user is not None else None
    label = actor_label(actor)[:150]
    kinds: dict[type, int] = {}
    rows = []
    for obj, action, changes, shown in entries:
        kind = kinds.get(type(obj))
        if kind is None:
            kind = kinds[type(obj)] = ContentType.objects.get_for_model(obj, for_concrete_model=True).pk
        plain = {field: [_plain(old), _plain(new)] for field, (old, new) in (changes or {}).items()}
        rows.append((at, user_id, label, kind, str(obj.pk), shown[:255], action, plain, ""))
    return rows_insert(AuditEntry, _ENTRY_FIELDS, rows)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)
