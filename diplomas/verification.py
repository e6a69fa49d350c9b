"""Reads of the public verification: what a diploma's page answers to machines (the JSON), the diploma a printed
copy's number and code find, and what an uploaded copy is of the diploma.

The JSON's shape is ``docs/schemas/verification.schema.json``, shared with the transcripts' page; the holder in it is
``selectors.public_holder``'s, so it names them only with their consent, as the page does.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils import timezone

from . import signing
from .credentials.documents import status_list_url
from .credentials.status import status_place
from .models import Diploma
from .pdf_text import pdf_bytes_text
from .selectors import public_holder

S = Diploma.Status

# --- the JSON --------------------------------------------------------------------------------------------------------


def local_date(moment: datetime.datetime | None) -> str | None:
    """``YYYY-MM-DD`` of ``moment`` in the site's time zone (``TIME_ZONE``), the date printed on the diploma."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).date().isoformat()


def verification_answer(diploma: Diploma) -> dict:
    """The verification page of ``diploma`` for machines (``?format=json``): its status, number, track, dates, the
    holder as their consent allows, the public revocation reason, the issuer, the file's SHA-256 and the place of
    its credential in the revocation status list. Reads the holder's consent (one query)."""
    holder = public_holder(diploma)
    enrollment = diploma.enrollment
    track, host = enrollment.track, enrollment.cohort.host
    revoked = diploma.status == S.REVOKED
    return {
        "kind": "diploma",
        "status": "revoked" if revoked else "issued",
        "number": diploma.number,
        "issued_on": local_date(diploma.issued_at),
        "revoked_on": local_date(diploma.revoked_at) if revoked else None,
        "revocation_reason": holder.revoked_reason if revoked else None,
        "track": {"code": track.code, "name_en": track.name_en, "name_ru": track.name_ru, "name_zh": track.name_zh},
        "holder": {"named": holder.named, "latin": holder.latin, "han": holder.han, "cyrillic": holder.cyrillic},
        "issuer": {"name_en": host.name_en, "name_ru": host.name_ru, "name_zh": host.name_zh},
        "sha256": diploma.sha256,
        "verification_url": diploma.verification_url,
        "credential": credential_status(diploma),
    }


def credential_status(diploma: Diploma) -> dict | None:
    """Where the revocation of the diploma's verifiable credential is published (its Bitstring Status List and index),
    or None for a diploma issued without one."""
    if not diploma.credential:
        return None
    list_number, index = status_place(diploma.pk)
    return {
        "status_list": status_list_url(list_number),
        "status_index": index,
        "status_purpose": "revocation",
        "revoked": diploma.status == S.REVOKED,
    }


# --- a printed copy: number and code ---------------------------------------------------------------------------------

# Compared with what is typed when no diploma has the number, so that a wrong number costs the same as a wrong code.
_DUMMY_CODE = secrets.token_urlsafe(24).encode("ascii")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")


def normalized_number(typed: str) -> str:
    """A diploma number as typed from paper: full-width letters made plain (NFKC), any dash a hyphen, white space
    taken out, upper case."""
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", typed))
    return "".join(text.split()).upper()


def code_from_typed(typed: str) -> str:
    """The verification code from what a visitor typed: the code itself or the whole address printed under the QR
    code (its last path segment), white space (a line break of the print) taken out. The code's case is kept:
    it is case-sensitive."""
    text = "".join(unicodedata.normalize("NFKC", typed).split())
    if "/" in text:
        text = urlsplit(text if "://" in text else "//" + text).path.rstrip("/").rsplit("/", 1)[-1]
    return text


def diploma_for_paper_check(*, number: str, code: str) -> Diploma | None:
    """The issued or revoked diploma with this number whose verification code is ``code``, or None. The code is
    compared in constant time with the diploma's, or with a dummy when no diploma has the number, so neither the
    answer nor its timing tells whether the number exists."""
    stored = (
        Diploma.objects.filter(number=normalized_number(number), status__in=(S.ISSUED, S.REVOKED))
        .values_list("pk", "verification_code")
        .first()
    )
    expected = stored[1].encode("ascii") if stored else _DUMMY_CODE
    matches = secrets.compare_digest(code_from_typed(code).encode("utf-8"), expected)
    if stored is None or not matches:
        return None
    return Diploma.objects.get(pk=stored[0])


# --- an uploaded copy ------------------------------------------------------------------------------------------------


class Verdict:
    """What an uploaded copy is of the diploma, from the strongest evidence down."""

    FILE = "file"  # the issued file, byte for byte
    SIGNED_REVISION = "signed-revision"  # the issued file, with a later incremental update appended
    OTHER_SIGNED = "other-signed"  # signed with the university's certificate, but another document
    NUMBER_ONLY = "number-only"  # no valid signature of ours, but the diploma's number is in its text
    NONE = "none"


@dataclass(frozen=True)
class CopyCheck:
    verdict: str
    sha256: str
    other_number: str = ""  # OTHER_SIGNED: the number of the diploma of ours it is, if it is one

    @property
    def confirmed(self) -> bool:
        """The university's signed bytes of this diploma are in the file."""
        return self.verdict in (Verdict.FILE, Verdict.SIGNED_REVISION)


def _other_diploma_number(*, diploma: Diploma, hashes: set[str]) -> str:
    return (
        Diploma.objects.filter(sha256__in=hashes - {""}, status__in=(S.ISSUED, S.REVOKED))
        .exclude(pk=diploma.pk)
        .values_list("number", flat=True)
        .first()
        or ""
    )


def _has_number(pdf: bytes, number: str) -> bool:
    try:
        text = pdf_bytes_text(pdf)
    except Exception:  # noqa: BLE001 -- a file pikepdf cannot read has no text we can find the number in
        return False
    return normalized_number(number) in normalized_number(text)


def copy_check(*, diploma: Diploma, pdf: bytes) -> CopyCheck:
    """Compare an uploaded copy with ``diploma``: the same SHA-256 (``FILE``); else a signature by the configured
    certificate, intact, over a revision whose SHA-256 is the issued one (``SIGNED_REVISION``: saved again after
    signing) or another (``OTHER_SIGNED``, with that diploma's number when it is one of ours); else the diploma's
    number in the file's text (``NUMBER_ONLY``: a re-created file or a scan with text); else ``NONE``. Reads the
    file in memory, keeps nothing."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    if sha256 == diploma.sha256:
        return CopyCheck(Verdict.FILE, sha256)
    revision = signing.signed_revision(pdf)
    check = revision.check
    if check.signed and check.intact and check.by_configured_certificate:
        if revision.revision_sha256 == diploma.sha256:
            return CopyCheck(Verdict.SIGNED_REVISION, sha256)
        other = _other_diploma_number(diploma=diploma, hashes={sha256, revision.revision_sha256})
        return CopyCheck(Verdict.OTHER_SIGNED, sha256, other_number=other)
    if diploma.number and _has_number(pdf, diploma.number):
        return CopyCheck(Verdict.NUMBER_ONLY, sha256)
    return CopyCheck(Verdict.NONE, sha256)
