"""Diploma issuance benchmark: N diplomas through the real task path, against bare WeasyPrint on the same pages.

    DJANGO_DEBUG=1 .venv/bin/python bench/diplomas.py [-n 100] [--concurrency 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility CELERY_BROKER_URL=redis://127.0.0.1:6379/14 \
        DJANGO_DEBUG=1 .venv/bin/python bench/diplomas.py -n 200 --concurrency 2

Everything happens in throwaway places removed at the end: a temporary folder (media, demo signing pair) and a
database of its own (a new PostgreSQL database next to the configured one, dropped at the end; a SQLite file without
``DATABASE_URL``). The setting (N completed enrollments of one cohort, trilingual names) is made with bulk_create.

(a) bare WeasyPrint: ``write_pdf`` of each student's diploma and transcript HTML (``render_diploma_html``,
    ``render_transcript_html``, not timed), each whole, with the shared font configuration and parsed stylesheets
    (``html_to_pdf(html, pdf_variant=None)``: the same pages), no PDF/A, in this process, after a warm-up.
(b) the full path: ``diplomas_request_for_cohort`` → one ``render_diploma`` task per diploma → ``diploma_issue``
    (lock, number, the verifiable credential signed, render with the credential embedded, PDF/A, sign; the
    transcript rendered and signed; both stored with their SHA-256, issued). With ``CELERY_BROKER_URL`` the tasks
    go through the broker to ``--concurrency`` worker processes this script starts (prefork, a queue of its own);
    without it they run eagerly in this process, one after another. Per diploma: the time from numbering (phase 1)
    to the issued row (phase 2), i.e. ``modified_at - issued_at``; throughput: N / wall time from the request to the
    last issued row.
Prints students/s (a diploma, its transcript and its credential each) and median ms for both, the ratio of the
medians, and peak RSS (this process; each worker child).
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _psql(url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(_with_database(url, "postgres"))
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def prepare(folder: Path) -> tuple[str, str | None]:
    """Point this process (and the workers it starts) at throwaway places; returns (mode, database to drop)."""
    configured = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    dropme = None
    if configured.startswith("postgres"):
        dropme = f"{urlsplit(configured).path.lstrip('/') or 'mobility'}_bench_{uuid.uuid4().hex[:8]}"
        _psql(configured, f'CREATE DATABASE "{dropme}"')
        os.environ["DATABASE_URL"] = _with_database(configured, dropme)
    else:
        if broker:
            sys.exit("With CELERY_BROKER_URL the workers need a shared database: set DATABASE_URL to PostgreSQL.")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DIPLOMA_SIGNING_KEY"] = str(folder / "signing" / "key.pem")
    os.environ["DIPLOMA_SIGNING_CERT"] = str(folder / "signing" / "cert.pem")
    os.environ["DIPLOMA_SIGNING_DEMO"] = "1"
    os.environ["CREDENTIAL_SIGNING_KEY"] = str(folder / "signing" / "credential-key.pem")
    # As in production (DEBUG off: 60 s): a worker keeps its connection between tasks. With 0, every task opened a
    # new PostgreSQL connection (a backend process forked on the same 2 cores). Set it to 0 to measure that.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    import logging

    import django

    django.setup()
    import mobility.celery  # noqa: F401 - the Celery app the tasks bind to

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return ("broker" if broker else "eager"), dropme


def bare_weasyprint(enrollments, warmup: int = 3) -> tuple[list[float], float]:
    """(a): per student seconds of ``write_pdf`` alone (no PDF/A, no signature) of the diploma's page and of the
    transcript's pages, each whole, and the total."""
    from django.utils import timezone

    from diplomas.designs.selectors import for_issue
    from diplomas.models import Diploma
    from diplomas.rendering import html_to_pdf, render_diploma_html
    from diplomas.transcripts import documents as transcript_documents
    from diplomas.transcripts.models import Transcript

    now = timezone.now()
    design, signatories = for_issue("diploma", now)  # what the render task records with the number
    transcript_design, transcript_signatories = for_issue("transcript", now)
    pages = [
        (
            render_diploma_html(
                Diploma(
                    enrollment_id=e.pk,
                    number=f"STK-IAM-2026-{n + 1:06d}",
                    issued_at=now,
                    design=design,
                    signatories=signatories,
                )
            ),
            transcript_documents.render_transcript_html(
                Transcript(
                    enrollment_id=e.pk,
                    number=f"STK-IAM-T-2026-{n + 1:06d}",
                    verification_code=f"bench{n}",
                    issued_at=now,
                    design=transcript_design,
                    signatories=transcript_signatories,
                )
            ),
        )
        for n, e in enumerate(enrollments)
    ]

    def bare(diploma_html: str, transcript_html: str) -> None:
        html_to_pdf(diploma_html, pdf_variant=None)
        html_to_pdf(transcript_html, pdf_variant=None, stylesheet_name=transcript_documents.STYLESHEET)

    for diploma_html, transcript_html in pages[:warmup]:
        bare(diploma_html, transcript_html)
    times = []
    for diploma_html, transcript_html in pages:
        started = time.perf_counter()
        bare(diploma_html, transcript_html)
        times.append(time.perf_counter() - started)
    return times, sum(times)


class Workers:
    def __init__(self, folder: Path, concurrency: int, *, queue: str | None = None):
        # A queue of its own, or one several Workers share (bench/scale_out.py: separate processes, one queue).
        self.queue = queue or f"bench-diplomas-{uuid.uuid4().hex[:8]}"
        self.log = open(folder / "worker.log", "w+")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "celery", "-A", "mobility", "worker", "-Q", self.queue, "-P", "prefork"]
        command += ["-c", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
        env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": self.queue}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.log.seek(0)
            if " ready." in self.log.read():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.log.seek(0)
        sys.exit("the worker did not start:\n" + self.log.read()[-3000:])

    def children_peak_rss_mb(self) -> list[float]:
        peaks = []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return peaks
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return peaks

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def full_path(cohort, *, mode: str, workers: Workers | None, timeout: float) -> tuple[list[float], float, dict]:
    """(b): request the batch, wait until no diploma waits; per diploma seconds (issued row − numbering), wall,
    and in ``counts`` the seconds the request itself took (rows written and committed, tasks sent)."""
    from unittest import mock

    from diplomas import selectors, services
    from diplomas.models import Diploma, Transcript
    from mobility.foundation.tasks import enqueue_many_on_commit

    send = functools.partial(enqueue_many_on_commit, queue=workers.queue) if workers else enqueue_many_on_commit
    started = time.perf_counter()
    with mock.patch("diplomas.services.enqueue_many_on_commit", send):
        batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=None)
    requested = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    progress = selectors.batch_progress(batch=batch)
    while not progress.done:
        if time.monotonic() > deadline:
            sys.exit(f"timed out: {progress.waiting} of {progress.total} still waiting")
        time.sleep(0.1)
        progress = selectors.batch_progress(batch=batch)
    wall = time.perf_counter() - started
    rows = Diploma.objects.filter(batch=batch, status=Diploma.Status.ISSUED).values_list("issued_at", "modified_at")
    per = [(modified - issued).total_seconds() for issued, modified in rows]
    with_credential = Diploma.objects.filter(batch=batch, status=Diploma.Status.ISSUED).exclude(credential="").count()
    counts = {
        "issued": progress.issued,
        "failed": progress.failed,
        "requested": requested,
        "credential": with_credential,
        "transcript": Transcript.objects.filter(diploma__batch=batch).exclude(sha256="").count(),
    }
    return per, wall, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100, help="diplomas (default 100)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes with a broker (default 2)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the batch")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="diplomas-bench-"))
    configured_db = os.environ.get("DATABASE_URL", "")
    mode, dropme = prepare(folder)
    workers = None
    try:
        from diplomaseed import seed_cohort

        cohort, enrollments = seed_cohort(args.n)
        if mode == "broker":
            workers = Workers(folder, args.concurrency)  # starting while (a) runs
        bare, bare_total = bare_weasyprint(enrollments)
        if workers:
            workers.wait_ready()
        per, wall, counts = full_path(cohort, mode=mode, workers=workers, timeout=args.timeout)
        worker_peaks = workers.children_peak_rss_mb() if workers else []

        bare_median = statistics.median(bare) * 1000
        full_median = statistics.median(per) * 1000 if per else float("nan")
        where = f"{args.concurrency} worker processes via {os.environ.get('CELERY_BROKER_URL')}" if workers else "eager"
        print(f"diplomas: {args.n}   mode: {where}   database: {'PostgreSQL' if dropme else 'SQLite'}")
        print(f"{'':44}{'students/s':>12}{'median ms':>12}")
        print(f"{'(a) bare WeasyPrint, diploma + transcript':44}{args.n / bare_total:12.1f}{bare_median:12.1f}")
        print(f"{'(b) full path (task→issued, both + credential)':44}{args.n / wall:12.1f}{full_median:12.1f}")
        print(f"full / bare (median per student): {full_median / bare_median:.2f}")
        if workers:
            per_process = args.n / wall / args.concurrency
            print(
                f"(b) per worker process: {per_process:.1f} diplomas/s; 17,000 on {args.concurrency} processes "
                f"≈ {17000 / (args.n / wall) / 60:.1f} min (target ≤ 8 min: ≥ 35 diplomas/s on 2)"
            )
        print(
            f"issued {counts['issued']} ({counts['credential']} with a credential, {counts['transcript']} with a "
            f"transcript), failed {counts['failed']}; "
            f"the request itself took {counts['requested']:.1f} s"
        )
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak RSS: this process {peak_self:.0f} MB"
            + (
                f"; worker children {', '.join(f'{p:.0f}' for p in worker_peaks)} MB (target ≤ 300)"
                if worker_peaks
                else ""
            )
        )
    finally:
        if workers:
            workers.stop()
        from django.db import connections

        connections.close_all()
        if dropme:
            _psql(configured_db, f'DROP DATABASE IF EXISTS "{dropme}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
