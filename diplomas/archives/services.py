"""Writes of a cohort's ZIP of issued PDFs (``DiplomaArchive``): request, build, failure.

The archive is built into a temporary file and stored only when every PDF is in it and each one's bytes matched the
SHA-256 recorded when it was issued: an archive is ``ready`` with its whole file, or ``failed`` with a reason and no
file, never half-written. Building is safe to run twice: a ready or failed archive is left as it is, and a run
killed mid-way leaves ``building``, which the next run builds again from the start.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import unicodedata
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.tasks import enqueue_on_commit
from programs.models import Cohort

from ..models import Diploma, DiplomaArchive
from ..selectors import archive_diplomas

logger = logging.getLogger(__name__)

A = DiplomaArchive.Status
# Progress is written about a hundred times in a build, not once per PDF.
PROGRESS_STEPS = 100


def _build_task():
    from diplomas.tasks import build_diploma_archive  # tasks import this module

    return build_diploma_archive


def diploma_archive_request(*, cohort: Cohort, requested_by) -> DiplomaArchive:
    """Ask for a ZIP of the cohort's issued PDFs; the build task is sent when the transaction commits (through the
    outbox, like every task). While an archive of the cohort is waiting or being built, that one is returned and
    nothing new is written, unless it has made no progress for ``DiplomaArchive.STALE_AFTER`` (its task was lost):
    that one is marked failed and a new one requested. Refuses (``DomainError``) when the cohort has no issued
    diploma. Atomic; audited."""
    with transaction.atomic():
        # The cohort's row serializes two requests of the same cohort, so only one archive is built at a time.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        running = DiplomaArchive.objects.filter(cohort=cohort, status__in=(A.PENDING, A.BUILDING)).first()
        if running is not None and not running.stalled:
            return running
        if running is not None:
            diploma_archive_mark_failed(
                archive_id=running.pk,
                reason=_("Interrupted: no progress for %(minutes)d minutes.")
                % {"minutes": DiplomaArchive.STALE_AFTER.seconds // 60},
            )
        total = archive_diplomas(cohort_id=cohort.pk).count()
        if not total:
            raise DomainError(
                _("%(cohort)s has no issued diploma to put in a ZIP.") % {"cohort": cohort.code}, code="nothing_issued"
            )
        archive = DiplomaArchive.objects.create(cohort=cohort, requested_by=requested_by, total=total)
        audit_record(
            actor=requested_by, obj=archive, action="diploma_archive.request", changes={"diplomas": (None, total)}
        )
        enqueue_on_commit(_build_task(), archive.pk)
    return archive


def archive_entry_name(diploma: Diploma) -> str:
    """The PDF's name in the ZIP: its number and the student's Latin name, in ASCII letters, digits and ``-``
    (``STK-IAM-2026-000123_Zhang-Wei.pdf``), which every unzip program reads alike."""
    latin = unicodedata.normalize("NFKD", diploma.enrollment.student.full_name_latin)
    latin = re.sub(r"[^A-Za-z0-9]+", "-", latin.encode("ascii", "ignore").decode()).strip("-")
    return f"{diploma.number}_{latin}.pdf" if latin else f"{diploma.number}.pdf"


def _pdf_bytes(diploma: Diploma) -> bytes:
    with diploma.pdf.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != diploma.sha256:
        raise DomainError(
            _("The stored PDF of %(number)s does not match its SHA-256: the ZIP was not made.")
            % {"number": diploma.number},
            code="pdf_changed",
        )
    return data


def diploma_archive_build(*, archive_id: int) -> DiplomaArchive:
    """Build the archive: every issued diploma of the cohort (as the build starts) checked against its SHA-256 and
    written into a temporary ZIP, the progress (``done`` of ``total``) saved as it goes, then the whole file stored
    and the archive ``ready``. A refusal (a missing or changed PDF) marks it ``failed`` with the reason, and no file is
    stored; other errors propagate (the task records them with ``diploma_archive_mark_failed``). Safe to run twice."""
    with transaction.atomic():
        archive = DiplomaArchive.objects.select_for_update().select_related("cohort").get(pk=archive_id)
        if archive.status in (A.READY, A.FAILED, A.REPLACED):
            return archive
        diplomas = list(archive_diplomas(cohort_id=archive.cohort_id))
        archive.status, archive.done, archive.total = A.BUILDING, 0, len(diplomas)
        archive.save(update_fields=["status", "done", "total", "modified_at"])
    step = max(1, len(diplomas) // PROGRESS_STEPS)
    try:
        with tempfile.TemporaryFile(suffix=".zip") as temporary:
            # PDFs are compressed inside already: stored as they are, byte for byte.
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as zipped:
                for index, diploma in enumerate(diplomas, start=1):
                    try:
                        data = _pdf_bytes(diploma)
                    except FileNotFoundError:
                        raise DomainError(
                            _("The PDF of %(number)s is missing from the storage: the ZIP was not made.")
                            % {"number": diploma.number},
                            code="pdf_missing",
                        ) from None
                    zipped.writestr(archive_entry_name(diploma), data)
                    if index % step == 0:
                        DiplomaArchive.objects.filter(pk=archive_id, status=A.BUILDING).update(
                            done=index, modified_at=timezone.now()
                        )
            temporary.seek(0)
            return _store(archive_id, temporary)
    except DomainError as error:
        return diploma_archive_mark_failed(archive_id=archive_id, reason=error.message)


def _store(archive_id: int, temporary) -> DiplomaArchive:
    with transaction.atomic():
        archive = DiplomaArchive.objects.select_for_update().select_related("cohort").get(pk=archive_id)
        if archive.status != A.BUILDING:
            return archive  # another run finished it first; this run's file is thrown away
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        archive.file.save(f"{archive.cohort.code}-diplomas-{stamp}.zip", File(temporary), save=False)
        archive.status, archive.done, archive.finished_at = A.READY, archive.total, timezone.now()
        archive.save(update_fields=["file", "status", "done", "finished_at", "modified_at"])
        _replace_older(archive)
    return archive


def _replace_older(archive: DiplomaArchive) -> None:
    """The cohort's older ready archives are ``replaced`` and their files deleted once this commits (a rollback
    keeps them): only the newest ZIP of a cohort takes room in the storage."""
    older = list(
        DiplomaArchive.objects.select_for_update()
        .filter(cohort_id=archive.cohort_id, status=A.READY)
        .exclude(pk=archive.pk)
    )
    names = [old.file.name for old in older if old.file]
    DiplomaArchive.objects.filter(pk__in=[old.pk for old in older]).update(
        status=A.REPLACED, file="", modified_at=timezone.now()
    )
    storage = archive.file.storage

    def delete_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


def diploma_archive_mark_failed(*, archive_id: int, reason: str) -> DiplomaArchive:
    """Record that the archive could not be built, with the reason shown on the cohort's page; a ready archive is
    left as it is. No file is kept."""
    with transaction.atomic():
        archive = DiplomaArchive.objects.select_for_update().get(pk=archive_id)
        if archive.status in (A.READY, A.FAILED, A.REPLACED):
            return archive
        archive.status, archive.failure_reason, archive.finished_at = A.FAILED, reason, timezone.now()
        archive.save(update_fields=["status", "failure_reason", "finished_at", "modified_at"])
    logger.warning("diploma archive %s failed: %s", archive_id, reason)
    return archive
