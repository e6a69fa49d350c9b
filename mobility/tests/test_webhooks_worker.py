"""Integration: webhook deliveries sent by real ``celery -A mobility worker`` processes (Redis, PostgreSQL) to a
receiver on 127.0.0.1.

(a) A worker killed with ``kill -9`` in the middle of a delivery (the receiver holds the request unanswered until
    the kill): a new worker sends it again and it is delivered exactly once, the killed attempt counted.
(b) The same delivery's task sent twice at once to two worker children: one request reaches the receiver.
(c) A worker killed mid-delivery under a long visibility timeout (the message would come back only after an hour):
    the sweeper re-sends it and a new worker delivers it.

The killed worker's message comes back because the task is ``acks_late``: Redis keeps it unacknowledged until the
broker's visibility timeout (4 s here, ``CELERY_VISIBILITY_TIMEOUT``) and the new worker restores it at start.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import transaction

from mobility.foundation.models import WebhookDelivery, WebhookEndpoint
from mobility.foundation.tasks import webhook_send
from mobility.foundation.webhooks import services
from mobility.foundation.webhooks.signing import verify_signature
from mobility.tests.support import celery_workers, worker_test_marks
from programs.tests.factories import InstitutionFactory

D = WebhookDelivery.Status

pytestmark = worker_test_marks()


@pytest.fixture
def workers(tmp_path):
    with celery_workers(tmp_path, enqueued_from="mobility.foundation.webhooks.services") as started:
        # Longer than the test needs to kill the worker while the receiver holds the request.
        started.env["WEBHOOK_TIMEOUT"] = "30"
        yield started


def _delivery(receiver) -> tuple[WebhookEndpoint, WebhookDelivery]:
    partner = InstitutionFactory()
    hook = services.webhook_endpoint_create(
        institution=partner, url=receiver.url, events=[WebhookEndpoint.Event.DIPLOMA_ISSUED], by=None
    )
    with transaction.atomic():  # sent to the broker when this commits
        (delivery,) = services.webhooks_emit(
            event=WebhookEndpoint.Event.DIPLOMA_ISSUED, institution_id=partner.pk, data={"diploma_id": 1}
        )
    return hook, delivery


def test_a_delivery_survives_a_worker_killed_mid_request_and_is_delivered_once(receiver, workers):
    receiver.hold = True
    first = workers.start(concurrency=1)
    hook, delivery = _delivery(receiver)

    if not receiver.held.wait(60):
        pytest.fail(f"the worker never called the receiver:\n{workers.output()}")
    workers.kill9(first)  # while the request is in flight, unanswered
    receiver.release.set()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.PENDING, 1)  # the killed attempt is counted

    time.sleep(5)  # past the 4 s visibility timeout: the new worker restores the unacknowledged message at start
    workers.start(concurrency=1)

    def delivered():
        delivery.refresh_from_db()
        return delivery.status == D.DELIVERED

    workers.wait_for(delivered, timeout=90, what="the delivery after the restart")
    assert (delivery.attempts, delivery.response_code, delivery.last_error) == (2, 200, "")
    killed, retried = receiver.received
    assert (killed.answered, retried.answered) == (None, 200)
    assert killed.headers["X-Mobility-Delivery"] == retried.headers["X-Mobility-Delivery"] == str(delivery.event_id)
    assert killed.body == retried.body
    assert verify_signature(secret=hook.secret, header=retried.headers["X-Mobility-Signature"], body=retried.body)

    # A late duplicate of the message (the broker delivers at least once) sends nothing.
    webhook_send.apply_async(args=[delivery.pk], queue=workers.queue)
    time.sleep(3)
    delivery.refresh_from_db()
    assert len(receiver.received) == 2 and delivery.attempts == 2


def test_the_same_delivery_sent_twice_at_once_reaches_the_receiver_once(receiver, workers):
    receiver.delay = 2  # the first run holds the row lock while it waits for the answer
    workers.start(concurrency=2)
    hook, delivery = _delivery(receiver)
    webhook_send.apply_async(args=[delivery.pk], queue=workers.queue)

    def delivered():
        delivery.refresh_from_db()
        return delivery.status == D.DELIVERED

    workers.wait_for(delivered, timeout=60, what="the delivery")
    time.sleep(3)  # let the second run finish
    assert [r.answered for r in receiver.received] == [200]
    delivery.refresh_from_db()
    assert delivery.status == D.DELIVERED and delivery.attempts in (1, 2)


def test_a_delivery_lost_with_its_worker_is_swept_long_before_the_visibility_timeout(receiver, workers):
    workers.env["CELERY_VISIBILITY_TIMEOUT"] = "3600"  # production's: Redis keeps the killed message for an hour
    receiver.hold = True
    first = workers.start(concurrency=1)
    _hook, delivery = _delivery(receiver)
    if not receiver.held.wait(60):
        pytest.fail(f"the worker never called the receiver:\n{workers.output()}")
    workers.kill9(first)
    receiver.release.set()
    workers.start(concurrency=1)
    time.sleep(3)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.PENDING, 1, 1)  # nothing came back

    with transaction.atomic():  # what the beat task does once the delivery is overdue
        sweep = services.webhooks_sweep_pending(overdue_by=datetime.timedelta(0))
    assert sweep.resent == [delivery.pk]

    def delivered():
        delivery.refresh_from_db()
        return delivery.status == D.DELIVERED

    workers.wait_for(delivered, timeout=60, what="the swept delivery")
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    assert [r.answered for r in receiver.received] == [None, 200]
    assert receiver.received[0].headers["X-Mobility-Delivery"] == receiver.received[1].headers["X-Mobility-Delivery"]
