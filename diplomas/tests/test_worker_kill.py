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

import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from diplomas import services
from diplomas.models import Diploma, DiplomaNumberCounter
from diplomas.tasks import render_diploma
from mobility.foundation.tasks import enqueue_on_commit
from mobility.tests.support import celery_workers, worker_test_marks
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory

from .assertions import assert_issued_exactly_once

S = Diploma.Status

pytestmark = worker_test_marks()


@pytest.fixture
def workers(tmp_path):
    # The services send the render task to this test's queue (the workers also use it as their default queue).
    with celery_workers(tmp_path, enqueued_from="diplomas.services") as started:
        yield started


def test_the_same_task_sent_twice_at_once_issues_one_diploma(workers):
    workers.start(concurrency=2)
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    with transaction.atomic():
        enqueue_on_commit(render_diploma, diploma.pk, queue=workers.queue)
        enqueue_on_commit(render_diploma, diploma.pk, queue=workers.queue)

    def both_ran():
        diploma.refresh_from_db()
        return diploma.status == S.ISSUED and workers.output().count("succeeded in") >= 2

    workers.wait_for(both_ran, timeout=45, what="both runs")
    assert_issued_exactly_once([diploma.pk])
    assert DiplomaNumberCounter.objects.get().last == 1
    stored = list((Path(settings.MEDIA_ROOT) / "diplomas").rglob("*.pdf"))
    assert len(stored) == 1


def test_a_batch_survives_kill_9_of_the_worker(workers):
    cohort = CohortFactory()
    for _ in range(20):
        EnrollmentFactory(completed=True, cohort=cohort)
    first = workers.start(concurrency=2)
    batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=None)
    diplomas = list(batch.diplomas.all())
    assert len(diplomas) == 20

    # Kill in the middle: some issued, some not.
    workers.wait_for(
        lambda: Diploma.objects.filter(batch=batch, status=S.ISSUED).count() >= 4,
        timeout=40,
        what="the first diplomas",
    )
    workers.kill9(first)
    at_kill = Counter(Diploma.objects.filter(batch=batch).values_list("status", flat=True))
    assert at_kill[S.ISSUED] < 20, "the batch finished before the kill; nothing was tested"

    # Restarted a little later than the visibility timeout (4 s here): a starting worker restores the unacked
    # messages older than that at once (later ones only on kombu's periodic sweep, about every 100 s).
    time.sleep(5)
    workers.start(concurrency=2)
    workers.wait_for(
        lambda: Diploma.objects.filter(batch=batch, status=S.ISSUED).count() == 20,
        timeout=45,
        what="the whole batch after the restart",
    )
    assert_issued_exactly_once([d.pk for d in diplomas])
    ran_twice = Diploma.objects.filter(batch=batch, attempts__gt=1).count()
    print(f"at the kill: {dict(at_kill)}; diplomas rendered more than once: {ran_twice}")
    stored = list((Path(settings.MEDIA_ROOT) / "diplomas").rglob("*.pdf"))
    assert len(stored) == 20  # no orphan, no duplicate
    year = Diploma.objects.get(pk=diplomas[0].pk).issued_at.year
    assert DiplomaNumberCounter.objects.get(year=year).last == 20  # no number lost or given twice
