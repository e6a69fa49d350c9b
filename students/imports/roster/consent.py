"""The consent columns of a roster: the college's attestation that it collected the student's consent to the transfer
of personal data to Russia, required on a row that brings passport data or a birth date (``records._check_consent``,
judged here per row so that the preview shows it and the whole import is refused)."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from ...consent.models import SENSITIVE_PURPOSE, Consent, ConsentText
from ...consent.selectors import students_holding
from ...consent.services import Attestation, consent_missing_error
from ...models import Student
from .columns import parse_date
from .preview import RosterPreview, RosterRow


def check_consents(preview: RosterPreview, error, *, today: datetime.date, chunks) -> None:
    """Read each row's consent columns into ``row.attestation`` (a row error on the column when the version is not a
    published text or the date is not a date, or in the future), and refuse, on the consent version column, a row
    whose passport data or birth date come without an attestation nor a consent the existing student holds. One
    query for the texts, one per chunk of existing students who get passport data, whatever the number of rows."""
    published = {}
    if "consent_version" in preview.columns:
        texts = ConsentText.objects.filter(purpose=SENSITIVE_PURPOSE, published_at__isnull=False)
        published = {text.version: text for text in texts}
    existing = [row.student.pk for row in preview.rows if row.student is not None and _sensitive_given(row)]
    holding: set[int] = set()
    for chunk in chunks(existing):
        holding |= students_holding(SENSITIVE_PURPOSE, chunk)
    for row in preview.rows:
        row.attestation = _attestation(row, published, today, error)
        given = _sensitive_given(row)
        held = row.student is not None and row.student.pk in holding
        attempted = row.values.get("consent_version") or row.values.get("consent_date")
        if given and row.attestation is None and not held and not attempted:  # else refused on its column already
            error(row, "consent_version", consent_missing_error(given).message)


def _attestation(row: RosterRow, published: dict, today: datetime.date, error) -> Attestation | None:
    version_text = row.values.get("consent_version", "")
    date_text = row.values.get("consent_date", "")
    if not (version_text or date_text):
        return None
    version = collected_on = None
    if not version_text:
        error(row, "consent_version", _("The consent version is required with the consent date."))
    elif _whole(version_text) not in published:
        versions = ", ".join(str(number) for number in sorted(published)) or "—"
        error(
            row,
            "consent_version",
            _("“%(value)s” is not a published version of the consent to the transfer (published: %(versions)s).")
            % {"value": version_text, "versions": versions},
        )
    else:
        version = _whole(version_text)
    if not date_text:
        error(row, "consent_date", _("The consent date is required with the consent version."))
    else:
        try:
            collected_on = parse_date(date_text)
        except ValueError:
            error(
                row,
                "consent_date",
                _("“%(value)s” is not a valid date (accepted: YYYY-MM-DD, DD.MM.YYYY, YYYY/MM/DD).")
                % {"value": date_text},
            )
        else:
            if collected_on > today:
                error(
                    row,
                    "consent_date",
                    _("The consent date %(date)s is in the future.") % {"date": collected_on.isoformat()},
                )
                collected_on = None
    if version is None or collected_on is None:
        return None
    return Attestation(version=version, collected_on=collected_on, channel=Consent.Channel.IMPORT)


def _sensitive_given(row: RosterRow) -> set[str]:
    """The sensitive fields the row writes: every one given for a new student, the changed ones for a student."""
    if row.student is None:
        return {name for name in Student.SENSITIVE_FIELDS if row.data.get(name) not in (None, "")}
    return {name for name in Student.SENSITIVE_FIELDS if name in row.changes}


def _whole(text: str) -> int | None:
    """A version number as typed, or as a spreadsheet stores it (``1.0``); ``None`` for anything else."""
    match = re.fullmatch(r"(\d{1,6})(\.0+)?", text.strip())
    return int(match.group(1)) if match else None
