"""Webhooks: the sweeper (what it resends, how often, within which bounds), the backoff, and the staff's replay."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, WebhookDelivery
from mobility.foundation.tasks import webhook_send
from mobility.foundation.webhooks import services
from mobility.foundation.webhooks.signing import verify_signature
from programs.tests.factories import InstitutionFactory

from .webhook_support import D, emit, endpoint, sweep_later

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_quick_webhooks")]


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
