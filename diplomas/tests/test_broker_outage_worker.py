"""Integration: the broker goes down and comes back (decision 0017), with a real worker, a real beat, a Redis of the
test's own, PostgreSQL, the real renderer and signer.

With the worker and beat running, Redis is stopped. Staff then request one diploma and a whole cohort's, and a partner
nominates a student and applies them through the API: every answer is normal (no 5xx), the requests are kept in the
outbox, /healthz says the broker is down. Redis is started again on the same port: within a minute every diploma is
issued, each exactly once (one number, one file, one audit entry), through the relay that beat triggers; the
worker and beat lived through the outage.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings

from diplomas.models import Diploma
from mobility.foundation.models import OutboxMessage
from mobility.tests.support import RedisServer, Workers, api_client, broker_at, make_api_key, worker_test_marks
from programs.tests.factories import CohortFactory
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory

from .assertions import assert_issued_exactly_once

pytestmark = worker_test_marks()

S = Diploma.Status
COHORT_SIZE = 12  # two chunks of render_diplomas


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workers(tmp_path, redis):
    workers = Workers(tmp_path, Path(settings.MEDIA_ROOT))
    workers.env["CELERY_BROKER_URL"] = redis.url
    # Nothing is killed here: a long visibility timeout, so Redis never hands a running chunk out twice.
    workers.env["CELERY_VISIBILITY_TIMEOUT"] = "3600"
    try:
        yield workers
    finally:
        workers.stop()


def test_requests_made_while_the_broker_is_down_are_all_issued_once_within_a_minute_of_its_return(
    redis, workers, office_client, college
):
    single = EnrollmentFactory(completed=True)
    cohort = CohortFactory()
    for _ in range(COHORT_SIZE):
        EnrollmentFactory(completed=True, cohort=cohort)
    applying_to = CohortFactory(partner=college, application_deadline=None)
    _key, plain = make_api_key(college)
    partner = api_client(plain)

    worker = workers.start(concurrency=2)
    workers.wait_ready(timeout=90)
    beat = workers.start_beat()

    with broker_at(redis.url):
        redis.stop()
        health = office_client.get("/healthz")
        assert health.status_code == 503 and health.json()["checks"]["broker"]["ok"] is False

        answers = [
            office_client.post(f"/enrollments/{single.pk}/diploma/request/"),
            office_client.post(f"/cohorts/{cohort.pk}/diplomas/request/"),
        ]
        nominee = {
            "home_student_id": "2026000999",
            "family_name_han": "赵",
            "given_name_han": "敏",
            "family_name_latin": "Zhao",
            "given_name_latin": "Min",
            "sex": "F",
            "citizenship": "CN",
            "email": "zhao.min@example.cn",
        }
        nominated = partner.post("/api/v1/students/", nominee, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")
        answers.append(nominated)
        student_id = nominated.json()["id"]
        body = {"student": student_id, "cohort": applying_to.pk}
        answers.append(partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="outage-2"))
        answers.append(partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="outage-2"))
        assert [answer.status_code for answer in answers] == [302, 302, 201, 201, 201]
        assert answers[-1]["Idempotent-Replayed"] == "true" and answers[-1].json() == answers[-2].json()

        ids = sorted(Diploma.objects.values_list("pk", flat=True))
        assert len(ids) == 1 + COHORT_SIZE
        assert Diploma.objects.filter(status=S.REQUESTED).count() == len(ids)
        # One render_diploma and two render_diplomas chunks wait, nothing was lost.
        assert OutboxMessage.objects.count() == 3
        waiting = office_client.get("/healthz").json()["checks"]["broker"]
        assert waiting["ok"] is False and waiting["outbox_unsent"] == 3

        # Beat tries its relay while the broker is down and lives on (as does the worker).
        workers.wait_for(
            lambda: "Connection error" in workers.log_of(1) or "Message Error" in workers.log_of(1),
            timeout=60,
            what="beat to meet the broker down",
        )
        assert worker.poll() is None and beat.poll() is None, workers.output()

        redis.start()
        back = time.monotonic()
        workers.wait_for(
            lambda: Diploma.objects.filter(pk__in=ids, status=S.ISSUED).count() == len(ids),
            timeout=60,
            what="every diploma within a minute of the broker's return",
        )
        print(f"all {len(ids)} issued {time.monotonic() - back:.1f} s after the broker came back")

    assert_issued_exactly_once(ids)
    assert not OutboxMessage.objects.exists()
    assert worker.poll() is None and beat.poll() is None
    assert Student.objects.filter(pk=student_id, home_student_id="2026000999").exists()
    assert Enrollment.objects.filter(student_id=student_id, cohort=applying_to).count() == 1
