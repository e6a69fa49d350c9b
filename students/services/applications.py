"""The refusals of an application that need no query: shared by ``enrollment_apply`` (one student) and
``students_nominate_bulk`` (a roster), so that both refuse the same applications with the same words."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from mobility.foundation.exceptions import DomainError
from programs.models import Cohort

from ..models import Student


def application_refusal(*, student: Student, cohort: Cohort, applied_on: datetime.date) -> DomainError | None:
    """Why ``student`` may not apply to ``cohort`` on ``applied_on``, or ``None``: personal data erased, the
    application deadline passed, the cohort takes no applications, or the student is not from its sending college.
    (A current enrollment in the track is the caller's to look up.)"""
    if student.erased_at is not None:
        return DomainError(
            _("The personal data of this student were erased: the record takes no new application."),
            code="student_erased",
            field="student",
        )
    if cohort.application_deadline and applied_on > cohort.application_deadline:
        return DomainError(
            _("The application deadline of cohort %(cohort)s was %(deadline)s.")
            % {"cohort": cohort.code, "deadline": cohort.application_deadline.isoformat()},
            code="deadline_passed",
            field="cohort",
        )
    if not cohort.accepts_applications:
        return DomainError(
            _("Cohort %(cohort)s does not accept applications.") % {"cohort": cohort.code},
            code="cohort_closed",
            field="cohort",
        )
    if student.home_institution_id != cohort.partner_id:
        return DomainError(
            _("The student's home institution is not the sending college of cohort %(cohort)s.")
            % {"cohort": cohort.code},
            code="wrong_partner",
            field="cohort",
        )
    return None


def duplicate_enrollment_error(*, student: Student, cohort: Cohort) -> DomainError:
    """The refusal of an application by a student who holds a current enrollment in the cohort's track."""
    return DomainError(
        _("%(student)s already has a current enrollment in the track %(track)s.")
        % {"student": student, "track": cohort.track},
        code="duplicate_enrollment",
        field="student",
    )
