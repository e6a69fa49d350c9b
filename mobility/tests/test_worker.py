"""Integration: a real ``celery -A mobility worker`` process, the broker and PostgreSQL together."""

import datetime
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from mobility.foundation.models import AuditEntry
from mobility.foundation.tasks import enqueue_on_commit
from mobility.tests.support import Workers, worker_test_marks
from programs.models import Agreement
from programs.tasks import agreements_expire
from programs.tests.factories import AgreementFactory

pytestmark = worker_test_marks()


@pytest.fixture
def worker(tmp_path):
    """Start a worker (solo pool) consuming a queue of its own; yield it and its process; stop the worker."""
    workers = Workers(tmp_path, Path(settings.MEDIA_ROOT))
    try:
        yield workers, workers.start(concurrency=1, pool="solo")
    finally:
        workers.stop()


def test_a_real_worker_runs_a_task_that_writes_to_the_database(worker):
    workers, process = worker
    due = AgreementFactory(valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2021, 12, 31))
    current = AgreementFactory(valid_from=datetime.date(2024, 1, 1), valid_until=datetime.date(2099, 12, 31))

    with transaction.atomic():
        enqueue_on_commit(agreements_expire, queue=workers.queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        due.refresh_from_db()
        if due.status == Agreement.Status.EXPIRED or process.poll() is not None:
            break
        time.sleep(0.3)
    assert due.status == Agreement.Status.EXPIRED, f"the worker did not write the change in time:\n{workers.output()}"
    current.refresh_from_db()
    assert current.status == Agreement.Status.ACTIVE
    entry = AuditEntry.objects.get(action="agreement.expire")
    assert entry.object_id == str(due.pk) and entry.actor_label == "system"
    assert entry.changes == {"status": ["active", "expired"]}
