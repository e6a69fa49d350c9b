"""Webhooks: events of each kind reach the right partner's endpoints, each write reads the endpoints once, and the
payload says what the database says."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diplomas import services as diploma_services
from mobility.foundation.models import AuditEntry, WebhookDelivery
from mobility.foundation.webhooks import services
from mobility.foundation.webhooks.signing import signature_header
from programs.tests.factories import CohortFactory, InstitutionFactory, ModuleFactory
from students import services as student_services
from students.events import result_data
from students.models import ModuleResult
from students.services.results import ResultInput
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

from .webhook_support import E, endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_quick_webhooks")]


DAY = datetime.date(2026, 2, 2)


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
