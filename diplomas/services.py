"""Writes about diplomas: request (one or a cohort's batch), issue (number, render, sign, store), failure and
retry, the sweeper, revoke and reissue.

Every state change goes through a function here, locks the diploma row, checks the source state and appends an
audit entry in the same transaction. The state machine (DESIGN.md §3)::

    requested → rendering → issued → revoked
                rendering → failed → requested (staff retry)

Delivery of the render task is at least once (acks_late, reject on worker lost, the sweeper): ``diploma_issue``
is written so that any number of runs, concurrent or one after another, killed at any point, end with the diploma
issued once, under one number, with one stored file.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diplomas.credentials.documents import diploma_credential_token, enveloped_bytes
from diplomas.credentials.status import status_bit_set
from diplomas.events import diploma_event
from diplomas.notifications import diploma_issued_notify
from diplomas.staff_notifications import render_failed_notify
from mobility.foundation.audit import audit_entry_build, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.foundation.tasks import enqueue_many_on_commit, enqueue_on_commit
from mobility.foundation.webhooks.services import webhooks_emit_many
from students.models import Enrollment
from students.selectors import completion_missing_modules, enrollments_meeting_completion_rule

from .designs import selectors as designs
from .designs.models import Kind
from .models import PAGE_RELATED, Diploma, DiplomaBatch, DiplomaNumberCounter
from .numbering import next_number
from .transcripts import services as transcripts

logger = logging.getLogger(__name__)

S = Diploma.Status


def _render_task():
    from .tasks import render_diploma  # tasks import this module

    return render_diploma


def _lock(diploma_id: int) -> Diploma:
    # The student comes along for the partner's webhook (same query; only the diploma row is locked).
    return Diploma.objects.select_for_update(of=("self",)).select_related("enrollment__student").get(pk=diploma_id)


# --- request ---------------------------------------------------------------------------------------------------


def diploma_request(*, enrollment: Enrollment, requested_by, batch: DiplomaBatch | None = None) -> Diploma:
    """Request the diploma of a completed enrollment and send its render task once the transaction commits.

    Idempotent: when the enrollment already has a diploma that counts (any status but revoked) that diploma is
    returned and nothing is sent; a concurrent request that loses the race on the database constraint
    (``diploma_one_valid_per_enrollment``) returns the winner's row. Refuses (``DomainError``) an enrollment that is
    not completed or no longer satisfies the completion rule, and a student whose personal data were erased. Atomic,
    with an audit entry.
    """
    if enrollment.student.erased_at is not None:
        raise DomainError(
            _("The personal data of this student were erased: no new diploma can be issued."), code="student_erased"
        )
    if enrollment.status != Enrollment.Status.COMPLETED:
        raise DomainError(
            _("Only a completed enrollment gets a diploma (this one is “%(status)s”).")
            % {"status": enrollment.get_status_display()},
            code="not_completed",
        )
    missing = list(completion_missing_modules(enrollment=enrollment).values_list("code", flat=True))
    if missing:
        raise DomainError(
            _("Required modules without a passing result: %(codes)s.") % {"codes": ", ".join(missing)},
            code="not_eligible",
            details={"missing": missing},
        )
    existing = Diploma.objects.filter(enrollment=enrollment).exclude(status=S.REVOKED).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            diploma = Diploma.objects.create(enrollment=enrollment, batch=batch, requested_by=requested_by)
            audit_record(
                actor=requested_by,
                obj=diploma,
                action="diploma.request",
                changes={"status": (None, S.REQUESTED)},
            )
            enqueue_on_commit(_render_task(), diploma.pk)
    except IntegrityError:
        existing = Diploma.objects.filter(enrollment=enrollment).exclude(status=S.REVOKED).first()
        if existing is None:  # not the one-per-enrollment constraint: a real error
            raise
        return existing
    return diploma


def _cohort_candidates(cohort):
    valid = Diploma.objects.exclude(status=S.REVOKED).values("enrollment_id")
    # A student whose personal data were erased gets no new diploma (diploma_request refuses one too).
    return Enrollment.objects.filter(
        cohort=cohort, status=Enrollment.Status.COMPLETED, student__erased_at__isnull=True
    ).exclude(pk__in=valid)


def diplomas_request_for_cohort_refusal(*, cohort) -> DomainError | None:
    """Why ``diplomas_request_for_cohort`` refuses the cohort now (no enrollment it would request a diploma for), or
    None when it would request at least one: the same candidates and completion rule, asked in one query. The cohort
    page asks it before offering the button."""
    if enrollments_meeting_completion_rule(_cohort_candidates(cohort)).exists():
        return None
    return _nothing_to_request(cohort)


def _nothing_to_request(cohort) -> DomainError:
    return DomainError(
        _("No completed enrollment of %(cohort)s is waiting for a diploma.") % {"cohort": cohort.code},
        code="nothing_to_request",
    )


def diplomas_request_for_cohort(*, cohort, requested_by) -> DiplomaBatch:
    """Request, as one batch, a diploma for every completed enrollment of the cohort without a valid one.

    All or nothing in one transaction, in a fixed number of queries whatever the cohort's size (a college's 17,000
    diplomas are requested in seconds): the completion rule asked set-wise, the diplomas and their audit entries
    written in bulk, the render tasks (``render_diplomas``, one per chunk of ``tasks.CHUNK_SIZE`` diplomas) sent when
    it commits (through the outbox: kept if the broker does not answer). Enrollments that the completion rule
    refuses are left out (the batch's audit entry lists them). Refuses when no enrollment is eligible, and when a
    diploma of one of them was requested at the same moment by someone else (nothing is written; ask again).
    """
    candidates = _cohort_candidates(cohort)
    eligible_ids = set(enrollments_meeting_completion_rule(candidates).values_list("pk", flat=True))
    candidate_ids = sorted(candidates.values_list("pk", flat=True))
    eligible = [pk for pk in candidate_ids if pk in eligible_ids]
    skipped = [pk for pk in candidate_ids if pk not in eligible_ids]
    if not eligible:
        raise _nothing_to_request(cohort)
    try:
        with transaction.atomic():
            batch = DiplomaBatch.objects.create(cohort=cohort, requested_by=requested_by)
            diplomas = Diploma.objects.bulk_create(
                Diploma(enrollment_id=pk, batch=batch, requested_by=requested_by) for pk in eligible
            )
            AuditEntry.objects.bulk_create(
                audit_entry_build(
                    actor=requested_by, obj=diploma, action="diploma.request", changes={"status": (None, S.REQUESTED)}
                )
                for diploma in diplomas
            )
            audit_record(
                actor=requested_by,
                obj=batch,
                action="diploma_batch.request",
                changes={"diplomas": (None, len(eligible))},
                reason=(_("Not eligible: %(ids)s") % {"ids": ", ".join(map(str, skipped))}) if skipped else "",
            )
            from .tasks import CHUNK_SIZE, render_diplomas  # tasks import this module

            ids = [diploma.pk for diploma in diplomas]
            enqueue_many_on_commit(render_diplomas, [[ids[i : i + CHUNK_SIZE]] for i in range(0, len(ids), CHUNK_SIZE)])
    except IntegrityError as error:  # diploma_one_valid_per_enrollment: a concurrent request got there first
        raise DomainError(
            _("Diplomas of %(cohort)s were being requested at the same moment; nothing was written, ask again.")
            % {"cohort": cohort.code},
            code="concurrent_request",
        ) from error
    return batch


# --- issue -------------------------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """The next diploma number of the year (``next_number``)."""
    return next_number(
        year=year, counter=DiplomaNumberCounter, numbered=Diploma, number_format=settings.DIPLOMA_NUMBER_FORMAT
    )


def _credential(diploma: Diploma) -> str:
    """The diploma's verifiable credential (a compact JWS), its enrollment loaded with what the page shows too and
    kept on the diploma, so the render that follows reads no row again."""
    diploma.enrollment = Enrollment.objects.select_related(*PAGE_RELATED).get(pk=diploma.enrollment_id)
    return diploma_credential_token(diploma, diploma.enrollment)


def _render_and_sign(diploma: Diploma) -> bytes:
    """The signed PDF, with the diploma's credential (``diploma.credential``) embedded."""
    # Imported here: the renderer loads WeasyPrint and pyHanko, which the web process rarely needs.
    from .rendering import render_diploma_pdf
    from .signing import sign_pdf

    return sign_pdf(render_diploma_pdf(diploma, credential=enveloped_bytes(diploma.credential)))


def diploma_storage_name(diploma: Diploma) -> str:
    # The site's year, like the number's: a diploma issued on 31 December after 21:00 UTC is already next year's.
    return f"diplomas/{timezone.localtime(diploma.issued_at):%Y}/{diploma.number}.pdf"


def diploma_issue(*, diploma_id: int) -> Diploma:
    """Render, sign and store the diploma and move it to ``issued``; what the render task runs. Safe to run any
    number of times, concurrently or after a crash: the diploma is issued once, under one number, with one file.

    Phase 1, under the row lock: return if issued, revoked or failed; count the attempt; assign the number once;
    number its transcript once (``diplomas.transcripts``); move to ``rendering``. Render and sign both with no lock
    held. Phase 2, under the lock again: if still ``rendering``, store the file, its SHA-256, the transcript's file,
    and move to ``issued``; otherwise another run got there first. What a kill at each
    point leaves, and why the next run ends the same: docs/decisions/0010-diplomas-issued-exactly-once.md.
    """
    with transaction.atomic():
        diploma = _lock(diploma_id)
        if diploma.status in (S.ISSUED, S.REVOKED, S.FAILED):
            return diploma
        # Each run is counted in ``attempts`` before it renders; past DIPLOMA_MAX_ATTEMPTS runs the diploma is failed
        # even when no run could say why (each one killed by the hard time limit or a lost worker).
        if diploma.attempts >= settings.DIPLOMA_MAX_ATTEMPTS:
            return _fail(
                diploma,
                reason=_("Gave up after %(n)s attempts (the worker was lost or timed out each time).")
                % {"n": diploma.attempts},
            )
        old_status = diploma.status
        diploma.attempts += 1
        changes: dict[str, tuple[Any, Any]] = {"status": (old_status, S.RENDERING)}
        if not diploma.number:
            diploma.issued_at = timezone.now()
            diploma.number = _next_number(timezone.localtime(diploma.issued_at).year)
            changes["number"] = (None, diploma.number)
        if diploma.design_id is None:
            assert diploma.issued_at is not None  # numbered just above, or before (a constraint pairs the two)
            # With the number and never again: a retry, a re-render, a reissue's copy keep what it was issued with.
            diploma.design, diploma.signatories = designs.for_issue(Kind.DIPLOMA, diploma.issued_at)
            changes["design"] = (None, str(diploma.design))
        diploma.status = S.RENDERING
        diploma.save(
            update_fields=["status", "attempts", "number", "issued_at", "design", "signatories", "modified_at"]
        )
        if old_status != S.RENDERING or "number" in changes:
            audit_record(actor=None, obj=diploma, action="diploma.render", changes=changes)
        # The transcript issued with it (diplomas.transcripts): numbered once, under this lock.
        transcript = transcripts.transcript_number_for_diploma(diploma=diploma)

    diploma.credential = credential = _credential(diploma)
    pdf = _render_and_sign(diploma)
    digest = hashlib.sha256(pdf).hexdigest()
    transcript_pdf = transcripts.transcript_render(transcript) if transcript is not None else b""

    with transaction.atomic():
        diploma = _lock(diploma_id)
        if diploma.status != S.RENDERING:
            logger.info("diploma %s is %s already: this run's PDF is discarded", diploma_id, diploma.status)
            return diploma
        name = diploma_storage_name(diploma)
        storage = diploma.pdf.storage
        if storage.exists(name):  # left by a run killed before its commit; the row lock makes this run the only one
            storage.delete(name)
        # Saved through the storage, not FieldFile.save, which would prefix upload_to once more.
        diploma.pdf.name = storage.save(name, ContentFile(pdf))
        diploma.sha256 = digest
        diploma.credential = credential
        diploma.status = S.ISSUED
        diploma.failure_reason = ""
        diploma.save(update_fields=["pdf", "sha256", "credential", "status", "failure_reason", "modified_at"])
        if transcript is not None:
            transcripts.transcript_store(transcript=transcript, pdf=transcript_pdf)
        audit_record(
            actor=None,
            obj=diploma,
            action="diploma.issue",
            changes={"status": (S.RENDERING, S.ISSUED), "sha256": (None, digest)},
        )
        webhooks_emit_many(events=[diploma_event(diploma=diploma, student=diploma.enrollment.student)])
        diploma_issued_notify(diploma=diploma)  # the student's e-mail, after the commit
    return diploma


def _fail(diploma: Diploma, *, reason: str) -> Diploma:
    old_status = diploma.status
    diploma.status = S.FAILED
    diploma.failure_reason = reason[:2000]
    diploma.save(update_fields=["status", "failure_reason", "modified_at"])
    audit_record(
        actor=None, obj=diploma, action="diploma.fail", changes={"status": (old_status, S.FAILED)}, reason=reason[:2000]
    )
    render_failed_notify(cohort=diploma.enrollment.cohort)
    return diploma


def diploma_mark_failed(*, diploma_id: int, reason: str) -> Diploma:
    """Record that rendering gave up (after the last retry, or a refusal): ``requested|rendering → failed`` with the
    reason, shown to staff with a retry button. An issued (or revoked) diploma is left alone: a concurrent run won.
    Atomic, audited."""
    with transaction.atomic():
        diploma = _lock(diploma_id)
        if diploma.status not in (S.REQUESTED, S.RENDERING):
            return diploma
        return _fail(diploma, reason=reason)


def diploma_retry(*, diploma: Diploma, by) -> Diploma:
    """Staff retry of a failed diploma: ``failed → requested``, the attempt count reset, the task sent on commit.
    The number, if one was assigned, is kept. Atomic, audited."""
    with transaction.atomic():
        diploma = _lock(diploma.pk)
        if diploma.status != S.FAILED:
            raise DomainError(_("Only a failed diploma can be retried."), code="not_failed")
        diploma.status = S.REQUESTED
        diploma.attempts = 0
        diploma.save(update_fields=["status", "attempts", "modified_at"])
        audit_record(actor=by, obj=diploma, action="diploma.retry", changes={"status": (S.FAILED, S.REQUESTED)})
        enqueue_on_commit(_render_task(), diploma.pk)
    return diploma


def diplomas_sweep_stuck(*, older_than: timedelta | None = None) -> list[int]:
    """Re-send the render task of every diploma waiting in ``requested`` or ``rendering`` untouched for longer
    than ``older_than`` (default ``DIPLOMA_STUCK_AFTER_SECONDS``): its message was lost with a worker, or is held
    by the broker until its visibility timeout. Touches ``modified_at`` so the next sweep waits again. Sending a
    task twice is harmless (``diploma_issue``). Returns the ids re-sent."""
    if older_than is None:
        older_than = timedelta(seconds=settings.DIPLOMA_STUCK_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        ids = list(
            Diploma.objects.select_for_update(skip_locked=True)
            .filter(status__in=(S.REQUESTED, S.RENDERING), modified_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Diploma.objects.filter(pk__in=ids).update(modified_at=timezone.now())
        for pk in ids:
            enqueue_on_commit(_render_task(), pk)
    if ids:
        logger.warning("re-sent %d stuck diplomas: %s", len(ids), ids)
    return ids


def diplomas_credentials_backfill() -> tuple[int, int]:
    """Give every issued diploma without a verifiable credential (issued before credentials existed) its credential,
    and set the status list bit of every revoked diploma (revoked before the lists existed); returns ``(credentials
    signed, bits set)``. The PDFs stay as issued: the credential is downloaded beside them. Each diploma in its own
    transaction under its row lock, audited (``diploma.credential``); idempotent (a second run does nothing)."""
    signed = 0
    for pk in Diploma.objects.filter(status=S.ISSUED, credential="").order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            diploma = _lock(pk)
            if diploma.status != S.ISSUED or diploma.credential:
                continue
            diploma.credential = _credential(diploma)
            diploma.save(update_fields=["credential", "modified_at"])
            audit_record(actor=None, obj=diploma, action="diploma.credential", changes={"credential": (None, True)})
            signed += 1
    revoked = list(Diploma.objects.filter(status=S.REVOKED).order_by("pk").values_list("pk", flat=True))
    for pk in revoked:
        status_bit_set(diploma_id=pk)
    return signed, len(revoked)


# --- revoke, reissue ------------------------------------------------------------------------------------------------


def diploma_revoke(*, diploma: Diploma, by, reason: str) -> Diploma:
    """``issued → revoked`` with the time and a required reason; the row and its file stay (never deleted), and the
    verification page shows the revocation. The transcript issued with it is revoked too. Atomic, audited."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("A revocation needs a reason."), code="reason_required", field="reason")
    with transaction.atomic():
        diploma = _lock(diploma.pk)
        if diploma.status != S.ISSUED:
            raise DomainError(
                _("Only an issued diploma can be revoked (this one is “%(status)s”).")
                % {"status": diploma.get_status_display()},
                code="not_issued",
            )
        diploma.status = S.REVOKED
        diploma.revoked_at = timezone.now()
        diploma.revoked_reason = reason
        diploma.save(update_fields=["status", "revoked_at", "revoked_reason", "modified_at"])
        status_bit_set(diploma_id=diploma.pk)  # the credential's status list says so from now on
        transcripts.transcripts_revoke_with(diploma=diploma, by=by, reason=reason)  # the one issued with it
        audit_record(
            actor=by, obj=diploma, action="diploma.revoke", changes={"status": (S.ISSUED, S.REVOKED)}, reason=reason
        )
        webhooks_emit_many(events=[diploma_event(diploma=diploma, student=diploma.enrollment.student)])
    return diploma


def diploma_reissue(*, diploma: Diploma, by, reason: str) -> Diploma:
    """Revoke the diploma and request a new one for the same enrollment, in one transaction; returns the new
    diploma (rendered by its task after the commit). The old one stays, revoked, in the history."""
    with transaction.atomic():
        old = diploma_revoke(diploma=diploma, by=by, reason=reason)
        enrollment = Enrollment.objects.get(pk=old.enrollment_id)
        new = diploma_request(enrollment=enrollment, requested_by=by)
        audit_record(
            actor=by, obj=new, action="diploma.reissue", changes={"replaces": (None, old.number)}, reason=reason
        )
    return new
