"""Integration: a pool child whose warm-up (fonts, Pango, the signer) takes longer than Celery's start limit for a
child (``worker_proc_alive_timeout``, 4 s) still starts, and renders diplomas, real renderer and signer, once the
warm-up is over. Celery checks that limit on the children it starts to replace one that ended (here after each task:
``--max-tasks-per-child 1``), not on the first ones. Before the warm-up moved out of ``worker_process_init``, Celery
killed every replacement in turn ("Timed out waiting for UP message") and the second diploma never came."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from diplomas.models import Diploma
from diplomas.tasks import render_diploma
from diplomas.tests.assertions import assert_issued_exactly_once
from mobility.foundation.tasks import enqueue_on_commit
from mobility.tests.support import Workers, worker_test_marks
from students.tests.factories import EnrollmentFactory

pytestmark = worker_test_marks()

SLOW_WARM_UP_SECONDS = 6  # over Celery's 4 s
SUCCEEDED = re.compile(r"render_diploma\[[0-9a-f-]+\] succeeded")


@pytest.fixture
def workers(tmp_path):
    workers = Workers(tmp_path, Path(settings.MEDIA_ROOT))
    workers.env["SLOW_WARM_UP_SECONDS"] = str(SLOW_WARM_UP_SECONDS)
    try:
        yield workers
    finally:
        workers.stop()


def test_children_that_warm_up_for_longer_than_celery_s_start_limit_start_and_render(workers):
    diplomas = [Diploma.objects.create(enrollment=EnrollmentFactory(completed=True)) for _ in range(2)]
    workers.start(concurrency=1, app="mobility.tests.slow_warm_up", options=("--max-tasks-per-child", "1"))
    workers.wait_ready(timeout=90)
    with transaction.atomic():
        for diploma in diplomas:
            enqueue_on_commit(render_diploma, diploma.pk, queue=workers.queue)

    def issued() -> bool:
        return Diploma.objects.filter(pk__in=[d.pk for d in diplomas], status=Diploma.Status.ISSUED).count() == 2

    workers.wait_for(issued, timeout=120, what="both diplomas, the second by a replacement child")
    # The row is issued when the task's transaction commits; Celery logs the task's success after it returns.
    workers.wait_for(
        lambda: len(SUCCEEDED.findall(workers.log_of(0))) == 2, timeout=30, what="both tasks logged as succeeded"
    )
    log = workers.log_of(0)
    assert "Timed out waiting for UP message" not in log, log[-4000:]
    warmed = [line for line in log.splitlines() if "Worker process warmed up in" in line]
    assert len(warmed) >= 2, warmed  # the first child and its replacement
    assert all(float(line.split(" in ")[-1].split()[0]) >= SLOW_WARM_UP_SECONDS for line in warmed), warmed
    # Each task (received by the main process at once) finished after a warm-up, having waited for it.
    finished = [match.start() for match in SUCCEEDED.finditer(log)]
    ready = [match.start() for match in re.finditer("Worker process warmed up in", log)]
    assert len(finished) == 2 and ready[0] < finished[0] and ready[1] < finished[1]
    assert_issued_exactly_once([d.pk for d in diplomas])
