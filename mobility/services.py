"""Writes of what crosses apps: partners' API keys, the purge of idempotency records.

The plain key exists only in the return value of ``api_key_create``: the database keeps its hash (the library's
``hashed_key``), and the audit log names a key by its prefix, never by the key or its hash.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import audit_entry_build
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import PartnerAPIKey
from programs.models import Institution

API_KEY_NAME_MAX_LENGTH = cast(int, PartnerAPIKey._meta.get_field("name").max_length)  # declared on the field
SCOPES = tuple(PartnerAPIKey.Scope.values)


def api_key_expiry(day: datetime.date) -> datetime.datetime:
    """The end of ``day`` in the office's time zone: a key "valid until 2027-06-30" works all that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def api_key_scopes_clean(scopes: Iterable[str]) -> list[str]:
    """The scopes in their canonical order, or a ``DomainError`` naming the unknown ones."""
    given = [str(scope).strip().lower() for scope in scopes if str(scope).strip()]
    unknown = sorted(set(given) - set(SCOPES))
    if unknown:
        raise DomainError(
            _("Unknown scope(s): %(unknown)s. Use %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(SCOPES)},
            code="unknown_scope",
            field="scopes",
            details={"unknown": unknown},
        )
    if not given:
        raise DomainError(_("Give the key at least one scope."), code="no_scope", field="scopes")
    return [scope for scope in SCOPES if scope in given]


def api_key_create(
    *,
    institution: Institution,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime.datetime | None,
    by: AbstractBaseUser | None,
) -> tuple[PartnerAPIKey, str]:
    """A new key of ``institution``'s system, and the plain key, which nobody can read again afterwards.

    Atomic: the key row and its audit entry (on the institution, naming the key's prefix) are written together.
    Refuses an inactive institution, an empty or too long name, unknown or no scopes and an expiry in the past.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the key a name."), code="no_name", field="name")
    if len(name) > API_KEY_NAME_MAX_LENGTH:
        raise DomainError(
            _("The name is longer than %(max)d characters.") % {"max": API_KEY_NAME_MAX_LENGTH},
            code="name_too_long",
            field="name",
        )
    scopes = api_key_scopes_clean(scopes)
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry date must be in the future."), code="expired", field="expires_at")
    if not institution.is_active:
        raise DomainError(
            _("%(institution)s is inactive: it gets no new keys.") % {"institution": institution},
            code="inactive_institution",
            field="institution",
        )
    with transaction.atomic():
        key, raw_key = PartnerAPIKey.objects.create_key(
            institution=institution, name=name, scopes=scopes, expiry_date=expires_at, created_by=by
        )
        api_key = cast(PartnerAPIKey, key)  # the library's manager is typed with its abstract model
        _audit(
            api_key,
            by=by,
            action="api_key.create",
            changes={
                "api_key": (None, api_key.prefix),
                "name": (None, name),
                "scopes": (None, ",".join(scopes)),
                "expiry_date": (None, expires_at.isoformat() if expires_at else None),
            },
        )
    return api_key, raw_key


def api_key_revoke(*, api_key: PartnerAPIKey, by: AbstractBaseUser | None, reason: str = "") -> PartnerAPIKey:
    """Revoke ``api_key`` for good (the library refuses to undo it). Idempotent: revoking a revoked key changes
    nothing and writes no second audit entry. Atomic, with the key's row locked."""
    with transaction.atomic():
        locked = PartnerAPIKey.objects.select_for_update().select_related("institution").get(pk=api_key.pk)
        if locked.revoked:
            return locked
        locked.revoked = True
        locked.save(update_fields=["revoked"])
        _audit(locked, by=by, action="api_key.revoke", changes={"revoked": (False, True)}, reason=reason)
    api_key.revoked = True
    return locked


def _audit(api_key: PartnerAPIKey, *, by, action: str, changes: dict, reason: str = "") -> None:
    # The entry belongs to the institution's history: a key's primary key holds its hash (and is longer than an
    # entry's object id), so the key is named by its prefix only.
    audit_entry_build(
        actor=by,
        obj=api_key.institution,
        action=action,
        changes=changes,
        reason=reason,
        object_repr=f"{api_key.institution.code}: API key {api_key.prefix} ({api_key.name})",
    ).save()
