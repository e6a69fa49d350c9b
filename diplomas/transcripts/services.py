"""Writes about transcripts: issued alone by the office (``transcript_issue``), or with the diploma in the diploma's
render task (``diplomas.services.diploma_issue`` calls ``transcript_number_for_diploma`` in its phase 1,
``transcript_render`` with no lock held, and ``transcript_store`` in its phase 2), and revoked with its diploma
(``transcripts_revoke_with``, in ``diploma_revoke``'s transaction).

A transcript's number comes from its own yearly counter (``TRANSCRIPT_NUMBER_FORMAT``, ``diplomas.numbering``); one
issued with a diploma is numbered once (the diploma's row lock, and at most one transcript per diploma in the
database), so the render task may run any number of times and leaves one transcript.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diplomas import signing
from diplomas.designs import selectors as designs
from diplomas.designs.models import Kind
from diplomas.numbering import next_number
from mobility.foundation.audit import actor_user, audit_record
from mobility.foundation.exceptions import DomainError
from students.models import Enrollment

from . import documents, selectors
from .models import Transcript, TranscriptNumberCounter


def _next_number(issued_at) -> str:
    return next_number(
        year=timezone.localtime(issued_at).year,
        counter=TranscriptNumberCounter,
        numbered=Transcript,
        number_format=settings.TRANSCRIPT_NUMBER_FORMAT,
    )


def _render_transcript(transcript: Transcript) -> bytes:
    """The signed PDF of the transcript (the tests' ``fake_render`` replaces it)."""
    return signing.sign_pdf(documents.render_transcript_pdf(transcript), reason=documents.SIGNATURE_REASON)


def transcript_render(transcript: Transcript) -> bytes:
    return _render_transcript(transcript)


def transcript_storage_name(transcript: Transcript) -> str:
    # The site's year, like the number's.
    return f"transcripts/{timezone.localtime(transcript.issued_at):%Y}/{transcript.number}.pdf"


def _store(transcript: Transcript, pdf: bytes, *, by) -> Transcript:
    name = transcript_storage_name(transcript)
    storage = transcript.pdf.storage
    if storage.exists(name):  # left by a run killed before its commit; the caller holds the lock that makes it one
        storage.delete(name)
    # Saved through the storage, not FieldFile.save, which would prefix upload_to once more.
    transcript.pdf.name = storage.save(name, ContentFile(pdf))
    transcript.sha256 = hashlib.sha256(pdf).hexdigest()
    transcript.save(update_fields=["pdf", "sha256", "modified_at"])
    audit_record(
        actor=by,
        obj=transcript,
        action="transcript.issue",
        changes={"number": (None, transcript.number), "sha256": (None, transcript.sha256)},
    )
    return transcript


def transcript_issue(*, enrollment: Enrollment, by, diploma=None) -> Transcript:
    """A new transcript of the enrollment: numbered, rendered, signed, stored and audited (``transcript.issue``) in
    one transaction; a failed render rolls the number back. Not idempotent: each call is a new transcript under a new
    number. With ``diploma`` (of the same enrollment, issued, with no transcript yet) it is that diploma's transcript.
    Refuses an enrollment with no result and a student whose personal data were erased (``DomainError``)."""
    if enrollment.student.erased_at is not None:
        raise DomainError(
            _("The personal data of this student were erased: no new transcript can be issued."),
            code="student_erased",
        )
    if not selectors.enrollment_has_results(enrollment=enrollment):
        raise DomainError(
            _("This enrollment has no result yet: there is nothing to put on a transcript."), code="no_results"
        )
    if diploma is not None and (diploma.enrollment_id != enrollment.pk or diploma.transcripts.exists()):
        raise DomainError(_("This diploma has its transcript already."), code="diploma_has_transcript")
    issued_at = timezone.now()
    with transaction.atomic():
        design, signatories = designs.for_issue(Kind.TRANSCRIPT, issued_at)
        transcript = Transcript.objects.create(
            enrollment=enrollment,
            diploma=diploma,
            number=_next_number(issued_at),
            issued_at=issued_at,
            issued_by=actor_user(by),
            design=design,
            signatories=signatories,
        )
        _store(transcript, _render_transcript(transcript), by=by)
    return transcript


# --- with the diploma (diplomas.services.diploma_issue) -------------------------------------------------------------


def transcript_number_for_diploma(*, diploma) -> Transcript | None:
    """The diploma's transcript, numbered now if it has none (phase 1 of ``diploma_issue``, under the diploma's row
    lock, so two runs never both create one); None when the enrollment has no result to list. Dated like the
    diploma."""
    existing = Transcript.objects.filter(diploma=diploma).first()
    if existing is not None:
        return existing
    enrollment = diploma.enrollment
    if not selectors.enrollment_has_results(enrollment=enrollment):
        return None
    design, signatories = designs.for_issue(Kind.TRANSCRIPT, diploma.issued_at)
    return Transcript.objects.create(
        enrollment=enrollment,
        diploma=diploma,
        number=_next_number(diploma.issued_at),
        issued_at=diploma.issued_at,
        design=design,
        signatories=signatories,
    )


def transcript_store(*, transcript: Transcript, pdf: bytes) -> Transcript:
    """Store the diploma's transcript's PDF (phase 2 of ``diploma_issue``, in its transaction, under its lock):
    once; a transcript stored already is left as it is."""
    transcript = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if transcript.sha256:
        return transcript
    return _store(transcript, pdf, by=None)


def transcripts_revoke_with(*, diploma, by, reason: str) -> list[Transcript]:
    """Revoke the transcripts issued with the diploma (in the caller's transaction: ``diploma_revoke``), each
    audited (``transcript.revoke``). Transcripts issued alone are the office's to judge; they stay valid."""
    revoked = []
    now = timezone.now()
    for transcript in Transcript.objects.select_for_update().filter(diploma=diploma, revoked_at__isnull=True).stored():
        transcript.revoked_at = now
        transcript.revoked_reason = reason
        transcript.save(update_fields=["revoked_at", "revoked_reason", "modified_at"])
        audit_record(
            actor=by, obj=transcript, action="transcript.revoke", changes={"revoked": (False, True)}, reason=reason
        )
        revoked.append(transcript)
    return revoked
