"""Writes about partner institutions and their contacts (one primary contact per institution)."""

from __future__ import annotations

from django.db import transaction

from mobility.foundation.audit import Actor, audit_record

from ..models import Contact, Institution
from .base import Data, _create, _update, _validated_save

INSTITUTION_FIELDS = (
    "code",
    "kind",
    "name_en",
    "name_ru",
    "name_zh",
    "short_name",
    "country",
    "city",
    "address",
    "website",
    "is_active",
)
CONTACT_FIELDS = ("full_name", "position", "role", "email", "phone", "is_primary", "notes")


def institution_create(*, by: Actor, data: Data) -> Institution:
    """Create an institution. Atomic; one audit entry."""
    return _create(Institution(), by=by, data=data, fields=INSTITUTION_FIELDS, action="institution.create")


def institution_update(*, institution: Institution, by: Actor, data: Data) -> Institution:
    """Change an institution. Atomic; an audit entry when something changed, nothing written otherwise."""
    return _update(institution, by=by, data=data, fields=INSTITUTION_FIELDS, action="institution.update")


def _demote_primary(contact: Contact, *, by: Actor) -> None:
    """An institution has one primary contact: making one primary demotes the previous one (audited)."""
    previous = Contact.objects.select_for_update().filter(institution_id=contact.institution_id, is_primary=True)
    if contact.pk:
        previous = previous.exclude(pk=contact.pk)
    for other in previous:
        other.is_primary = False
        other.save(update_fields=["is_primary", "modified_at"])
        audit_record(actor=by, obj=other, action="contact.update", changes={"is_primary": (True, False)})


def contact_create(*, institution: Institution, by: Actor, data: Data) -> Contact:
    """Add a contact person to an institution. Atomic; a new primary contact demotes the previous one."""
    return _create(
        Contact(institution=institution),
        by=by,
        data=data,
        fields=CONTACT_FIELDS,
        action="contact.create",
        save=lambda contact: _primary_then_save(contact, by),
    )


def contact_update(*, contact: Contact, by: Actor, data: Data) -> Contact:
    """Change a contact. Atomic; a new primary contact demotes the previous one."""
    return _update(
        contact,
        by=by,
        data=data,
        fields=CONTACT_FIELDS,
        action="contact.update",
        save=lambda contact: _primary_then_save(contact, by),
    )


def _primary_then_save(contact: Contact, by: Actor) -> None:
    if contact.is_primary:
        _demote_primary(contact, by=by)
    _validated_save(contact)


def contact_delete(*, contact: Contact, by: Actor) -> None:
    """Delete a contact (people leave; nothing else refers to a contact). Atomic; the audit entry keeps who it was."""
    with transaction.atomic():
        audit_record(
            actor=by,
            obj=contact,
            action="contact.delete",
            changes={field: (getattr(contact, field), None) for field in ("full_name", "email", "role")},
        )
        contact.delete()
