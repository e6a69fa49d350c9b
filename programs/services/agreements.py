"""Writes about agreements: the agreement with its signed document (a checked PDF), its quotas of places per track
and year (never below the places already taken), and the daily expiry of agreements past their end."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from typing import cast

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from mobility.foundation import uploads
from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError

from ..models import Agreement, AgreementQuota, Track
from ..participants import quota_used
from .base import Data, _assign, _created, _validate

AGREEMENT_FIELDS = (
    "number",
    "title",
    "host",
    "partner",
    "facilitator",
    "status",
    "signed_on",
    "valid_from",
    "valid_until",
    "notes",
)


def signed_document_check(file: UploadedFile) -> None:
    """A signed agreement is a PDF, by its content (it starts with ``%PDF-`` and a PDF reader opens it), whatever its
    name or the type the browser sent, of at most ``UPLOAD_MAX_PDF_MB``."""
    limit = uploads.pdf_max_bytes()
    if file.size is not None and file.size > limit:
        raise DomainError(uploads.too_large_message(file.size, limit), code="file_too_large", field="signed_document")
    if not uploads.starts_as_pdf(file):
        raise DomainError(
            _("The file is not a PDF document. Upload the signed agreement as a PDF."),
            code="not_pdf",
            field="signed_document",
        )
    if not uploads.pdf_opens(file):
        raise DomainError(
            _("The file is damaged or not a PDF document: a PDF reader cannot open it. Upload it again as a PDF."),
            code="broken_pdf",
            field="signed_document",
        )


@dataclasses.dataclass(frozen=True)
class QuotaChange:
    """One row of an agreement's quota table as edited: a new quota (``quota`` None), a change, or a deletion."""

    track: Track | None
    year: int | None
    places: int | None
    quota: AgreementQuota | None = None
    delete: bool = False


def agreement_create(
    *,
    by: Actor,
    data: Data,
    quotas: Iterable[QuotaChange] = (),
    signed_document: UploadedFile | None = None,
) -> Agreement:
    """Create an agreement with its quotas and, optionally, its signed PDF. Atomic: all or nothing."""
    agreement = Agreement()
    _assign(agreement, data, AGREEMENT_FIELDS)
    _validate(agreement, exclude=["signed_document"])
    with _new_files_deleted_on_error() as stored, transaction.atomic():
        agreement.save()
        changes = _created(agreement, AGREEMENT_FIELDS)
        if signed_document is not None:
            changes["signed_document"] = (None, _store_signed_document(agreement, signed_document, stored))
        audit_record(actor=by, obj=agreement, action="agreement.create", changes=changes)
        _quotas_apply(agreement, quotas, by=by)
    return agreement


def agreement_update(
    *,
    agreement: Agreement,
    by: Actor,
    data: Data,
    quotas: Iterable[QuotaChange] = (),
    signed_document: UploadedFile | None = None,
) -> Agreement:
    """Change an agreement, its quotas and its signed PDF (a new upload replaces the file). Atomic: all or nothing.

    A quota's places may not go below the places already taken.
    """
    with _new_files_deleted_on_error() as stored, transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        changes = _assign(agreement, data, AGREEMENT_FIELDS)
        if changes or signed_document is not None:
            _validate(agreement, exclude=["signed_document"])
            if signed_document is not None:
                old = agreement.signed_document.name or None
                changes["signed_document"] = (old, _store_signed_document(agreement, signed_document, stored))
            agreement.save()
            audit_record(actor=by, obj=agreement, action="agreement.update", changes=changes)
        _quotas_apply(agreement, quotas, by=by)
    return agreement


def _store_signed_document(agreement: Agreement, file: UploadedFile, stored: list[str]) -> str:
    signed_document_check(file)
    name = get_valid_filename(f"{agreement.number}-signed.pdf")
    agreement.signed_document.save(name, file, save=False)
    stored_name = cast(str, agreement.signed_document.name)  # set by save()
    stored.append(stored_name)
    agreement.save(update_fields=["signed_document", "modified_at"])
    return stored_name


@contextmanager
def _new_files_deleted_on_error():
    """Files are not in the transaction: when it rolls back, the files stored inside it are deleted too, so a
    refused save leaves no orphan on disk. (A replaced file is kept: the audit log names it.)"""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            Agreement._meta.get_field("signed_document").storage.delete(name)
        raise


def _quotas_apply(agreement: Agreement, rows: Iterable[QuotaChange], *, by: Actor) -> None:
    for row in rows:
        quota = None
        if row.quota is not None:
            # The stored row, not the caller's instance (a formset may have changed it already).
            quota = AgreementQuota.objects.select_for_update().filter(pk=row.quota.pk, agreement=agreement).first()
            if quota is None:
                raise DomainError(_("This quota belongs to another agreement."), code="invalid", field="quotas")
        if row.delete:
            if quota is None:
                continue
            used = quota_used(quota)
            if used:
                raise DomainError(
                    _("The quota for %(track)s in %(year)d cannot be removed: %(used)d places are taken.")
                    % {"track": quota.track.code, "year": quota.year, "used": used},
                    code="quota_in_use",
                    field="quotas",
                )
            audit_record(
                actor=by,
                obj=quota,
                action="quota.delete",
                changes={"track": (quota.track_id, None), "year": (quota.year, None), "places": (quota.places, None)},
            )
            quota.delete()
            continue
        if quota is None:
            # A missing year or number of places is refused by _validate below, with the form's message.
            quota = AgreementQuota(agreement=agreement, track=row.track, year=row.year, places=row.places)  # type: ignore[misc]
            changes = {"track": (None, row.track), "year": (None, row.year), "places": (None, row.places)}
        else:
            used_before = quota_used(quota)
            row_data = {"track": row.track, "year": row.year, "places": row.places}
            changes = _assign(quota, row_data, ("track", "year", "places"))
            if not changes:
                continue
            if used_before and ("track" in changes or "year" in changes):
                raise DomainError(
                    _("A quota with places taken (%(used)d) cannot move to another track or year.")
                    % {"used": used_before},
                    code="quota_in_use",
                    field="quotas",
                )
            used = used_before if "track" not in changes and "year" not in changes else quota_used(quota)
            if quota.places < used:
                raise DomainError(
                    _("The quota for %(track)s in %(year)d cannot have fewer places than are taken (%(used)d).")
                    % {"track": quota.track.code, "year": quota.year, "used": used},
                    code="quota_below_used",
                    field="quotas",
                )
        _validate(quota)
        action = "quota.update" if quota.pk else "quota.create"
        quota.save()
        audit_record(actor=by, obj=quota, action=action, changes=changes)


def agreements_expire_due(*, today: datetime.date | None = None, by: Actor = None) -> list[int]:
    """Move every active agreement whose ``valid_until`` has passed to ``expired``, with an audit entry each.

    Atomic and idempotent: a second run finds nothing to do. Returns the ids of the agreements it expired.
    """
    today = today or timezone.localdate()
    expired = []
    with transaction.atomic():
        due = Agreement.objects.select_for_update().filter(status=Agreement.Status.ACTIVE, valid_until__lt=today)
        for agreement in due:
            agreement.status = Agreement.Status.EXPIRED
            agreement.save(update_fields=["status", "modified_at"])
            audit_record(
                actor=by,
                obj=agreement,
                action="agreement.expire",
                changes={"status": (Agreement.Status.ACTIVE, Agreement.Status.EXPIRED)},
                reason=f"valid until {agreement.valid_until}",  # the due ones have a date (ISO 8601 by str())
            )
            expired.append(agreement.pk)
    return expired
