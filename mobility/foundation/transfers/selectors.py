"""Reads of the register of transfers, for the office-admin's page and its export (``mobility.personal_data``)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from .models import Transfer, TransferSubject


def transfer_list(*, filters: dict | None = None) -> QuerySet[Transfer]:
    """The register newest first, with the partner college in the same query, narrowed by ``filters`` (all
    optional): ``direction``, ``channel``, ``institution`` (an ``Institution`` or its id), ``date_from`` and
    ``date_to`` (days in the site's zone, both included), ``student_ids`` (the transfers that carried any of these
    students' data; an empty list matches none)."""
    filters = filters or {}
    transfers = Transfer.objects.select_related("institution").order_by("-at", "-id")
    for name in ("direction", "channel"):
        if filters.get(name):
            transfers = transfers.filter(**{name: filters[name]})
    if filters.get("institution"):
        transfers = transfers.filter(institution=filters["institution"])
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        transfers = transfers.filter(at__gte=datetime.datetime.combine(filters["date_from"], datetime.time.min, zone))
    if filters.get("date_to"):
        day_after = filters["date_to"] + datetime.timedelta(days=1)
        transfers = transfers.filter(at__lt=datetime.datetime.combine(day_after, datetime.time.min, zone))
    if filters.get("student_ids") is not None:
        subjects = TransferSubject.objects.filter(transfer=OuterRef("pk"), student_id__in=filters["student_ids"])
        transfers = transfers.filter(Exists(subjects))
    return transfers


def transfer_subject_ids(transfers: list[Transfer]) -> dict[int, list[int]]:
    """The student ids of each of ``transfers`` (one query): for the export, which names whose data went."""
    found: dict[int, list[int]] = {transfer.pk: [] for transfer in transfers}
    rows = TransferSubject.objects.filter(transfer__in=[t.pk for t in transfers]).order_by("transfer_id", "student_id")
    for transfer_id, student_id in rows.values_list("transfer_id", "student_id"):
        found[transfer_id].append(student_id)
    return found
