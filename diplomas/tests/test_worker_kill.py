"""Integration: real ``celery -A mobility worker`` processes, Redis and PostgreSQL, the real renderer and signer.

(a) The same render task sent twice at the same time (two worker children) issues the diploma once, one number.
(b) A batch of 20 with the worker killed by ``kill -9`` (main process and children) in the middle, then restarted:
    every diploma ends issued exactly once, with unique numbers, one file each.

Why the killed tasks come back: with ``acks_late`` the messages the dead worker held were never acknowledged. When a
pool *child* dies, the main process rejects its message and Redis requeues it at once (``reject_on_worker_lost``).
When the *main process* dies, nothing can reject: the Redis transport keeps the message in its "unacked" set and a
live worker restores it once it is older than the broker's ``visibility_timeout`` (an hour by default): at the
worker's start, then on kombu's periodic sweep (about every 100 s). The workers here run with
``CELERY_VISIBILITY_TIMEOUT=4`` and the new one starts 5 s after the kill, so they come back at once; in production the
sweeper (``diplomas.tasks.sweep_stuck``, every 5 minutes, for diplomas untouched for 10) re-sends them sooner than
the hour. Either way a message can run twice, which ``diplomas.services.diploma_issue`` makes harmless.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction

from diplomas import services
from diplomas.models import Diploma, DiplomaNumberCounter
from diplomas.tasks import render_diploma
from mobility.models import AuditEntry
from mobility.tasks import enqueue_on_commit
from mobility.tests.test_worker import _database_url
from programs.tests.factories import CohortFactory

from .test_services import completed_enrollment

ROOT = Path(__file__).resolve().parents[2]
S = Diploma.Status

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not settings.CELERY_BROKER_URL,
        reason="needs DATABASE_URL on PostgreSQL and CELERY_BROKER_URL (a real worker cannot share an in-memory "
        "SQLite test database)",
    ),
]


class Workers:
    """Start and kill worker processes consuming one queue of this test's own."""

    def __init__(self, tmp_path: Path, media_root: Path):
        self.queue = f"test-diplomas-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_DEBUG": "1",
            "DATABASE_CONN_MAX_AGE": "0",
            "MEDIA_ROOT": str(media_root),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": "4",
        }
        self.processes: list[subprocess.Popen] = []
        self.logs = []

    def start(self, concurrency: int = 2) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "w+")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "celery", "-A", "mobility", "worker", "-Q", self.queue]
        command += ["-P", "prefork", "-c", str(concurrency), "-n", f"{self.queue}-{len(self.processes)}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
        # A session of its own: kill -9 of the process group takes the main process and its pool children at once.
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def kill9(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()

    def output(self) -> str:
        text = []
        for log in self.logs:
            log.flush()
            log.seek(0)
            text.append(log.read()[-4000:])
        return "\n---\n".join(text)


@pytest.fixture
def workers(tmp_path, settings):
    started = Workers(tmp_path, Path(settings.MEDIA_ROOT))
    # The services send the render task to this test's queue (the workers also use it as their default queue).
    send = functools.partial(enqueue_on_commit, queue=started.queue)
    with mock.patch("diplomas.services.enqueue_on_commit", send):
        yield started
    started.stop()


def _wait_for(condition, *, timeout: float, workers: Workers, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}:\n{workers.output()}")


def _assert_issued_once(diplomas: list[Diploma]) -> None:
    ids = [d.pk for d in diplomas]
    rows = list(Diploma.objects.filter(pk__in=ids))
    assert {row.status for row in rows} == {S.ISSUED}, [(r.pk, r.status, r.failure_reason) for r in rows]
    numbers = [row.number for row in rows]
    assert len(set(numbers)) == len(rows), numbers
    issue_entries = Counter(
        AuditEntry.objects.filter(action="diploma.issue", object_id__in=[str(i) for i in ids]).values_list(
            "object_id", flat=True
        )
    )
    assert issue_entries == {str(i): 1 for i in ids}
    for row in rows:
        assert row.pdf.name == f"diplomas/{row.issued_at:%Y}/{row.number}.pdf"
        data = row.pdf.read()
        assert data.startswith(b"%PDF")
        import hashlib

        assert hashlib.sha256(data).hexdigest() == row.sha256


def test_the_same_task_sent_twice_at_once_issues_one_diploma(workers):
    workers.start(concurrency=2)
    diploma = Diploma.objects.create(enrollment=completed_enrollment())
    with transaction.atomic():
        enqueue_on_commit(render_diploma, diploma.pk, queue=workers.queue)
        enqueue_on_commit(render_diploma, diploma.pk, queue=workers.queue)

    def both_ran():
        diploma.refresh_from_db()
        return diploma.status == S.ISSUED and workers.output().count("succeeded in") >= 2

    _wait_for(both_ran, timeout=45, workers=workers, what="both runs")
    _assert_issued_once([diploma])
    assert DiplomaNumberCounter.objects.get().last == 1
    stored = list((Path(settings.MEDIA_ROOT) / "diplomas").rglob("*.pdf"))
    assert len(stored) == 1


def test_a_batch_survives_kill_9_of_the_worker(workers):
    cohort = CohortFactory()
    for _ in range(20):
        completed_enrollment(cohort=cohort)
    first = workers.start(concurrency=2)
    batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=None)
    diplomas = list(batch.diplomas.all())
    assert len(diplomas) == 20

    # Kill in the middle: some issued, some not.
    _wait_for(
        lambda: Diploma.objects.filter(batch=batch, status=S.ISSUED).count() >= 4,
        timeout=40,
        workers=workers,
        what="the first diplomas",
    )
    workers.kill9(first)
    at_kill = Counter(Diploma.objects.filter(batch=batch).values_list("status", flat=True))
    assert at_kill[S.ISSUED] < 20, "the batch finished before the kill; nothing was tested"

    # Restarted a little later than the visibility timeout (4 s here): a starting worker restores the unacked
    # messages older than that at once (later ones only on kombu's periodic sweep, about every 100 s).
    time.sleep(5)
    workers.start(concurrency=2)
    _wait_for(
        lambda: Diploma.objects.filter(batch=batch, status=S.ISSUED).count() == 20,
        timeout=45,
        workers=workers,
        what="the whole batch after the restart",
    )
    _assert_issued_once(diplomas)
    ran_twice = Diploma.objects.filter(batch=batch, attempts__gt=1).count()
    print(f"at the kill: {dict(at_kill)}; diplomas rendered more than once: {ran_twice}")
    stored = list((Path(settings.MEDIA_ROOT) / "diplomas").rglob("*.pdf"))
    assert len(stored) == 20  # no orphan, no duplicate
    year = Diploma.objects.get(pk=diplomas[0].pk).issued_at.year
    assert DiplomaNumberCounter.objects.get(year=year).last == 20  # no number lost or given twice
