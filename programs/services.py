"""Writes about the program's structure: institutions, contacts, agreements and quotas, tracks, modules, cohorts.

Every function is keyword-only, atomic, validates the row with the model's own rules (``full_clean``) before it is
written, and appends one audit entry per changed row with ``{field: [old, new]}``. Expected refusals raise
``DomainError`` with the ``field`` they are about, so a form can show them next to that field.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from mobility.foundation import uploads
from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError

from . import participants
from .models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track
from .participants import quota_used

Data = Mapping[str, Any]

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
TRACK_FIELDS = (
    "code",
    "name_en",
    "name_ru",
    "name_zh",
    "description_en",
    "description_ru",
    "description_zh",
    "pass_score",
    "good_score",
    "excellent_score",
    "is_active",
)
MODULE_FIELDS = (
    "code",
    "title_en",
    "title_ru",
    "title_zh",
    "hours",
    "credits",
    "assessment_kind",
    "is_required",
    "order",
)
COHORT_FIELDS = (
    "code",
    "name",
    "track",
    "host",
    "partner",
    "agreement",
    "start_date",
    "end_date",
    "application_deadline",
    "capacity",
    "delivery_mode",
    "lms_course_id",
    "accepts_applications",
)
# Fields of a cohort that its enrollments depend on: enrollments copy the track, students come from the partner.
COHORT_FIELDS_FIXED_BY_ENROLLMENTS = ("track", "partner")


# --- helpers -----------------------------------------------------------------------------------------------------


def _assign(obj: models.Model, data: Data, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """Set the given fields present in ``data`` on ``obj``; return the changed ones as ``{field: (old, new)}``."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        try:
            old = getattr(obj, field)
        except ObjectDoesNotExist:  # a relation not set yet on a new row
            old = None
        new = data[field]
        if old != new:
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def _validate(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (fields, choices, uniqueness, constraints) as a ``DomainError`` on a field."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        errors = exc.message_dict
        field = next(iter(errors))
        raise DomainError(
            " ".join(errors[field]),
            code="invalid",
            field=None if field == NON_FIELD_ERRORS else field,
            details={"errors": errors},
        ) from exc


def _created(obj: models.Model, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    return {field: (None, getattr(obj, field)) for field in fields if getattr(obj, field) not in (None, "")}


M = TypeVar("M", bound=models.Model)


def _validated_save(obj: models.Model) -> None:
    _validate(obj)
    obj.save()


def _create(
    obj: M, *, by: Actor, data: Data, fields: Iterable[str], action: str, save: Callable[[M], None] = _validated_save
) -> M:
    """Fill a new object from ``data``, save it (``save`` validates) and write one audit entry, atomically."""
    _assign(obj, data, fields)
    with transaction.atomic():
        save(obj)
        audit_record(actor=by, obj=obj, action=action, changes=_created(obj, fields))
    return obj


def _update(
    obj: M,
    *,
    by: Actor,
    data: Data,
    fields: Iterable[str],
    action: str,
    save: Callable[[M], None] = _validated_save,
    check: Callable[[M, dict], None] | None = None,
) -> M:
    """Change an object, atomically, with an audit entry of the changed fields; nothing is written when nothing
    changed. It compares with the row as stored (locked), not with the caller's instance, which a form may already
    have changed. ``check(obj, changes)`` may refuse the change before it is saved."""
    with transaction.atomic():
        obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        changes = _assign(obj, data, fields)
        if not changes:
            return obj
        if check is not None:
            check(obj, changes)
        save(obj)
        audit_record(actor=by, obj=obj, action=action, changes=changes)
    return obj


# --- institutions and contacts -----------------------------------------------------------------------------------


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


# --- agreements and quotas ---------------------------------------------------------------------------------------


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


# --- tracks and modules ------------------------------------------------------------------------------------------


def track_create(*, by: Actor, data: Data) -> Track:
    """Create a track. Atomic; one audit entry."""
    return _create(Track(), by=by, data=data, fields=TRACK_FIELDS, action="track.create")


def track_update(*, track: Track, by: Actor, data: Data) -> Track:
    """Change a track. Atomic; an audit entry when something changed."""
    return _update(track, by=by, data=data, fields=TRACK_FIELDS, action="track.update")


def _module_code_free(module: Module) -> None:
    taken = Module.objects.filter(track_id=module.track_id, code=module.code).exclude(pk=module.pk)
    if taken.exists():
        raise DomainError(
            _("Track %(track)s already has a module with the code %(code)s.")
            % {"track": module.track.code, "code": module.code},
            code="duplicate_code",
            field="code",
        )


def _module_save(module: Module) -> None:
    _module_code_free(module)
    _validate(module)
    try:
        with transaction.atomic():
            module.save()
    except IntegrityError:
        # Another request took the code between the check and the insert: the constraint held; say so clearly.
        _module_code_free(module)
        raise


def module_create(*, track: Track, by: Actor, data: Data) -> Module:
    """Add a module to a track's curriculum. Atomic; the code is unique within the track (``field="code"``)."""
    return _create(
        Module(track=track), by=by, data=data, fields=MODULE_FIELDS, action="module.create", save=_module_save
    )


def module_update(*, module: Module, by: Actor, data: Data) -> Module:
    """Change a module. Atomic; the code stays unique within the track."""
    return _update(module, by=by, data=data, fields=MODULE_FIELDS, action="module.update", save=_module_save)


# --- cohorts -----------------------------------------------------------------------------------------------------


def _cohort_check(cohort: Cohort) -> None:
    agreement = cohort.agreement
    if agreement is not None and (agreement.partner_id, agreement.host_id) != (cohort.partner_id, cohort.host_id):
        raise DomainError(
            _("Agreement %(agreement)s is not between this cohort's host and sending college.")
            % {"agreement": agreement.number},
            code="agreement_mismatch",
            field="agreement",
        )
    _validate(cohort)


def _cohort_save(cohort: Cohort) -> None:
    _cohort_check(cohort)
    cohort.save()


def cohort_create(*, by: Actor, data: Data) -> Cohort:
    """Create a cohort. Atomic; its agreement, if any, must be between its host and its sending college."""
    return _create(Cohort(), by=by, data=data, fields=COHORT_FIELDS, action="cohort.create", save=_cohort_save)


def cohort_update(*, cohort: Cohort, by: Actor, data: Data) -> Cohort:
    """Change a cohort. Atomic, with the cohort row locked against concurrent admissions.

    Once a cohort has enrollments, its track and sending college are fixed (enrollments copy the track, students
    come from the sending college), and its capacity may not go below the places taken.
    """
    return _update(
        cohort,
        by=by,
        data=data,
        fields=COHORT_FIELDS,
        action="cohort.update",
        save=_cohort_save,
        check=_cohort_change_allowed,
    )


def _cohort_change_allowed(cohort: Cohort, changes: dict) -> None:
    enrollments = cohort.enrollments.all()
    for field in COHORT_FIELDS_FIXED_BY_ENROLLMENTS:
        if field in changes and enrollments.exists():
            raise DomainError(
                _("The %(field)s of a cohort with enrollments cannot change.")
                % {"field": cast(models.Field, Cohort._meta.get_field(field)).verbose_name},
                code="cohort_has_enrollments",
                field=field,
            )
    taken = participants.cohort_places_taken(cohort)
    if "capacity" in changes and cohort.capacity < taken:
        raise DomainError(
            _("The capacity cannot be less than the places already taken (%(taken)d).") % {"taken": taken},
            code="capacity_below_taken",
            field="capacity",
        )
