"""Are the stored diploma and transcript files still the ones issued? Each file is read back through Django's storage
(local disk or S3 alike), hashed as it streams, and compared with the SHA-256 recorded on its row when it was issued.

Reads only. Used by ``manage.py verify_diploma_files`` (cron) and by the backup (``mobility.backups``).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.core.files.storage import Storage
from django.db.models import Q

from .models import Diploma, Transcript

CHUNK = 1024 * 1024


def storage_sha256(storage: Storage, name: str) -> tuple[str, int] | None:
    """``(sha256, size)`` of the stored file ``name``, read in 1 MiB chunks; ``None`` when there is no such file."""
    digest = hashlib.sha256()
    size = 0
    try:
        with storage.open(name, "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    except OSError as error:
        # S3 and other backends raise their own errors for a missing key; a missing file is what they mean when
        # the storage agrees it does not exist. Anything else (permissions, network) is not a missing file.
        if not storage.exists(name):
            return None
        raise error
    return digest.hexdigest(), size


@dataclass
class FileProblem:
    diploma_id: int
    number: str
    name: str
    kind: str  # "missing" or "mismatched"
    recorded: str = ""
    found: str = ""
    document: str = "diploma"  # or "transcript"


@dataclass
class FileCheckReport:
    checked: int = 0
    ok: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def missing(self) -> list[FileProblem]:
        return [p for p in self.problems if p.kind == "missing"]

    @property
    def mismatched(self) -> list[FileProblem]:
        return [p for p in self.problems if p.kind == "mismatched"]


def diplomas_with_files():
    """Every diploma that has (or must have) a stored file: issued and revoked ones, and any row naming a file."""
    return Diploma.objects.filter(Q(status__in=(Diploma.Status.ISSUED, Diploma.Status.REVOKED)) | ~Q(pdf=""))


def transcripts_with_files():
    """Every transcript with a stored file (a transcript issued with its diploma has none until the diploma is)."""
    return Transcript.objects.exclude(pdf="")


def diploma_files_check(*, queryset=None, jobs: int = 8) -> FileCheckReport:
    """Hash every stored diploma file (``queryset``'s, or every one's and then every transcript's) and compare it
    with the recorded SHA-256.

    Streams: rows come in chunks (``iterator``), files are read 1 MiB at a time, so memory stays flat whatever the
    number of diplomas. ``jobs`` files are read at once (threads): hashing releases the GIL, and on S3 each read is
    mostly waiting for the network. A row without a file name, or whose file the storage does not have, is
    ``missing``; a file whose hash differs is ``mismatched``.
    """
    sources = [queryset] if queryset is not None else [diplomas_with_files(), transcripts_with_files()]
    storage = Diploma._meta.get_field("pdf").storage

    def check(row) -> FileProblem | None:
        name = row.pdf.name or ""
        found = storage_sha256(storage, name) if name else None
        document = "transcript" if isinstance(row, Transcript) else "diploma"
        if found is None:
            return FileProblem(row.pk, row.number or "", name, "missing", recorded=row.sha256, document=document)
        if found[0] != row.sha256:
            return FileProblem(
                row.pk, row.number or "", name, "mismatched", recorded=row.sha256, found=found[0], document=document
            )
        return None

    report = FileCheckReport()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for source in sources:
            rows = source.order_by("pk").only("pk", "number", "pdf", "sha256").iterator(chunk_size=500)
            # map() keeps the order and, fed from the iterator, submits everything at once: bound it per chunk.
            batch: list = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 500:
                    _count(report, pool.map(check, batch))
                    batch = []
            _count(report, pool.map(check, batch))
    return report


def _count(report: FileCheckReport, results) -> None:
    for problem in results:
        report.checked += 1
        if problem is None:
            report.ok += 1
        else:
            report.problems.append(problem)
