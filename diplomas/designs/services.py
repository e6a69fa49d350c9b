"""Writes of designs and signatories, by the office-admin: a design's draft (made from the current version), its
changes, its publication (from then on the kind's current design, frozen), and the signatories (created, changed,
end-dated; never deleted). Each write is one transaction with its audit entry."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, actor_user, audit_record
from mobility.foundation.exceptions import DomainError

from .models import DocumentDesign, Kind, Signatory, text_fields
from .selectors import design_current

SIGNATORY_FIELDS = (
    "name_cyrillic",
    "name_latin",
    "name_han",
    "title_ru",
    "title_en",
    "title_zh",
    "valid_from",
    "valid_until",
    "order",
    "signs_diploma",
    "signs_transcript",
    "signs_papers",
)


def _published_error() -> DomainError:
    return DomainError(_("A published design never changes: make a new version instead."), code="design_published")


def _first_error(exc: ValidationError) -> DomainError:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return DomainError(messages[0], code="invalid", field=None if field == "__all__" else field)
    return DomainError(exc.messages[0], code="invalid")


def design_draft(*, kind: str, by: Actor) -> DocumentDesign:
    """A new draft of ``kind``, numbered after its latest version and filled with the current design's texts to
    edit (or the one draft there is already: one draft per kind at a time)."""
    kind = Kind(kind)
    with transaction.atomic():
        draft = DocumentDesign.objects.select_for_update().filter(kind=kind, published_at__isnull=True).first()
        if draft is not None:
            return draft
        latest = DocumentDesign.objects.filter(kind=kind).aggregate(latest=Max("version"))["latest"] or 0
        draft = DocumentDesign(kind=kind, version=latest + 1, created_by=actor_user(by))
        source = design_current(kind)
        if source is not None:
            for field in text_fields(kind):
                setattr(draft, field, getattr(source, field))
        draft.save()
        audit_record(actor=by, obj=draft, action="design.draft", changes={"version": (None, draft.version)})
    return draft


def design_update(*, design: DocumentDesign, by: Actor, data: dict) -> DocumentDesign:
    """Change a draft's texts (those of its kind); a published version is refused."""
    with transaction.atomic():
        locked = DocumentDesign.objects.select_for_update().get(pk=design.pk)
        if locked.is_published:
            raise _published_error()
        changes = {}
        for field in text_fields(locked.kind):
            if field in data and getattr(locked, field) != data[field]:
                changes[field] = (getattr(locked, field), data[field])
                setattr(locked, field, data[field])
        if changes:
            locked.save()
            audit_record(actor=by, obj=locked, action="design.change", changes=changes)
    return locked


def design_publish(*, design: DocumentDesign, by: Actor) -> DocumentDesign:
    """Publish a draft: every document of its kind issued from now on prints it, and it never changes again.
    Refused while one of its texts is empty."""
    with transaction.atomic():
        locked = DocumentDesign.objects.select_for_update().get(pk=design.pk)
        if locked.is_published:
            return locked
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise _first_error(exc) from exc
        locked.published_at = timezone.now()
        locked.published_by = actor_user(by)
        locked.save(update_fields=["published_at", "published_by"])
        audit_record(actor=by, obj=locked, action="design.publish", changes={"version": (None, locked.version)})
    return locked


def _json(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _validated(signatory: Signatory) -> None:
    try:
        signatory.full_clean()
    except ValidationError as exc:
        raise _first_error(exc) from exc


def signatory_create(*, by: Actor, data: dict) -> Signatory:
    """A new signatory, who signs the documents ticked from ``valid_from`` (until ``valid_until``, if given)."""
    signatory = Signatory(**{field: data[field] for field in SIGNATORY_FIELDS if field in data})
    _validated(signatory)
    with transaction.atomic():
        signatory.save()
        changes = {field: (None, _json(getattr(signatory, field))) for field in SIGNATORY_FIELDS}
        audit_record(actor=by, obj=signatory, action="signatory.create", changes=changes)
    return signatory


def signatory_update(*, signatory: Signatory, by: Actor, data: dict) -> Signatory:
    """Change a signatory: the dates (end-date one who no longer signs), titles, names, order, documents. Diplomas
    issued before keep what they printed (``Diploma.signatories``); those issued from now on print the new values."""
    with transaction.atomic():
        locked = Signatory.objects.select_for_update().get(pk=signatory.pk)
        changes = {}
        for field in SIGNATORY_FIELDS:
            if field in data and getattr(locked, field) != data[field]:
                changes[field] = (_json(getattr(locked, field)), _json(data[field]))
                setattr(locked, field, data[field])
        if changes:
            _validated(locked)
            locked.save()
            audit_record(actor=by, obj=locked, action="signatory.change", changes=changes)
    return locked
