"""The diploma register as CSV and XLSX: the rows the register shows with its search, filters and sort, every page.

The writers are ``mobility.foundation.tables``' (``table_csv``, ``table_xlsx``: a UTF-8 BOM for Excel, formulas kept
as text). Rows are read in chunks from a queryset that brings the student, cohort and track in the same query
(``selectors.diploma_register``), so an export makes one query per ``CHUNK`` diplomas.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.tables import table_csv, table_xlsx

from .models import Diploma

CHUNK = 500


def register_header() -> list[str]:
    return [
        _("Number"),
        _("Status"),
        _("Name (Latin)"),
        _("Name (Han)"),
        _("Name (Cyrillic)"),
        _("Home student id"),
        _("Cohort"),
        _("Track"),
        _("Requested"),
        _("Issued"),
        _("Revoked"),
        _("Revocation reason"),
    ]


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    """The date of a moment in the site's time zone (``TIME_ZONE``): what the office's calendar says."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date() if moment else None


def register_row(diploma: Diploma) -> list:
    enrollment = diploma.enrollment
    student = enrollment.student
    return [
        diploma.number or "",
        diploma.get_status_display(),
        student.full_name_latin,
        student.full_name_han,
        student.full_name_cyrillic,
        student.home_student_id,
        enrollment.cohort.code,
        f"{enrollment.track.code} · {enrollment.track.name()}",
        local_date(diploma.requested_at),
        # A diploma has its number and date from its first render on; it is issued only when stored.
        local_date(diploma.issued_at) if diploma.status in (Diploma.Status.ISSUED, Diploma.Status.REVOKED) else None,
        local_date(diploma.revoked_at),
        diploma.revoked_reason,
    ]


def register_rows(diplomas: QuerySet[Diploma]) -> Iterator[list]:
    return (register_row(diploma) for diploma in diplomas.iterator(chunk_size=CHUNK))


def register_csv(diplomas: QuerySet[Diploma]) -> Iterable[str]:
    return table_csv(register_header(), register_rows(diplomas))


def register_xlsx(diplomas: QuerySet[Diploma]) -> bytes:
    return table_xlsx(_("Diplomas"), register_header(), register_rows(diplomas))
