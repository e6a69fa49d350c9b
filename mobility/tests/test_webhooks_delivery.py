"""Webhooks delivered: signed; a receiver on 127.0.0.1 answers; failed attempts are retried with a bound (with a
broker by Celery, without one by the sweeper: one attempt per run in the request); a delivered delivery is not sent
again; only plain http(s) URLs, never a private address in production."""

from __future__ import annotations

import datetime
import json
import time
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import WebhookDelivery
from mobility.foundation.tasks import webhook_send
from mobility.foundation.webhooks.signing import body_bytes, signature_header, verify_signature
from mobility.tests.support import make_user
from programs.tests.factories import InstitutionFactory
from students.tests.factories import EnrollmentFactory

from .webhook_support import D, emit, endpoint, sweep_later

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_quick_webhooks")]


def test_a_signature_verifies_and_refuses_tampering_other_secrets_and_old_timestamps():
    body = body_bytes({"id": "e1", "data": {"name": "张伟"}})
    now = 1_800_000_000
    header = signature_header(secret="s3cret", body=body, timestamp=now)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_signature(secret="s3cret", header=header, body=body, now=now + 10)
    assert not verify_signature(secret="s3cret", header=header, body=body + b" ", now=now)
    assert not verify_signature(secret="other", header=header, body=body, now=now)
    assert not verify_signature(secret="s3cret", header=header, body=body, now=now + 301)  # a replayed capture
    assert verify_signature(secret="s3cret", header=header, body=body, now=now + 3600, tolerance=3601)
    # Several v1 entries (during a secret rotation): any one may match.
    rotated = header + ",v1=" + "0" * 64
    assert verify_signature(secret="s3cret", header=rotated, body=body, now=now)
    for broken in ("", "t=x,v1=ab", f"t={now}", "v1=" + "0" * 64):
        assert not verify_signature(secret="s3cret", header=broken, body=body, now=now)


def test_a_delivery_reaches_the_receiver_signed_and_is_logged(receiver, committed):
    partner = InstitutionFactory()
    hook = endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner, data={"enrollment_id": 7, "student": {"id": 3, "home_student_id": "CQ-1"}})

    (request,) = receiver.received
    assert request.path == "/hooks/mobility"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Mobility-Event"] == "enrollment.status_changed"
    assert request.headers["X-Mobility-Delivery"] == str(delivery.event_id)
    assert verify_signature(secret=hook.secret, header=request.headers["X-Mobility-Signature"], body=request.body)
    assert not verify_signature(
        secret="not-the-secret", header=request.headers["X-Mobility-Signature"], body=request.body
    )
    payload = json.loads(request.body)
    assert payload["id"] == str(delivery.event_id) and payload["type"] == "enrollment.status_changed"
    assert payload["data"] == {"enrollment_id": 7, "student": {"id": 3, "home_student_id": "CQ-1"}}
    assert datetime.datetime.fromisoformat(payload["occurred_at"]).tzinfo is not None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.response_body) == (
        D.DELIVERED,
        1,
        200,
        "ok",
    )
    assert delivery.delivered_at and delivery.last_attempt_at and delivery.last_error == ""


def test_a_500_is_retried_and_then_delivered_with_the_same_event_and_body(receiver, committed, settings):
    settings.WEBHOOK_RETRY_BACKOFF = 10
    receiver.script = [500, 503]
    partner = InstitutionFactory()
    hook = endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    answered = timezone.now()

    # Eagerly (no broker) one attempt only; the next is due after the backoff, for the sweeper.
    assert [r.answered for r in receiver.received] == [500]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (D.PENDING, 1, "HTTP 500")
    # The backoff (5-10 s with the jitter) counts from the answer, which a loaded machine may take a while to get.
    assert delivery.next_attempt_at >= delivery.last_attempt_at + datetime.timedelta(seconds=5)
    assert delivery.next_attempt_at <= answered + datetime.timedelta(seconds=10)
    sweep_later(committed, rounds=2)

    assert [r.answered for r in receiver.received] == [500, 503, 200]
    assert len({r.headers["X-Mobility-Delivery"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    for request in receiver.received:
        assert verify_signature(secret=hook.secret, header=request.headers["X-Mobility-Signature"], body=request.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        D.DELIVERED,
        3,
        200,
        "",
    )


def test_retries_are_bounded_then_the_delivery_is_failed_with_the_last_answer(receiver, committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 2
    receiver.default = 500
    receiver.answer_body = b"x" * 5000
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    sweep_later(committed, rounds=3)

    assert [r.answered for r in receiver.received] == [500, 500, 500]  # the first attempt and 2 retries
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == (
        D.FAILED,
        3,
        500,
        "HTTP 500",
    )
    assert delivery.response_body == "x" * 2000  # truncated
    # Sending it again does nothing: only a replay makes it pending.
    webhook_send.delay(delivery.pk)
    assert len(receiver.received) == 3


def test_an_unreachable_receiver_is_an_error_on_the_row(committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 1
    partner = InstitutionFactory()
    endpoint(partner, url="http://127.0.0.1:9/nothing-listens-here")
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    sweep_later(committed)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (D.FAILED, 2, None)
    assert delivery.last_error.startswith("ConnectionError")


def test_a_delivered_delivery_is_not_sent_again(receiver, committed):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    webhook_send.delay(delivery.pk)
    webhook_send.delay(delivery.pk)
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.DELIVERED, 1)


def test_a_rolled_back_change_sends_nothing(receiver, committed):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        emit(partner)
        raise RuntimeError("the change failed")
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_redirects_are_not_followed(receiver, committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 0
    receiver.default = 302
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, len(receiver.received)) == (D.FAILED, 302, 1)


def test_a_staff_action_that_fires_an_event_to_a_dead_endpoint_returns_after_one_attempt(
    client, receiver, committed, settings
):
    """Without a broker the task runs inside the request: one attempt (a timeout), not nine in a row."""
    settings.WEBHOOK_TIMEOUT = 0.5
    settings.WEBHOOK_MAX_RETRIES = 8
    receiver.delay = 3  # answers long after the timeout: dead as far as the sender can tell
    enrollment = EnrollmentFactory(status="applied")
    endpoint(enrollment.student.home_institution, url=receiver.url)
    client.force_login(make_user("clerk", OFFICE))

    started = time.monotonic()
    with committed():
        response = client.post(f"/students/enrollments/{enrollment.pk}/admit/")
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "admitted"
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert len(deliveries) == 2  # application.decided and enrollment.status_changed
    for delivery in deliveries:
        assert (delivery.status, delivery.attempts) == (D.PENDING, 1)
        assert delivery.last_error.startswith("ReadTimeout")
        assert delivery.next_attempt_at > timezone.now()
    assert len(receiver.received) == 2
    assert elapsed < 4  # one 0.5 s timeout per delivery; before, 9 × 0.5 s each: 9 s


def test_with_a_broker_a_failed_attempt_is_retried_by_celery_when_due(receiver):
    receiver.default = 500
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    (delivery,) = emit(partner)
    # Called directly (not .delay/.apply) the task runs as a worker would: not eager.
    with mock.patch.object(webhook_send, "retry", side_effect=Retry()) as retry, pytest.raises(Retry):
        webhook_send(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.PENDING, 1, 1)
    expected = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert retry.call_args.kwargs["countdown"] == pytest.approx(expected, abs=1)
    assert expected > 0


def test_a_copy_of_the_task_that_runs_before_the_delivery_is_due_sends_nothing(receiver, committed):
    receiver.default = 500
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    # The sweeper's message and the scheduled retry, or one Redis handed out twice: no extra attempt, no new chain.
    webhook_send.delay(delivery.pk)
    with mock.patch.object(webhook_send, "retry") as retry:
        webhook_send(delivery.pk)
    retry.assert_not_called()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.PENDING, 1, 1)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.cn/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://user:pw@hooks.example.cn/",
        "http://",
    ],
)
def test_only_plain_http_and_https_urls_are_registered(url):
    with pytest.raises(DomainError) as refused:
        endpoint(InstitutionFactory(), url=url)
    assert (refused.value.code, refused.value.field) == ("invalid_url", "url")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
        "http://localhost/",
    ],
)
def test_private_addresses_are_refused_in_production(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(DomainError) as refused:
        endpoint(InstitutionFactory(), url=url)
    assert refused.value.code == "invalid_url"


def test_a_url_that_turned_private_is_not_called(settings, receiver):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    (delivery,) = emit(partner)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    webhook_send.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (D.FAILED, "The URL points into a private network.")
    assert receiver.received == []


def test_unknown_or_no_event_types_are_refused():
    for events in (["diploma.issued", "student.deleted"], []):
        with pytest.raises(DomainError) as refused:
            endpoint(InstitutionFactory(), events=events)
        assert refused.value.field == "events"
