"""``transfer_record``: the one writer of the register."""

from __future__ import annotations

from collections.abc import Iterable

from mobility.foundation.audit import Actor, actor_label

from .models import Transfer, TransferSubject


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
    values, sorted and without repeats). Nothing is recorded when it carried no one's data. Two queries; call it in
    the transaction of what it records, so that a rolled-back write leaves no entry."""
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
    TransferSubject.objects.bulk_create(TransferSubject(transfer=transfer, student_id=pk) for pk in ids)
    return transfer
