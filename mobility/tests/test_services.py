"""Services of ``mobility`` not covered elsewhere: the purge of idempotency records (API keys are in
test_api_keys.py, webhooks in test_webhooks_*.py)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from mobility.foundation.idempotency import IDEMPOTENCY_IN_FLIGHT_TIMEOUT, IDEMPOTENCY_TTL, idempotency_records_purge
from mobility.foundation.models import IdempotencyRecord
from mobility.foundation.tasks import idempotency_purge

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def record(key: str, *, age: datetime.timedelta, answered: bool = True) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        owner="api-key:abc",
        key=key,
        method="POST",
        path="/api/v1/students/",
        request_hash="0" * 64,
        status_code=201 if answered else None,
        response_body={"id": 1} if answered else None,
        created_at=timezone.now() - age,
    )


def test_the_purge_deletes_records_past_the_replay_window_and_abandoned_claims_only():
    record("expired", age=IDEMPOTENCY_TTL + SECOND)
    record("replayable", age=IDEMPOTENCY_TTL - datetime.timedelta(minutes=1))
    record("abandoned", age=IDEMPOTENCY_IN_FLIGHT_TIMEOUT + SECOND, answered=False)
    record("in-flight", age=IDEMPOTENCY_IN_FLIGHT_TIMEOUT - datetime.timedelta(minutes=1), answered=False)
    # An answered record older than the in-flight timeout is still replayed: the windows are not mixed up.
    record("answered-an-hour-ago", age=datetime.timedelta(hours=1))

    assert idempotency_records_purge() == 2
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {
        "replayable",
        "in-flight",
        "answered-an-hour-ago",
    }
    assert idempotency_records_purge() == 0  # idempotent


def test_the_purge_works_in_batches():
    for i in range(5):
        record(f"old-{i}", age=IDEMPOTENCY_TTL + SECOND)
    record("new", age=SECOND)
    assert idempotency_records_purge(batch=2) == 5
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_command_and_the_beat_task_purge():
    record("a", age=IDEMPOTENCY_TTL + SECOND)
    out = io.StringIO()
    call_command("purge_idempotency_records", stdout=out)
    assert out.getvalue() == "Deleted 1 idempotency records.\n"
    record("b", age=IDEMPOTENCY_TTL + SECOND)
    assert idempotency_purge.delay().get() == 1
    assert not IdempotencyRecord.objects.exists()
