"""Student records: create and change a student, with passport data kept from those without the permission."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from mobility.foundation.access import can_write_sensitive
from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError

from ..consent.models import SENSITIVE_PURPOSE
from ..consent.selectors import consent_holds
from ..consent.services import Attestation, attestation_text, consent_attest, consent_missing_error
from ..models import Student
from .accounts import student_user_sync

# Fields staff may write on a student through the staff pages (the user account is linked by the portal's invitation).
STUDENT_EDITABLE_FIELDS = (
    "home_institution",
    "home_student_id",
    "home_specialty",
    "family_name_han",
    "given_name_han",
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "sex",
    "citizenship",
    "email",
    "phone",
    *Student.SENSITIVE_FIELDS,
)
# The audit log is readable by every office user; passport data is not, so its values are not copied there.
_REDACTED = "***"


def _check_student_data(data: dict, by: Actor) -> None:
    unknown = set(data) - set(STUDENT_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be written here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    sensitive = set(data) & set(Student.SENSITIVE_FIELDS)
    if sensitive and not can_write_sensitive(by):
        raise DomainError(
            _("Only staff with the sensitive-data permission may change passport data and the birth date."),
            code="sensitive_forbidden",
            field=sorted(sensitive)[0],
        )


def _check_consent(student: Student | None, sensitive: set[str], attestation: Attestation | None) -> None:
    """Passport data and the birth date come from China only with a consent to that transfer: attested with the
    data (``attestation``) or held already (given by the student, or attested before). Else a ``DomainError`` on
    ``transfer_consent`` naming the fields."""
    if attestation is not None:
        attestation_text(attestation)
    elif sensitive and not consent_holds(student, SENSITIVE_PURPOSE):
        raise consent_missing_error(sensitive)


def _sensitive_given(data: dict) -> set[str]:
    return {field for field in Student.SENSITIVE_FIELDS if data.get(field) not in (None, "")}


def _student_audit_value(field: str, value):
    return _REDACTED if field in Student.SENSITIVE_FIELDS and value not in (None, "") else value


def _save_student(student: Student, *, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            if fields is None:
                student.save()
            else:
                student.save(update_fields=fields)
    except IntegrityError as exc:
        clash = Student.objects.exclude(pk=student.pk)
        if clash.filter(home_institution_id=student.home_institution_id, home_student_id=student.home_student_id):
            raise DomainError(
                _("Another student of this institution has the home student id %(id)s.")
                % {"id": student.home_student_id},
                code="duplicate_home_id",
                field="home_student_id",
            ) from exc
        if student.email and clash.filter(email__iexact=student.email).exists():
            raise DomainError(
                _("Another student has the e-mail %(email)s.") % {"email": student.email},
                code="duplicate_email",
                field="email",
            ) from exc
        issued, expires = student.passport_issued_on, student.passport_expires_on
        if issued and expires and expires <= issued:  # one of them may come from the record, the other from a change
            raise DomainError(
                _("The passport's expiry date must be after its issue date (%(issued)s).")
                % {"issued": issued.isoformat()},
                code="passport_dates",
                field="passport_expires_on",
            ) from exc
        raise


def student_create(
    *, by: Actor, data: dict, attestation: Attestation | None = None, also: Callable[[Student], object] | None = None
) -> Student:
    """Create a student from ``data`` (field → value, fields of ``STUDENT_EDITABLE_FIELDS``) and audit it. Atomic.

    Passport data and the birth date are accepted only from holders of ``students.view_sensitive`` (or the student's
    college), and only with the ``attestation`` that the student's consent to their transfer was collected, which is
    recorded with the student (``students.consent``); their values are not copied into the audit log. A duplicate
    home id or e-mail is refused with a ``DomainError`` on that field. ``also(student)`` runs in the same
    transaction, for what the caller writes with it (the API's entry in the register of transfers).
    """
    _check_student_data(data, by)
    _check_consent(None, _sensitive_given(data), attestation)
    student = Student(**data)
    with transaction.atomic():
        _save_student(student)
        if attestation is not None:
            consent_attest(student=student, attestation=attestation, by=by)
        if also is not None:  # what the caller writes with the student, such as the register's entry of the transfer
            also(student)
        audit_record(
            actor=by,
            obj=student,
            action="student.create",
            changes={
                field: (None, _student_audit_value(field, value))
                for field, value in data.items()
                if value not in (None, "")
            },
        )
    return student


def student_update(
    *,
    student: Student,
    by: Actor,
    data: dict,
    attestation: Attestation | None = None,
    also: Callable[[Student], object] | None = None,
) -> Student:
    """Change a student's data; the audit entry lists each changed field old → new (passport values redacted).

    Atomic; the row is locked and compared with what the database holds, so an unchanged form writes nothing and
    no audit entry. Sensitive fields only from holders of ``students.view_sensitive``, and a changed one only with
    the consent to its transfer, held already or attested with the change (``student_create``). An erased record
    (its personal data removed by ``student_erase``) is refused. A changed e-mail becomes the student's account's
    e-mail and user name too (``students.services.accounts.student_user_sync``).
    """
    _check_student_data(data, by)
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        if locked.erased_at is not None:
            raise DomainError(
                _("The personal data of this student were erased: the record cannot be changed."),
                code="student_erased",
            )
        changes = {}
        for field, value in data.items():
            attname = _attname(field)
            old = getattr(locked, attname)
            new = value.pk if hasattr(value, "pk") else value
            if old != new:
                changes[field] = (_student_audit_value(field, old), _student_audit_value(field, new))
                setattr(locked, attname, new)
        sensitive = _sensitive_given({f: data[f] for f in changes})
        _check_consent(locked, sensitive, attestation)
        if attestation is not None:
            consent_attest(student=locked, attestation=attestation, by=by)
            if sensitive and not consent_holds(locked, SENSITIVE_PURPOSE):  # the student's own refusal stands
                raise consent_missing_error(sensitive)
        if changes:
            _save_student(locked, fields=[*(_attname(f) for f in changes), "modified_at"])
            audit_record(actor=by, obj=locked, action="student.change", changes=changes)
        if "email" in changes:
            student_user_sync(student=locked)
        if also is not None:
            also(locked)
    for field in Student._meta.concrete_fields:
        setattr(student, field.attname, getattr(locked, field.attname))
    return locked


def _attname(field: str) -> str:
    """The attribute of one of the student's own fields (``home_institution`` → ``home_institution_id``)."""
    return cast(models.Field, Student._meta.get_field(field)).attname
