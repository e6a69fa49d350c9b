"""The partner API's entries in the register of transfers (docs/privacy.md#the-register-of-transfers).

A partner's write that carries a student's data is China → Russia (``api_write``), recorded in the transaction of
the write; a partner's read of students, enrollments, results or diplomas is Russia → China (``api_read``), one
entry per request with the students of the response (a list: its page). Office staff and staff keys stay inside
the university: nothing is recorded for them. Categories by ``students.consent.transfers``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mobility.foundation.access import partner_institution_id
from mobility.foundation.api import api_viewer
from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.services import transfer_record

from ..consent.transfers import data_categories, rows_categories


def _reference(request, outcome: object) -> str:
    return f"{request.method} {request.path} → {outcome}"


def api_write_record(request, *, data: Mapping, student_ids: Iterable[int], outcome: object) -> Transfer | None:
    """Record a partner's write of ``data`` (the fields it sent) about ``student_ids``; ``outcome`` is the status
    or the object written. Nothing for the office's own callers or data with no category."""
    viewer = api_viewer(request)
    institution_id = partner_institution_id(viewer)
    categories = data_categories(data)
    if institution_id is None or not categories:
        return None
    return transfer_record(
        direction=Transfer.Direction.TO_RUSSIA,
        channel=Transfer.Channel.API_WRITE,
        institution_id=institution_id,
        categories=categories,
        student_ids=student_ids,
        reference=_reference(request, outcome),
        actor=viewer,
    )


def api_read_record(
    request,
    *,
    rows: Iterable[Mapping],
    subject_field: str = "student",
    status: int = 200,
    categories: Iterable[str] = (),
) -> Transfer | None:
    """Record a partner's read: ``rows`` as rendered (a page or one object), the students by ``subject_field`` of
    each row; ``categories`` adds what the rows do not show (a file's contents). At most two queries, none for an
    empty page or the office's callers."""
    viewer = api_viewer(request)
    institution_id = partner_institution_id(viewer)
    if institution_id is None:
        return None
    rows = list(rows)
    ids = [row.get(subject_field) for row in rows]
    return transfer_record(
        direction=Transfer.Direction.TO_PARTNER,
        channel=Transfer.Channel.API_READ,
        institution_id=institution_id,
        categories=rows_categories(rows) | set(categories),
        student_ids=[pk for pk in ids if isinstance(pk, int)],
        reference=_reference(request, status),
        actor=viewer,
    )


class TransferReadMixin:
    """A read-only viewset's ``list`` and ``retrieve`` recorded by ``api_read_record``."""

    transfer_subject_field = "student"

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        data = response.data
        rows = data.get("results", []) if isinstance(data, Mapping) else data
        api_read_record(request, rows=rows, subject_field=self.transfer_subject_field, status=response.status_code)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        api_read_record(
            request, rows=[response.data], subject_field=self.transfer_subject_field, status=response.status_code
        )
        return response
