"""Diplomas requested while the broker is down (decision 0017): the staff pages and the commands answer normally,
every request is kept in the outbox, nothing waits on the broker for long, and the relay sends each task once the
broker is back. The broker here is a closed local port (down) or kombu's in-process transport (back), never eager."""

from __future__ import annotations

import datetime
import io
import socket
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from diplomas.models import Diploma
from diplomas.tasks import CHUNK_SIZE
from mobility.foundation.models import OutboxMessage
from mobility.tests.support import broker_at, outbox_rows, relay_to_a_broker_that_is_back
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

S = Diploma.Status


def test_a_diploma_requested_while_the_broker_is_down_is_queued_and_sent_when_it_is_back(
    client, office, broker_down, django_capture_on_commit_callbacks
):
    enrollment = EnrollmentFactory(completed=True)
    client.force_login(office)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/enrollments/{enrollment.pk}/diploma/request/")
    waited = time.monotonic() - started
    assert response.status_code == 302
    assert waited < 3, f"the request took {waited:.1f} s"
    assert "Diploma requested: it is queued for rendering." in client.get(response.url).content.decode()
    diploma = enrollment.diplomas.get()
    assert diploma.status == S.REQUESTED
    assert outbox_rows() == [("diplomas.tasks.render_diploma", [diploma.pk])]
    row = OutboxMessage.objects.get()
    assert row.attempts == 1 and "OperationalError" in row.last_error

    # Pressed again: the same diploma, still waiting in the outbox, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/enrollments/{enrollment.pk}/diploma/request/", follow=True)
    assert again.status_code == 200 and "queued for rendering" in again.content.decode()
    assert enrollment.diplomas.count() == 1
    assert outbox_rows() == [("diplomas.tasks.render_diploma", [diploma.pk])]

    assert relay_to_a_broker_that_is_back() == [("diplomas.tasks.render_diploma", [diploma.pk])]


def test_a_cohort_requested_while_the_broker_is_down_is_queued_and_sent_once_when_it_is_back(
    client, office, broker_down, django_capture_on_commit_callbacks
):
    cohort = CohortFactory()
    for _ in range(CHUNK_SIZE + 2):
        EnrollmentFactory(completed=True, cohort=cohort)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cohorts/{cohort.pk}/diplomas/request/", follow=True)
    assert response.status_code == 200
    assert f"{CHUNK_SIZE + 2} diplomas requested: queued for rendering." in response.content.decode()
    ids = sorted(Diploma.objects.filter(enrollment__cohort=cohort, status=S.REQUESTED).values_list("pk", flat=True))
    assert len(ids) == CHUNK_SIZE + 2
    assert [task for task, _args in outbox_rows()] == ["diplomas.tasks.render_diplomas"] * 2

    messages = relay_to_a_broker_that_is_back()
    assert {task for task, _args in messages} == {"diplomas.tasks.render_diplomas"}
    assert sorted(pk for _task, (chunk,) in messages for pk in chunk) == ids  # each diploma sent once


def test_issue_diplomas_keeps_the_batch_and_says_so_while_the_broker_is_down(
    broker_down, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(code="BROKER-DOWN")
    for _ in range(3):
        EnrollmentFactory(completed=True, cohort=cohort)
    out, err = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_diplomas", "--cohort", "BROKER-DOWN", stdout=out, stderr=err)
    assert "3 diplomas requested for BROKER-DOWN, queued for rendering." in out.getvalue()
    assert "The task broker did not answer: 1 tasks wait in the outbox" in err.getvalue()
    assert Diploma.objects.filter(status=S.REQUESTED).count() == 3
    [(task, (chunk,))] = relay_to_a_broker_that_is_back()
    assert task == "diplomas.tasks.render_diplomas" and len(chunk) == 3


def test_sweep_diplomas_keeps_what_it_resends_while_the_broker_is_down(broker_down, django_capture_on_commit_callbacks):
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    Diploma.objects.filter(pk=diploma.pk).update(modified_at=timezone.now() - datetime.timedelta(hours=1))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_diplomas", stdout=out)
    assert f"Re-sent 1 diplomas. ids: [{diploma.pk}]" in out.getvalue()
    assert outbox_rows() == [("diplomas.tasks.render_diploma", [diploma.pk])]


def test_a_broker_that_accepts_connections_but_never_answers_does_not_hold_the_request(
    client, office, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_PUBLISH_TIMEOUT = 1.0
    first, second = EnrollmentFactory(completed=True), EnrollmentFactory(completed=True)
    client.force_login(office)
    with socket.socket() as silent:  # the kernel completes the handshake; nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        with broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(f"/enrollments/{first.pk}/diploma/request/")
            waited = time.monotonic() - started
            assert response.status_code == 302
            assert waited < 3, f"the request waited {waited:.1f} s for the broker"

            # Right after a failure the process leaves new tasks to the relay instead of waiting again.
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                client.post(f"/enrollments/{second.pk}/diploma/request/")
            assert time.monotonic() - started < 0.9
    assert {args[0] for _task, args in outbox_rows()} == {first.diplomas.get().pk, second.diplomas.get().pk}
