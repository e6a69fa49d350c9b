"""Checks shared by the tests that issue diplomas through real worker processes."""

from __future__ import annotations

import hashlib
from collections import Counter

from django.utils import timezone

from diplomas.models import Diploma
from mobility.foundation.models import AuditEntry


def assert_issued_exactly_once(ids: list[int]) -> list[Diploma]:
    """Every diploma of ``ids`` is issued, under a number no other has, with one ``diploma.issue`` audit entry and
    one file at its number's path whose SHA-256 is the recorded one. Returns the rows."""
    rows = list(Diploma.objects.filter(pk__in=ids))
    assert len(rows) == len(ids)
    assert {row.status for row in rows} == {Diploma.Status.ISSUED}, [(r.pk, r.status, r.failure_reason) for r in rows]
    numbers = [row.number for row in rows]
    assert len(set(numbers)) == len(rows), numbers
    entries = AuditEntry.objects.filter(action="diploma.issue", object_id__in=[str(pk) for pk in ids])
    assert Counter(entries.values_list("object_id", flat=True)) == {str(pk): 1 for pk in ids}
    for row in rows:
        assert row.pdf.name == f"diplomas/{timezone.localtime(row.issued_at):%Y}/{row.number}.pdf"
        data = row.pdf.read()
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == row.sha256
    return rows
