"""Apply a roster preview: every row through the bulk nomination service, in one transaction."""

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
from .preview import RosterPreview, RosterRow


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
    """Save every row of a preview without errors, in ONE transaction: all rows or none.

    The rows go through ``students_nominate_bulk``, which has the outcome of ``student_create`` /
    ``student_update`` and ``enrollment_apply`` once per row at a fixed number of queries per 500 rows. Refuses
    (``RosterRefused``) a preview with any error. A refusal under the lock (e.g. a concurrent change) rolls
    everything back and is raised as ``RosterRefused`` naming the row. Idempotent in effect: applying the same file
    again updates the same students and creates no second application.
    """
    if preview.has_errors:
        raise RosterRefused(
            _("The roster has errors; nothing was imported."), errors=[*preview.file_errors, *preview.errors]
        )
    inputs = [_nomination(row, preview) for row in preview.rows]
    applications = sum(row.application for row in preview.rows)
    try:
        with transaction.atomic():
            outcome = services.students_nominate_bulk(
                rows=inputs, by=by, source=Enrollment.Source.IMPORT, applied_on=timezone.localdate()
            )
            student_ids = [student.pk for student in outcome.students]
            _record_transfer(preview, student_ids=student_ids, applications=applications, by=by)
            if preview.institution is not None:  # one notice for the whole import, not one per row
                applications_received_notify(
                    college=preview.institution, count=applications, source=Enrollment.Source.IMPORT
                )
    except services.NominationRefused as exc:
        column = exc.field or ""
        if column in COLUMNS and column in preview.columns:
            column = preview.headers[preview.columns[column]]
        error = RowError(preview.rows[exc.index].row, column, exc.message)
        raise RosterRefused(
            _("Row %(row)d was refused; nothing was imported.") % {"row": error.row}, errors=[error]
        ) from exc
    except IntegrityError as exc:  # a concurrent writer took a home id or an e-mail between the checks and the writes
        message = _("The database refused the import: %(error)s") % {"error": exc}
        raise RosterRefused(_("The roster was refused; nothing was imported."), errors=[message]) from exc
    return ImportResult(
        created=sum(row.student is None for row in preview.rows),
        updated=sum(row.student is not None and bool(row.changes) for row in preview.rows),
        applications=applications,
    )


def _nomination(row: RosterRow, preview: RosterPreview) -> services.NominationInput:
    """A row as the bulk service takes it: a new student's every field, or an existing one's changed fields."""
    if row.student is None:
        data = {"home_institution": preview.institution, "home_student_id": row.home_student_id, **row.data}
    else:
        data = {name: new for name, (_old, new) in row.changes.items()}
    return services.NominationInput(
        student=row.student,
        data=data,
        attestation=row.attestation,
        cohort=row.cohort if row.application else None,
    )


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
