"""``transfer_record``: the one writer of the register."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from mobility.foundation.audit import Actor, actor_label
from mobility.foundation.bulk import rows_insert

from .models import Transfer, TransferSubject

SUBJECTS_PER_STATEMENT = 5_000  # a statement's rows: two integers each, far under any parameter limit


def transfer_record(
    *,
    direction: str,
    channel: str,
    institution_id: int | None,
    categories: Iterable[str],
    student_ids: Iterable[int],
    reference: str = "",
    actor: Actor = None,
    label: str = "",
) -> Transfer | None:
    """Record one transfer of the data of ``student_ids`` (categories as ``students.consent.models.Category``
    values, sorted and without repeats). Nothing is recorded when it carried no one's data. Two queries (one more
    per 5,000 students past the first); call it in the transaction of what it records, so that a rolled-back write
    leaves no entry."""
    ids = sorted({int(pk) for pk in student_ids})
    if not ids:
        return None
    transfer = Transfer.objects.create(
        direction=direction,
        channel=channel,
        institution_id=institution_id,
        categories=sorted(set(categories)),
        subject_count=len(ids),
        reference=reference[:300],
        actor_label=(label or (actor_label(actor) if actor is not None else ""))[:200],
    )
    for start in range(0, len(ids), SUBJECTS_PER_STATEMENT):  # plain rows: a roster's 17,000 without the ORM's cost
        chunk = ids[start : start + SUBJECTS_PER_STATEMENT]
        rows_insert(TransferSubject, ("transfer_id", "student_id"), [(transfer.pk, pk) for pk in chunk])
    return transfer


# --- webhook deliveries --------------------------------------------------------------------------------------------
# The foundation imports no domain app: the students app registers the rule that reads a payload (what students,
# which categories), ``students.consent.transfers.payload_transfer``, when it is ready.
PayloadReader = Callable[[Mapping[str, Any]], "tuple[list[int], list[str]] | None"]
_payload_reader: list[PayloadReader] = []


def transfer_payload_reader_register(reader: PayloadReader) -> None:
    """Set the function that says whose data of which categories a webhook payload carries (``None``: none)."""
    _payload_reader[:] = [reader]


def transfer_record_delivery(*, delivery) -> Transfer | None:
    """Record a webhook delivery the partner's endpoint accepted (a 2xx), Russia → China: the students and the
    categories its payload carries, by the registered reader. Nothing when the payload carries no personal data
    (ids only, or ``personal_data_withheld``). Two queries; call it in the transaction that marks it delivered."""
    if not _payload_reader:
        return None
    found = _payload_reader[0](delivery.payload or {})
    if found is None:
        return None
    student_ids, categories = found
    host = urlsplit(delivery.endpoint.url).hostname or ""
    return transfer_record(
        direction=Transfer.Direction.TO_PARTNER,
        channel=Transfer.Channel.WEBHOOK,
        institution_id=delivery.endpoint.institution_id,
        categories=categories,
        student_ids=student_ids,
        reference=f"{delivery.event} · delivery {delivery.pk} · event {delivery.event_id} · {host}",
        label="system",
    )
