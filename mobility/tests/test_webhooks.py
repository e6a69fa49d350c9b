"""Webhooks: events of each kind reach the right partner's endpoints, signed; a receiver on 127.0.0.1 answers;
failed attempts are retried with a bound (with a broker by Celery, without one by the sweeper: one attempt per
run in the request); a delivered delivery is not sent again; the sweeper; staff replay."""

from __future__ import annotations

import datetime
import io
import json
import time
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diplomas import services as diploma_services
from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.foundation.tasks import webhook_send
from mobility.foundation.webhooks import services
from mobility.foundation.webhooks.signing import body_bytes, signature_header, verify_signature
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory, InstitutionFactory, ModuleFactory
from students import services as student_services
from students.events import result_data
from students.models import ModuleResult
from students.services.results import ResultInput
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

pytestmark = pytest.mark.django_db

E = WebhookEndpoint.Event
D = WebhookDelivery.Status
ALL_EVENTS = list(E.values)
DAY = datetime.date(2026, 2, 2)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and then what it sent on commit (the eager task), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _quick_webhooks(settings):
    # Generous: the receiver answers at once, but a loaded CI machine may take seconds to schedule its thread (a
    # timeout here would fail the retry tests for the wrong reason). The timeout test sets its own.
    settings.WEBHOOK_TIMEOUT = 10
    settings.WEBHOOK_MAX_RETRIES = 3


def endpoint(institution, url="https://hooks.example.cn/mobility", events=ALL_EVENTS, **fields) -> WebhookEndpoint:
    created = services.webhook_endpoint_create(institution=institution, url=url, events=events, by=None)
    if fields:
        services.webhook_endpoint_update(endpoint=created, by=None, **fields)
    return created


def emit(institution, event=E.ENROLLMENT_STATUS_CHANGED, data=None):
    return services.webhooks_emit(event=event, institution_id=institution.pk, data=data or {"enrollment_id": 1})


def sweep_later(committed, rounds=1):
    """What the sweeper does once the backoff has passed: every pending delivery overdue, swept (eagerly: one
    attempt each, after the commit)."""
    for _ in range(rounds):
        overdue = timezone.now() - datetime.timedelta(hours=1)
        WebhookDelivery.objects.filter(status=D.PENDING).update(next_attempt_at=overdue)
        with committed():
            services.webhooks_sweep_pending()


# --- signatures -------------------------------------------------------------------------------------------------


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


# --- against a receiver on 127.0.0.1 ----------------------------------------------------------------------------


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


# --- the sweeper ------------------------------------------------------------------------------------------------


def _pending(partner, *, next_attempt_in: float, attempts: int = 0) -> WebhookDelivery:
    (delivery,) = emit(partner)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, next_attempt_at=timezone.now() + datetime.timedelta(seconds=next_attempt_in)
    )
    return delivery


def test_the_sweeper_resends_only_deliveries_overdue_past_the_threshold(receiver, committed, settings):
    settings.WEBHOOK_STUCK_AFTER_SECONDS = 120
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    lost = _pending(partner, next_attempt_in=-121, attempts=2)  # a retry lost with its worker
    never_sent = _pending(partner, next_attempt_in=-600)  # the first message lost
    waiting = _pending(partner, next_attempt_in=300, attempts=3)  # a retry scheduled by the backoff
    late = _pending(partner, next_attempt_in=-60, attempts=1)  # due, but maybe just queued: not yet
    done = _pending(partner, next_attempt_in=-600)
    WebhookDelivery.objects.filter(pk=done.pk).update(status=D.DELIVERED)

    with committed():
        sweep = services.webhooks_sweep_pending()

    assert sweep.resent == [never_sent.pk, lost.pk] and sweep.failed == []
    assert len(receiver.received) == 2
    states = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert states[lost.pk] == states[never_sent.pk] == D.DELIVERED
    assert states[waiting.pk] == states[late.pk] == D.PENDING
    assert WebhookDelivery.objects.get(pk=lost.pk).attempts == 3
    assert WebhookDelivery.objects.get(pk=waiting.pk).attempts == 3


def test_the_sweeper_touches_what_it_resends_so_the_next_sweep_waits(receiver, settings):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    delivery = _pending(partner, next_attempt_in=-3600)
    # Not committed: the task is not sent, as if the workers were down.
    assert services.webhooks_sweep_pending().resent == [delivery.pk]
    delivery.refresh_from_db()
    assert abs((delivery.next_attempt_at - timezone.now()).total_seconds()) < 5
    assert services.webhooks_sweep_pending().resent == []
    assert receiver.received == []


def test_the_sweeper_fails_a_delivery_whose_attempts_are_spent_without_a_request(receiver, committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 2
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    killed_last = _pending(partner, next_attempt_in=-3600, attempts=3)  # its third attempt died with the worker
    with committed():
        sweep = services.webhooks_sweep_pending()
    assert (sweep.resent, sweep.failed) == ([], [killed_last.pk])
    killed_last.refresh_from_db()
    assert (killed_last.status, killed_last.last_error) == (D.FAILED, "Gave up after 3 attempts.")
    assert receiver.received == []


def test_the_sweeper_brings_a_failing_delivery_to_failed_within_the_bound(receiver, committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 2
    receiver.default = 500
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    sweep_later(committed, rounds=5)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.FAILED, 3, 3)


def test_the_sweeper_is_bounded_per_run_and_by_the_command(receiver, committed):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    first, second = (_pending(partner, next_attempt_in=-3600 + i) for i in range(2))
    assert services.webhooks_sweep_pending(limit=1).resent == [first.pk]

    out = io.StringIO()
    with committed():
        call_command("sweep_webhooks", "--overdue-by", "60", stdout=out)
    assert out.getvalue().startswith("Re-sent 1 deliveries, gave up on 0.")
    assert f"re-sent: [{second.pk}]" in out.getvalue()
    second.refresh_from_db()
    assert second.status == D.DELIVERED


def test_the_beat_schedule_runs_the_sweeper_and_the_purge(settings):
    from mobility.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"mobility.tasks.webhooks_sweep", "mobility.tasks.idempotency_purge"} <= tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_the_sweep_task_runs_the_service(receiver, committed):
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    _pending(partner, next_attempt_in=-3600)
    from mobility.foundation.tasks import webhooks_sweep

    with committed():
        assert webhooks_sweep.delay().get() == 1
    assert len(receiver.received) == 1


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.WEBHOOK_RETRY_BACKOFF = 10
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 600
    for attempts, ceiling in ((1, 10), (2, 20), (3, 40), (7, 600), (12, 600)):
        for _ in range(20):
            assert ceiling / 2 <= services.webhook_retry_countdown(attempts) <= ceiling


# --- replay -----------------------------------------------------------------------------------------------------


def test_replay_sends_a_failed_delivery_again_and_is_audited(receiver, committed, settings):
    settings.WEBHOOK_MAX_RETRIES = 0
    receiver.script = [500]
    partner = InstitutionFactory()
    hook = endpoint(partner, url=receiver.url)
    with committed(), transaction.atomic():
        (delivery,) = emit(partner)
    delivery.refresh_from_db()
    assert delivery.status == D.FAILED

    with committed():
        services.webhook_replay(delivery=delivery, by=None)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (D.DELIVERED, 1, 200)
    first, second = receiver.received
    assert first.headers["X-Mobility-Delivery"] == second.headers["X-Mobility-Delivery"]
    assert first.body == second.body
    assert verify_signature(secret=hook.secret, header=second.headers["X-Mobility-Signature"], body=second.body)
    entry = AuditEntry.objects.get(action="webhook.replay")
    assert entry.object_id == str(delivery.pk) and entry.changes["status"] == ["failed", "pending"]


def test_replay_is_refused_for_a_disabled_endpoint():
    partner = InstitutionFactory()
    hook = endpoint(partner)
    (delivery,) = emit(partner)
    services.webhook_endpoint_update(endpoint=hook, by=None, is_active=False)
    with pytest.raises(DomainError) as refused:
        services.webhook_replay(delivery=delivery, by=None)
    assert refused.value.code == "endpoint_disabled"


def test_a_pending_delivery_of_a_disabled_endpoint_fails_without_a_request(receiver):
    partner = InstitutionFactory()
    hook = endpoint(partner, url=receiver.url)
    (delivery,) = emit(partner)  # not committed: nothing sent yet
    services.webhook_endpoint_update(endpoint=hook, by=None, is_active=False)
    webhook_send.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (D.FAILED, 0, "The endpoint is disabled.")
    assert receiver.received == []


# --- URLs -------------------------------------------------------------------------------------------------------


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


# --- which events reach whom ------------------------------------------------------------------------------------


def _walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_keys(item)


def test_every_event_reaches_only_the_students_partner_and_the_subscribed_endpoints(fake_render, committed):
    cohort = CohortFactory()
    partner, other = cohort.partner, InstitutionFactory()
    module = ModuleFactory(track=cohort.track)
    everything = endpoint(partner)
    diplomas_only = endpoint(partner, url="https://hooks.example.cn/diplomas", events=[E.DIPLOMA_ISSUED])
    endpoint(partner, url="https://hooks.example.cn/disabled", is_active=False)
    foreign = endpoint(other)
    enrollment = EnrollmentFactory(cohort=cohort)

    student_services.enrollment_admit(enrollment=enrollment, by=None, on=DAY)
    student_services.enrollment_enroll(enrollment=enrollment, by=None, on=DAY)
    result = student_services.result_record(
        enrollment=enrollment, module=module, by=None, assessed_on=DAY, score=Decimal("87.5")
    )
    student_services.result_record(enrollment=enrollment, module=module, by=None, assessed_on=DAY, score=Decimal("91"))
    student_services.enrollment_complete(enrollment=enrollment, by=None, on=DAY)
    with committed():  # the render task runs on commit
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    diploma_services.diploma_revoke(diploma=diploma, by=None, reason="issued in error")

    sent = list(WebhookDelivery.objects.order_by("id").values_list("endpoint_id", "event"))
    assert not any(endpoint_id == foreign.pk for endpoint_id, _ in sent)
    assert [event for endpoint_id, event in sent if endpoint_id == everything.pk] == [
        E.APPLICATION_DECIDED,
        E.ENROLLMENT_STATUS_CHANGED,  # admitted
        E.ENROLLMENT_STATUS_CHANGED,  # enrolled
        E.RESULT_RECORDED,
        E.RESULT_RECORDED,  # corrected
        E.ENROLLMENT_STATUS_CHANGED,  # completed
        E.DIPLOMA_ISSUED,
        E.DIPLOMA_REVOKED,
    ]
    assert [event for endpoint_id, event in sent if endpoint_id == diplomas_only.pk] == [E.DIPLOMA_ISSUED]

    deliveries = {d.event: d for d in WebhookDelivery.objects.filter(endpoint=everything).order_by("id")}
    decided = WebhookDelivery.objects.filter(endpoint=everything, event=E.APPLICATION_DECIDED).get().payload["data"]
    assert decided["status"] == "admitted" and decided["previous_status"] == "applied"
    assert decided["student"] == {"id": enrollment.student_id, "home_student_id": enrollment.student.home_student_id}
    assert decided["cohort"] == {"id": cohort.pk, "code": cohort.code} and decided["admitted_on"] == DAY.isoformat()
    recorded = deliveries[E.RESULT_RECORDED].payload["data"]  # the last one: the correction
    assert recorded["result_id"] == result.pk and recorded["change"] == "corrected"
    assert (recorded["score"], recorded["grade"], recorded["passed"]) == ("91.00", "5", True)
    assert recorded["module"] == {"id": module.pk, "code": module.code}
    issued = WebhookDelivery.objects.get(endpoint=diplomas_only).payload["data"]
    assert issued["number"] == diploma.number and issued["status"] == "issued" and len(issued["sha256"]) == 64
    assert issued["verification_url"].endswith(f"/verify/{diploma.verification_code}/")
    revoked = deliveries[E.DIPLOMA_REVOKED].payload["data"]
    assert revoked["status"] == "revoked" and revoked["revocation_reason"] == "issued in error"
    # Each event is a new id; the same event to two endpoints shares one.
    assert len({d.event_id for d in WebhookDelivery.objects.filter(endpoint=everything)}) == len(sent) - 1
    issued_ids = set(WebhookDelivery.objects.filter(event=E.DIPLOMA_ISSUED).values_list("event_id", flat=True))
    assert len(issued_ids) == 1
    # No personal data beyond the partner's own ids.
    keys = {key for d in WebhookDelivery.objects.all() for key in _walk_keys(d.payload)}
    assert not keys & {"passport_number", "passport_issued_on", "passport_expires_on", "birth_date", "email", "phone"}


def test_a_rejection_is_a_decision_and_a_withdrawal_only_a_status_change():
    cohort = CohortFactory()
    hook = endpoint(cohort.partner)
    rejected, withdrawn = EnrollmentFactory(cohort=cohort), EnrollmentFactory(cohort=cohort)
    student_services.enrollment_reject(enrollment=rejected, by=None, reason="documents missing", on=DAY)
    student_services.enrollment_admit(enrollment=withdrawn, by=None, on=DAY)
    WebhookDelivery.objects.all().delete()
    student_services.enrollment_withdraw(enrollment=withdrawn, by=None, reason="visa", on=DAY)
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == [E.ENROLLMENT_STATUS_CHANGED]
    data = WebhookDelivery.objects.get().payload["data"]
    assert (data["status"], data["previous_status"], data["reason"]) == ("withdrawn", "admitted", "visa")
    assert hook.deliveries.count() == 1


def test_no_endpoint_no_delivery_and_no_write():
    enrollment = EnrollmentFactory()
    with CaptureQueriesContext(connection) as captured:
        student_services.enrollment_admit(enrollment=enrollment, by=None, on=DAY)
    assert not WebhookDelivery.objects.exists()
    assert not any("INSERT" in q["sql"] and "webhookdelivery" in q["sql"] for q in captured.captured_queries)


def _endpoint_reads(captured) -> int:
    return sum('FROM "mobility_webhookendpoint"' in q["sql"] for q in captured.captured_queries)


def test_bulk_services_read_the_endpoints_once():
    cohort = CohortFactory()
    modules = [ModuleFactory(track=cohort.track) for _ in range(3)]
    endpoint(cohort.partner)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(6)]
    for enrollment in enrollments:
        student_services.enrollment_admit(enrollment=enrollment, by=None, on=DAY)
        student_services.enrollment_enroll(enrollment=enrollment, by=None, on=DAY)
    WebhookDelivery.objects.all().delete()

    rows = [ResultInput(e.pk, m, Decimal("80")) for e in enrollments for m in modules]
    with CaptureQueriesContext(connection) as captured:
        student_services.results_record_bulk(rows=rows, by=None, assessed_on=DAY)
    assert _endpoint_reads(captured) == 1
    assert WebhookDelivery.objects.filter(event=E.RESULT_RECORDED).count() == 18

    with CaptureQueriesContext(connection) as captured:
        completed, refused = student_services.enrollments_complete_many(enrollments=enrollments, by=None, on=DAY)
    assert len(completed) == 6 and not refused
    assert _endpoint_reads(captured) == 1
    assert WebhookDelivery.objects.filter(event=E.ENROLLMENT_STATUS_CHANGED).count() == 6


def test_the_results_grid_reads_the_endpoints_once():
    from students.services.results import GridCell

    cohort = CohortFactory()
    module = ModuleFactory(track=cohort.track)
    endpoint(cohort.partner)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(4)]
    for enrollment in enrollments:
        student_services.enrollment_admit(enrollment=enrollment, by=None, on=DAY)
        student_services.enrollment_enroll(enrollment=enrollment, by=None, on=DAY)
    cells = [GridCell(enrollment_id=e.pk, module=module, score=Decimal("75")) for e in enrollments]
    with CaptureQueriesContext(connection) as captured:
        student_services.results_record_grid(cells=cells, by=None, assessed_on=DAY)
    assert _endpoint_reads(captured) == 1
    assert WebhookDelivery.objects.filter(event=E.RESULT_RECORDED).count() == 4


def test_endpoint_changes_are_audited_without_the_secret():
    hook = endpoint(InstitutionFactory())
    assert len(hook.secret) >= 40
    services.webhook_endpoint_update(endpoint=hook, by=None, events=[E.DIPLOMA_ISSUED], is_active=False)
    services.webhook_endpoint_update(endpoint=hook, by=None, events=[E.DIPLOMA_ISSUED])  # no change, no entry
    entries = list(AuditEntry.objects.filter(object_id=str(hook.pk)).order_by("id"))
    assert [e.action for e in entries] == ["webhook_endpoint.create", "webhook_endpoint.update"]
    assert entries[1].changes["is_active"] == [True, False]
    assert all(hook.secret not in json.dumps(e.changes) for e in entries)


def test_the_signature_timestamp_is_now():
    body = b"{}"
    header = signature_header(secret="k", body=body)
    assert abs(int(header.split(",")[0][2:]) - time.time()) < 5


# --- the passing grades: one rule, students.models.ModuleResult.PASSING_GRADES ---------------------------------------


@pytest.mark.parametrize("grade", [grade.value for grade in ModuleResult.Grade])
def test_a_results_passed_is_the_same_in_the_database_and_in_the_payload(grade):
    result = ModuleResultFactory(grade=grade)
    data = result_data(result, enrollment=result.enrollment, module=result.module, change="recorded")
    result.refresh_from_db(fields=["passed"])  # the database's generated column
    assert data["passed"] is result.passed is (grade in ModuleResult.PASSING_GRADES)


def test_the_payload_reads_the_passing_grades_from_the_result_model(monkeypatch):
    result = ModuleResultFactory.build(grade=ModuleResult.Grade.UNSATISFACTORY)
    monkeypatch.setattr(ModuleResult, "PASSING_GRADES", (ModuleResult.Grade.UNSATISFACTORY,))
    data = result_data(result, enrollment=result.enrollment, module=result.module, change="recorded")
    assert data["passed"] is True  # no copy of the rule in the webhook payloads
