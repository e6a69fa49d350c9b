"""Reads of designs and signatories: the current design of a kind, the signatories of a kind on a day, and what a
document being issued records of both (``for_issue``)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from .models import DocumentDesign, Kind, Signatory, Signs


def design_current(kind: str) -> DocumentDesign | None:
    """The kind's current design: its latest published version (None before any is published)."""
    return DocumentDesign.objects.filter(kind=Kind(kind), published_at__isnull=False).order_by("-version").first()


def design_draft_of(kind: str) -> DocumentDesign | None:
    """The kind's draft, if one is being written (at most one: ``design_draft`` makes it)."""
    return DocumentDesign.objects.filter(kind=Kind(kind), published_at__isnull=True).order_by("-version").first()


def designs_by_kind() -> list[dict]:
    """Each kind with its versions, newest first, and which one is current, for the list page."""
    overview = []
    for kind in Kind:
        versions = list(DocumentDesign.objects.filter(kind=kind).order_by("-version"))
        current = next((design for design in versions if design.is_published), None)
        draft = next((design for design in versions if not design.is_published), None)
        overview.append({"kind": kind, "versions": versions, "current": current, "draft": draft})
    return overview


def signatories_for(kind: str, day: datetime.date | None = None) -> list[Signatory]:
    """Who signs a document of ``kind`` ("diploma", "transcript", "papers") issued on ``day`` (the site's date;
    today's by default), in their order on the page."""
    day = day or timezone.localdate()
    field = f"signs_{Signs(kind).value}"
    return list(
        Signatory.objects.filter(**{field: True}, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("order", "valid_from", "pk")
    )


def signatories_printed(kind: str, day: datetime.date | None = None) -> list[dict[str, str]]:
    """``signatories_for`` as a document prints them (``Signatory.as_printed``): what an issued diploma records."""
    return [signatory.as_printed() for signatory in signatories_for(kind, day)]


def papers_signatory(day: datetime.date | None = None) -> dict[str, str] | None:
    """The one who signs the office's papers on ``day`` (the first in order), as printed; None when nobody does."""
    printed = signatories_printed(Signs.PAPERS, day)
    return printed[0] if printed else None


def for_issue(kind: str, issued_at: datetime.datetime) -> tuple[DocumentDesign | None, list[dict[str, str]]]:
    """The design and the signatories (as printed) a document of ``kind`` issued at ``issued_at`` records: the
    current design and the signatories of the site's date of issue."""
    return design_current(kind), signatories_printed(kind, timezone.localdate(issued_at))


def signatories_list() -> list[Signatory]:
    """Every signatory, those signing today first, then the ended ones, for the office's list."""
    today = timezone.localdate()
    people = list(Signatory.objects.order_by("order", "-valid_from", "pk"))
    return sorted(people, key=lambda person: (not person.valid_on(today), person.order, person.pk))
