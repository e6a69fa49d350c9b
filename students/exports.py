"""The students list as CSV and XLSX: the same rows the list shows, plus contact data and diploma numbers (the
writers are ``mobility.foundation.tables``'s, which the diploma register's and the audit log's exports use too).

Passport data and the birth date are columns only when the viewer may see them (``sensitive=True``). Rows are read
from a queryset that already brings the institution and the enrollments (``selectors.student_list``), in chunks, so
an export makes a fixed number of queries per 500 students and never one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mobility.foundation.tables import table_csv, table_xlsx

from .models import Student
from .selectors import student_enrollments_prefetch

CHUNK = 500


def export_columns(*, sensitive: bool) -> list[tuple[str, str]]:
    columns = [
        ("latin", _("Name (Latin)")),
        ("han", _("Name (Han)")),
        ("cyrillic", _("Name (Cyrillic)")),
        ("institution", _("Home institution")),
        ("home_id", _("Home student id")),
        ("enrollments", _("Enrollments")),
        ("email", _("E-mail")),
        ("phone", _("Phone")),
        ("specialty", _("Home specialty")),
        ("diplomas", _("Diploma numbers")),
    ]
    if sensitive:
        columns += [
            ("birth_date", _("Birth date")),
            ("passport_number", _("Passport number")),
            ("passport_issued_on", _("Passport issued on")),
            ("passport_expires_on", _("Passport expires on")),
        ]
    return columns


def _row(student: Student, keys: list[str]) -> list:
    values = {
        "latin": student.full_name_latin,
        "han": student.full_name_han,
        "cyrillic": student.full_name_cyrillic,
        "institution": str(student.home_institution),
        "home_id": student.home_student_id,
        "enrollments": "; ".join(
            f"{enrollment.cohort.code}: {enrollment.get_status_display()}" for enrollment in student.enrollments.all()
        ),
        "email": student.email,
        "phone": student.phone,
        "specialty": student.home_specialty,
        # ``diploma_number`` is annotated by ``selectors.with_diploma_number`` (the prefetch of ``export_rows``).
        "diplomas": "; ".join(
            enrollment.diploma_number  # type: ignore[attr-defined]
            for enrollment in student.enrollments.all()
            if enrollment.diploma_number  # type: ignore[attr-defined]
        ),
    }
    sensitive = {field: getattr(student, field) for field in Student.SENSITIVE_FIELDS if field in keys}
    return [values[key] if key in values else sensitive[key] for key in keys]


def export_rows(students: QuerySet[Student], *, sensitive: bool) -> tuple[list[str], Iterator[list]]:
    """The header and the rows (an iterator: rows are read in chunks of ``CHUNK`` students)."""
    columns = export_columns(sensitive=sensitive)
    keys = [key for key, _label in columns]
    # The same enrollments, each with its issued diploma's number (a subquery of the same query).
    students = students.prefetch_related(None).prefetch_related(student_enrollments_prefetch(diploma_numbers=True))
    rows = (_row(student, keys) for student in students.iterator(chunk_size=CHUNK))
    return [label for _key, label in columns], rows


def students_csv(students: QuerySet[Student], *, sensitive: bool) -> Iterable[str]:
    """CSV lines (``mobility.foundation.tables``: UTF-8 with a BOM, formulas kept as text)."""
    header, rows = export_rows(students, sensitive=sensitive)
    return table_csv(header, rows)


def students_xlsx(students: QuerySet[Student], *, sensitive: bool) -> bytes:
    """An XLSX workbook with one sheet; dates are real dates, the header bold and frozen."""
    header, rows = export_rows(students, sensitive=sensitive)
    return table_xlsx(_("Students"), header, rows)
