"""Who may export or erase a student's personal data (``may_export_personal_data``, ``may_erase_personal_data``),
and what erasure replaces and keeps: the fields, the placeholders and the statuses that refuse it."""

from __future__ import annotations

from diplomas.models import Diploma
from mobility.foundation.access import is_office_staff
from students.models import Enrollment, Student
from students.names import NAME_FIELDS as NAME_SCRIPTS

EXPORT_FORMAT = "mobility.personal-data/1"
EXPORT_FORMATS = ("json", "html")
# Export: the sensitive-data permission, because the export holds passport data. Erasure: also the right to change
# students. Both are office-admin's (mobility.foundation.access.ROLE_PERMISSIONS); the office, students and partners
# never.
EXPORT_PERMISSIONS = ("students.view_student", "students.view_sensitive")
ERASE_PERMISSIONS = (*EXPORT_PERMISSIONS, "students.change_student")

# What free texts and personal values become in rows and audit entries that are kept.
ERASED = "[erased]"
# The enrollment statuses of a student who has not left: erasure is refused while one exists.
ACTIVE_STATUSES = (Enrollment.Status.APPLIED, Enrollment.Status.ADMITTED, Enrollment.Status.ENROLLED)
# Diplomas whose rendering may still read the student's names: erasure waits for them.
DIPLOMA_BUSY_STATUSES = (Diploma.Status.REQUESTED, Diploma.Status.RENDERING)

NAME_FIELDS = tuple(NAME_SCRIPTS)
# Student fields erased in every case, with the value they take. ``home_student_id`` gets a placeholder (the
# database wants it unique per institution and not blank); ``user`` is deleted apart.
ALWAYS_ERASED = {
    "home_specialty": "",
    "sex": "",
    "birth_date": None,
    "passport_number": "",
    "passport_issued_on": None,
    "passport_expires_on": None,
    "email": "",
    "phone": "",
    "language": "",
    "invited_at": None,
}
# Kept in every case: the home institution and citizenship (counts per partner and country), the enrollments with
# their dates and statuses, the module results, the continuations and the diplomas (rows, numbers, hashes).
KEPT_FIELDS = ("home_institution", "citizenship")


def may_export_personal_data(user) -> bool:
    return is_office_staff(user) and user.has_perms(EXPORT_PERMISSIONS)


def may_erase_personal_data(user) -> bool:
    return is_office_staff(user) and user.has_perms(ERASE_PERMISSIONS)


def erased_home_student_id(student: Student) -> str:
    return f"erased-{student.pk}"


def erased_names(student: Student) -> dict[str, str]:
    """Placeholder names: the Latin ones may not be blank; Han and Cyrillic may."""
    return {
        "family_name_han": "",
        "given_name_han": "",
        "family_name_latin": "Erased",
        "given_name_latin": f"#{student.pk}",
        "family_name_cyrillic": "",
        "given_name_cyrillic": "",
    }
