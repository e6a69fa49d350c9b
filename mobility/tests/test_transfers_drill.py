"""The drill of issue 18: 100 students written through the partner API, their applications, then results recorded
so that webhooks go to the college's endpoint (a real receiver on 127.0.0.1, some answers failing). The register
lists exactly every API write and every delivery the partner accepted, with the right students and categories, and
its export for the regulator holds them all.
Each student comes with passport data and a birth date, and the college's attestation of the transfer consent
(``transfer_consent``): the register names those categories, and each student holds the consent afterwards."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from mobility.foundation.models import WebhookDelivery
from mobility.foundation.transfers.models import Transfer
from mobility.tests.support import api_client, make_api_key
from programs.tests.factories import CohortFactory, ModuleFactory
from students import services
from students.consent.models import SENSITIVE_PURPOSE
from students.consent.selectors import students_holding
from students.models import Enrollment, Student

from .webhook_support import endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]

COUNT = 100
FAILING = 7  # the receiver answers 500 to this many deliveries: they are no transfer


def subjects(transfer: Transfer) -> list[int]:
    return sorted(transfer.subjects.values_list("student_id", flat=True))


def test_the_register_lists_every_api_write_and_every_delivered_webhook_of_100_students(
    college, office_admin, receiver, committed, settings, client
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_RETRIES = 0  # a failed answer is final here: the register must not list it
    _key, plain = make_api_key(college)
    partner = api_client(plain)
    cohort = CohortFactory(partner=college, capacity=COUNT)
    module = ModuleFactory(track=cohort.track)
    endpoint(college, url=receiver.url, events=["result.recorded"])

    created, applied = [], []
    for n in range(COUNT):
        body = {
            "home_student_id": f"DRILL-{n:03d}",
            "family_name_han": "张",
            "given_name_han": "伟",
            "family_name_latin": "Zhang",
            "given_name_latin": f"Wei{chr(97 + n % 26)}",
            "email": f"drill{n}@example.cn",
            "passport_number": f"E{n:08d}",
            "birth_date": "2005-03-01",
            "transfer_consent": {"version": 1, "collected_on": "2026-09-01"},
        }
        response = partner.post("/api/v1/students/", body, format="json")
        assert response.status_code == 201, response.json()
        created.append(response.json()["id"])
        response = partner.post("/api/v1/enrollments/", {"student": created[-1], "cohort": cohort.pk}, format="json")
        assert response.status_code == 201, response.json()
        applied.append(response.json()["id"])

    receiver.script = [200] * 10 + [500] * FAILING  # the 11th to the 17th deliveries fail
    for enrollment in Enrollment.objects.filter(pk__in=applied).select_related("student", "cohort"):
        enrollment = services.enrollment_admit(enrollment=enrollment, by=office_admin)
        enrollment = services.enrollment_enroll(enrollment=enrollment, by=office_admin)
        with committed():
            services.result_record(
                enrollment=enrollment,
                module=module,
                by=office_admin,
                assessed_on=timezone.localdate(),
                grade="5",
            )

    # Every API write: one entry each, the student it wrote, the categories of the fields it sent.
    writes = list(Transfer.objects.filter(channel="api_write").order_by("pk"))
    assert len(writes) == 2 * COUNT
    assert all((t.direction, t.institution_id, t.subject_count) == ("to_russia", college.pk, 1) for t in writes)
    students, applications = writes[0::2], writes[1::2]
    assert [subjects(t) for t in students] == [[pk] for pk in created]
    assert {tuple(t.categories) for t in students} == {
        ("birth_date", "contact", "education", "identity_document", "names")
    }
    holding = students_holding(SENSITIVE_PURPOSE, created)
    assert holding == set(created)  # every write's attestation is recorded
    assert [subjects(t) for t in applications] == [[pk] for pk in created]
    assert {tuple(t.categories) for t in applications} == {("education",)}
    assert [t.reference.rsplit(" ", 1)[-1] for t in applications] == [str(pk) for pk in applied]

    # Every delivery the partner accepted, and none that failed.
    deliveries = WebhookDelivery.objects.filter(endpoint__institution=college)
    delivered = {d.pk: d.payload["data"]["student"]["id"] for d in deliveries.filter(status="delivered")}
    assert len(delivered) == COUNT - FAILING
    assert deliveries.filter(status="failed").count() == FAILING
    hooks = list(Transfer.objects.filter(channel="webhook"))
    assert len(hooks) == len(delivered)
    by_delivery = {int(t.reference.split("delivery ")[1].split(" ")[0]): t for t in hooks}
    assert by_delivery.keys() == delivered.keys()
    for pk, student in delivered.items():
        transfer = by_delivery[pk]
        assert (transfer.direction, transfer.institution_id, transfer.categories) == (
            "to_partner",
            college.pk,
            ["education"],
        )
        assert subjects(transfer) == [student]
    assert set(delivered.values()) <= set(Student.objects.values_list("pk", flat=True))
    assert Transfer.objects.count() == 2 * COUNT + COUNT - FAILING  # nothing else was recorded

    # The export for the regulator holds them all, with the students' ids.
    client.force_login(office_admin)
    response = client.get("/privacy/transfers/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[1:]
    assert len(rows) == Transfer.objects.count()
    assert sorted((row[-1], row[6]) for row in rows) == sorted(
        [("api_write", str(pk)) for pk in created] * 2 + [("webhook", str(s)) for s in delivered.values()]
    )
    sheet = load_workbook(io.BytesIO(client.get("/privacy/transfers/export.xlsx?channel=webhook").content)).active
    assert sheet.max_row - 1 == len(delivered)
