"""Apply a roster preview: every row through the services, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.access import partner_institution_id
from mobility.foundation.exceptions import DomainError
from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.services import transfer_record
from students import services

from ...consent.transfers import rows_categories
from ...models import Enrollment
from ...staff_notifications import applications_received_notify
from ..base import RowError
from .columns import COLUMNS
from .preview import RosterPreview


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    applications: int


class RosterRefused(DomainError):
    """The roster has errors (``errors``: ``RowError`` and file-level messages); nothing was saved."""

    def __init__(self, message: str, *, errors: list | None = None):
        super().__init__(message, code="roster_refused", field="file")
        self.errors = errors or []


def apply_roster(preview: RosterPreview, *, by) -> ImportResult:
    """Save every row of a preview without errors through the services, in ONE transaction: all rows or none.

    Refuses (``RosterRefused``) a preview with any error. A service's refusal midway (e.g. a concurrent change)
    rolls everything back and is raised as ``RosterRefused`` naming the row. Idempotent in effect: applying the same
    file again updates the same students and creates no second application.
    """
    if preview.has_errors:
        raise RosterRefused(
            _("The roster has errors; nothing was imported."), errors=[*preview.file_errors, *preview.errors]
        )
    created = updated = applications = 0
    applied_on = timezone.localdate()
    current_row = None
    student_ids: list[int] = []
    try:
        with transaction.atomic():
            for row in preview.rows:
                current_row = row
                student = row.student
                if student is None:
                    student = services.student_create(
                        by=by,
                        data={
                            "home_institution": preview.institution,
                            "home_student_id": row.home_student_id,
                            **row.data,
                        },
                        attestation=row.attestation,
                    )
                    created += 1
                elif row.changes or row.attestation is not None:
                    student = services.student_update(
                        student=student,
                        by=by,
                        data={name: new for name, (_old, new) in row.changes.items()},
                        attestation=row.attestation,
                    )
                    updated += bool(row.changes)
                if row.application:
                    services.enrollment_apply(
                        student=student,
                        cohort=row.cohort,  # type: ignore[arg-type]  # an application row has its cohort
                        by=by,
                        source=Enrollment.Source.IMPORT,
                        applied_on=applied_on,
                    )
                    applications += 1
                student_ids.append(student.pk)
            _record_transfer(preview, student_ids=student_ids, applications=applications, by=by)
            if preview.institution is not None:  # one notice for the whole import, not one per row
                applications_received_notify(
                    college=preview.institution, count=applications, source=Enrollment.Source.IMPORT
                )
    except DomainError as exc:
        column = exc.field or ""
        if column in COLUMNS and column in preview.columns:
            column = preview.headers[preview.columns[column]]
        error = RowError(current_row.row, column, exc.message)  # type: ignore[union-attr]  # raised by a row
        raise RosterRefused(
            _("Row %(row)d was refused; nothing was imported.") % {"row": error.row}, errors=[error]
        ) from exc
    except IntegrityError as exc:
        error = RowError(current_row.row, "", _("The database refused the row: %(error)s") % {"error": exc})  # type: ignore[union-attr]
        raise RosterRefused(
            _("Row %(row)d was refused; nothing was imported.") % {"row": error.row}, errors=[error]
        ) from exc
    return ImportResult(created=created, updated=updated, applications=applications)


def _record_transfer(preview: RosterPreview, *, student_ids: list[int], applications: int, by) -> None:
    """The roster's entry in the register of transfers (China → Russia): every student of the file, the categories
    of its columns (and of the applications it makes). Uploaded by the college's coordinator: the partner portal's
    channel; by the office (a file the college sent): the import's."""
    rows = [{"home_student_id": row.home_student_id, **row.data} for row in preview.rows]
    categories = rows_categories(rows) | ({"education"} if applications else set())
    partner = partner_institution_id(by) is not None
    transfer_record(
        direction=Transfer.Direction.TO_RUSSIA,
        channel=Transfer.Channel.PARTNER_PORTAL if partner else Transfer.Channel.IMPORT,
        institution_id=preview.institution.pk if preview.institution is not None else None,
        categories=categories,
        student_ids=student_ids,
        reference=f"roster {preview.kind} · {len(preview.rows)} rows · {applications} applications",
        actor=by,
    )
