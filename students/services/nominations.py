"""A partner college nominates one of its students for a cohort: the student's record (created, or the college's
existing one by home student id) and the application, through ``student_create`` / ``student_update`` and
``enrollment_apply``, so the validation, the audit and the staff's notice are theirs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort, Institution

from ..consent.services import Attestation
from ..models import Enrollment, Student
from .enrollments import enrollment_apply
from .records import student_create, student_update


@dataclass(frozen=True)
class Nomination:
    student: Student
    enrollment: Enrollment
    student_created: bool
    already_applied: bool  # the same student had applied to the same cohort already: nothing was written


def student_nominate(
    *,
    by: Actor,
    institution: Institution,
    cohort: Cohort,
    data: dict,
    source: str = Enrollment.Source.PORTAL,
    attestation: Attestation | None = None,
) -> Nomination:
    """Nominate a student of ``institution`` (the nominating college) for ``cohort``. Atomic: the student and the
    application are written together or not at all.

    ``data`` are the student's fields (``STUDENT_EDITABLE_FIELDS`` but ``home_institution``); ``home_student_id`` is
    required. A student of the college with that home id is the same student: the non-empty values that differ
    update the record (an empty one never erases), as a roster row does. Idempotent against a repeated submission:
    when that student already holds a current application to this very cohort, nothing is written and the existing
    enrollment is returned with ``already_applied``. Every other refusal is ``enrollment_apply``'s or the record
    services' ``DomainError`` (a cohort of another college, a closed cohort, a current enrollment in another cohort
    of the track, a duplicate e-mail, passport data without the consent to their transfer). ``attestation``: the
    college's statement that it collected that consent (``students.consent.services.Attestation``).
    """
    if cohort.partner_id != institution.pk:
        raise DomainError(
            _("Cohort %(cohort)s belongs to another sending college.") % {"cohort": cohort.code},
            code="wrong_partner",
            field="cohort",
        )
    home_id = (data.get("home_student_id") or "").strip()
    if not home_id:
        raise DomainError(_("The home student id is required."), code="required", field="home_student_id")
    data = {**data, "home_student_id": home_id}
    with transaction.atomic():
        existing = (
            Student.objects.select_for_update().filter(home_institution=institution, home_student_id=home_id).first()
        )
        if existing is not None:
            held = (
                Enrollment.objects.filter(student=existing, cohort=cohort, status__in=Enrollment.CURRENT_STATUSES)
                .select_related("cohort")
                .first()
            )
            if held is not None:
                return Nomination(existing, held, student_created=False, already_applied=True)
            changes = {
                name: value
                for name, value in data.items()
                if value not in (None, "") and getattr(existing, name) != value
            }
            if changes or attestation is not None:
                student = student_update(student=existing, by=by, data=changes, attestation=attestation)
            else:
                student = existing
        else:
            student = student_create(by=by, data={**data, "home_institution": institution}, attestation=attestation)
        enrollment = enrollment_apply(student=student, cohort=cohort, by=by, source=source)
    return Nomination(student, enrollment, student_created=existing is None, already_applied=False)
