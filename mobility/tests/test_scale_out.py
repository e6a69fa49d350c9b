"""Scaling out: two separate ``celery -A mobility worker`` processes (two main processes, not one pool) on one
broker, one PostgreSQL database and one file storage (``MEDIA_ROOT``) share a cohort's batch of 40 diplomas, rendered
and signed for real, with every chunk of the batch sent a second time (as a redelivery or the sweeper would), so
both workers race on the same diplomas. Every diploma ends issued exactly once: one number each, no number given twice
or skipped, one ``diploma.issue`` audit entry each, one file each whose SHA-256 is the recorded one; both workers
did part of the work. docs/scaling.md explains what makes it so (the row lock, the counter row, the constraints).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from diplomas import services
from diplomas.models import Diploma, DiplomaNumberCounter
from diplomas.tasks import CHUNK_SIZE, render_diplomas
from diplomas.tests.assertions import assert_issued_exactly_once
from mobility.foundation.tasks import enqueue_on_commit
from mobility.tests.support import celery_workers, worker_test_marks
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory

pytestmark = worker_test_marks()

S = Diploma.Status
SIZE = 40


def test_two_worker_processes_issue_a_batch_once(tmp_path):
    cohort = CohortFactory()
    for _ in range(SIZE):
        EnrollmentFactory(completed=True, cohort=cohort)
    with celery_workers(tmp_path, enqueued_from="diplomas.services") as workers:
        # Nothing is killed here: Redis must not hand a chunk still running (seconds on a loaded machine) to the other
        # worker, which the helper's 4 s visibility timeout, meant for the kill tests, could do.
        workers.env["CELERY_VISIBILITY_TIMEOUT"] = "3600"
        # Two processes, one child each: the work can only be shared between them through the broker.
        workers.start(concurrency=1)
        workers.start(concurrency=1)
        workers.wait_ready(timeout=60)
        with transaction.atomic():
            batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=None)
            ids = sorted(batch.diplomas.values_list("pk", flat=True))
            # Every chunk once more, last first: the same diplomas reach both workers.
            for start in reversed(range(0, SIZE, CHUNK_SIZE)):
                enqueue_on_commit(render_diplomas, ids[start : start + CHUNK_SIZE][::-1], queue=workers.queue)
        messages = 2 * (SIZE // CHUNK_SIZE)

        def done() -> bool:
            finished = sum(workers.log_of(i).count("succeeded in") for i in range(2))
            return finished >= messages and Diploma.objects.filter(batch=batch, status=S.ISSUED).count() == SIZE

        workers.wait_for(done, timeout=180, what=f"{SIZE} diplomas and {messages} messages")
        per_worker = [len(re.findall(r"render_diplomas\[[0-9a-f-]+\] succeeded", workers.log_of(i))) for i in (0, 1)]

    raced = Diploma.objects.filter(batch=batch, attempts__gt=1).count()
    print(f"chunks run by each worker: {per_worker}; diplomas rendered by both (one PDF discarded): {raced}")
    assert all(count > 0 for count in per_worker), per_worker

    rows = assert_issued_exactly_once(ids)
    assert Diploma.objects.filter(batch=batch).count() == SIZE
    numbers = sorted(row.number for row in rows)
    year = rows[0].issued_at.year
    assert numbers == [settings.DIPLOMA_NUMBER_FORMAT.format(year=year, seq=seq) for seq in range(1, SIZE + 1)]
    assert DiplomaNumberCounter.objects.get(year=year).last == SIZE
    stored = list((Path(settings.MEDIA_ROOT) / "diplomas").rglob("*"))
    assert sorted(p.name for p in stored if p.is_file()) == sorted(f"{n}.pdf" for n in numbers)  # no orphan
