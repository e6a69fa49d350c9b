"""The outbox (decision 0017) with a broker that is down: webhooks, e-mails and API writes are accepted and kept, the
relay sends them once the broker is back, /healthz reports the broker down and what waits. The broker here is a
closed local port (down) or kombu's in-process transport (back), never eager."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from mobility.foundation.models import OutboxMessage, WebhookDelivery
from mobility.foundation.outbox import outbox_relay
from mobility.foundation.tasks import enqueue_on_commit
from mobility.foundation.tasks import outbox_relay as outbox_relay_task
from mobility.foundation.webhooks import services as webhook_services
from mobility.tests.support import (
    api_client,
    broker_at,
    broker_messages,
    make_api_key,
    outbox_rows,
    relay_to_a_broker_that_is_back,
)
from programs.tests.factories import CohortFactory, ModuleFactory
from students import services as student_services
from students.notifications import results_recorded_notify
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

ALL = datetime.timedelta(0)  # the relay takes every row, however young


def test_a_result_s_webhook_and_e_mail_are_kept_while_the_broker_is_down(
    broker_down, django_capture_on_commit_callbacks
):
    enrollment = EnrollmentFactory(status="enrolled")
    module = ModuleFactory(track=enrollment.track)
    webhook_services.webhook_endpoint_create(
        institution=enrollment.student.home_institution,
        url="https://hooks.example.cn/mobility",
        events=["result.recorded"],
        by=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = student_services.result_record(
            enrollment=enrollment,
            module=module,
            by=None,
            assessed_on=datetime.date.today() - datetime.timedelta(days=1),
            score=Decimal("91"),
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0
    expected = [
        ("mobility.tasks.webhook_send", [delivery.pk]),
        ("students.tasks.student_email_send", ["results", enrollment.student_id, [result.pk]]),
    ]
    assert outbox_rows() == expected
    assert relay_to_a_broker_that_is_back() == expected


def test_a_rolled_back_change_leaves_nothing_in_the_outbox(broker_down):
    enrollment = EnrollmentFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        results_recorded_notify(results=[(enrollment.student_id, 1)])
        assert len(outbox_rows()) == 1
        raise RuntimeError("rolled back")
    assert outbox_rows() == []


def test_without_a_broker_tasks_run_in_process_and_nothing_is_written(django_capture_on_commit_callbacks):
    # Unit tests run eagerly, as the demo does (no CELERY_BROKER_URL): no outbox row, the task runs on commit.
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(outbox_relay_task)
    assert outbox_rows() == []


def test_the_relay_keeps_what_the_broker_does_not_take_and_counts_the_attempt(broker_down):
    with transaction.atomic():
        enqueue_on_commit(outbox_relay_task)
        enqueue_on_commit(outbox_relay_task)
    assert [row.attempts for row in OutboxMessage.objects.all()] == [0, 0]  # the test's transaction never commits
    relayed = outbox_relay(older_than=ALL)
    assert relayed.sent == [] and len(relayed.left) == 2 and "OperationalError" in relayed.error
    assert [row.attempts for row in OutboxMessage.objects.order_by("pk")] == [1, 1]
    assert len(relay_to_a_broker_that_is_back()) == 2


def test_the_relay_leaves_young_rows_to_the_flush_of_their_own_transaction(broker_down):
    OutboxMessage.objects.create(task="mobility.tasks.outbox_relay")
    with broker_at("memory://"):
        assert outbox_relay().sent == []  # younger than RELAY_MIN_AGE
    assert len(outbox_rows()) == 1


def test_beat_runs_the_relay_often_and_drops_triggers_it_could_not_deliver(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-relay"]
    assert entry["task"] == "mobility.tasks.outbox_relay"
    assert entry["schedule"] <= 30 and entry["options"]["expires"] <= entry["schedule"]
    # A broker that is down never ends a worker or beat: they reconnect until it is back.
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 5


def test_an_api_write_while_the_broker_is_down_succeeds_and_its_idempotency_key_replays(college, broker_down):
    _key, plain = make_api_key(college)
    partner = api_client(plain)
    cohort = CohortFactory(partner=college, application_deadline=None)
    nominee = {
        "home_student_id": "2026000888",
        "family_name_han": "王",
        "given_name_han": "芳",
        "family_name_latin": "Wang",
        "given_name_latin": "Fang",
        "sex": "F",
        "citizenship": "CN",
        "email": "wang.fang@example.cn",
    }
    first = partner.post("/api/v1/students/", nominee, format="json", HTTP_IDEMPOTENCY_KEY="nominate-1")
    again = partner.post("/api/v1/students/", nominee, format="json", HTTP_IDEMPOTENCY_KEY="nominate-1")
    assert first.status_code == 201, first.content
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    body = {"student": first.json()["id"], "cohort": cohort.pk}
    applied = partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")
    replayed = partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")
    assert applied.status_code == 201, applied.content
    assert (replayed.status_code, replayed.json()) == (201, applied.json())


def test_healthz_reports_the_broker_down_and_what_waits_for_it(client, broker_down):
    OutboxMessage.objects.create(task="mobility.tasks.outbox_relay")
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["outbox_unsent"] == 1 and broker["outbox_oldest_seconds"] >= 0


def test_relay_outbox_sends_what_waits_and_fails_without_a_traceback_while_the_broker_is_down(broker_down):
    row = OutboxMessage.objects.create(task="mobility.tasks.outbox_relay")
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=row.created_at - datetime.timedelta(minutes=1))
    with pytest.raises(CommandError, match="The broker did not answer .*1 tasks wait"):
        call_command("relay_outbox", stdout=io.StringIO())
    out = io.StringIO()
    with broker_at("memory://"):
        broker_messages()
        call_command("relay_outbox", stdout=out)
        assert broker_messages() == [("mobility.tasks.outbox_relay", [])]
    assert out.getvalue() == "Sent 1 tasks to the broker.\n"
    assert outbox_rows() == []


def test_a_message_refused_for_itself_never_holds_the_others_back():
    bad = OutboxMessage.objects.create(task="mobility.tasks.outbox_relay", options={"countdown": "soon"})
    good = OutboxMessage.objects.create(task="mobility.tasks.webhooks_sweep")
    with broker_at("memory://"):
        broker_messages()
        relayed = outbox_relay(older_than=ALL)
        assert broker_messages() == [("mobility.tasks.webhooks_sweep", [])]
    assert relayed.sent == [good.pk] and relayed.left == [bad.pk] and relayed.error == ""
    bad.refresh_from_db()
    assert bad.attempts == 1 and bad.last_error.startswith("TypeError")
