"""Integration: a real ``celery -A mobility worker`` process, the broker and PostgreSQL together."""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from mobility.models import AuditEntry
from mobility.tasks import enqueue_on_commit
from programs.models import Agreement
from programs.tasks import agreements_expire
from programs.tests.factories import AgreementFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not settings.CELERY_BROKER_URL,
        reason="needs DATABASE_URL on PostgreSQL and CELERY_BROKER_URL (a real worker cannot share an in-memory "
        "SQLite test database); .ci/run sets both and runs this test",
    ),
]


def _database_url() -> str:
    """The URL of the test database pytest-django created, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(tmp_path):
    """Start a worker consuming a queue of its own; yield the queue name; stop the worker."""
    queue = f"test-worker-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "1", "DATABASE_CONN_MAX_AGE": "0"}
    command = [sys.executable, "-m", "celery", "-A", "mobility", "worker", "-Q", queue, "-P", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
    # The log goes to a file, not a pipe: a full pipe would block the worker.
    with open(tmp_path / "worker.log", "w+") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            yield queue, process, log
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_that_writes_to_the_database(worker_queue):
    queue, process, log = worker_queue
    due = AgreementFactory(valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2021, 12, 31))
    current = AgreementFactory(valid_from=datetime.date(2024, 1, 1), valid_until=datetime.date(2099, 12, 31))

    with transaction.atomic():
        enqueue_on_commit(agreements_expire, queue=queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        due.refresh_from_db()
        if due.status == Agreement.Status.EXPIRED or process.poll() is not None:
            break
        time.sleep(0.3)
    log.seek(0)
    assert due.status == Agreement.Status.EXPIRED, f"the worker did not write the change in time:\n{log.read()}"
    current.refresh_from_db()
    assert current.status == Agreement.Status.ACTIVE
    entry = AuditEntry.objects.get(action="agreement.expire")
    assert entry.object_id == str(due.pk) and entry.actor_label == "system"
    assert entry.changes == {"status": ["active", "expired"]}
