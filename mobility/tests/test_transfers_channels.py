"""Every channel that moves a student's personal data across the border writes one entry in the register of
transfers, in the transaction of what it records; the office's own work inside Russia writes none."""

from __future__ import annotations

import pytest
from django.db import transaction

from diplomas.tests.factories import DiplomaFactory
from mobility.foundation.access import OFFICE_ADMIN
from mobility.foundation.models import WebhookDelivery
from mobility.foundation.transfers.models import Transfer
from mobility.tests.partnership import partnership
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import CohortFactory, InstitutionFactory
from students.imports.roster import apply_roster
from students.models import Student
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory
from students.tests.roster_files import parse, person, rows_of, xlsx

from .webhook_support import emit, endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]

NEW = {
    "home_student_id": "2026000777",
    "family_name_han": "张",
    "given_name_han": "伟",
    "family_name_latin": "Zhang",
    "given_name_latin": "Wei",
    "email": "zhang.wei@example.cn",
}


def only(**filters) -> Transfer:
    (transfer,) = Transfer.objects.filter(**filters)
    return transfer


def subjects(transfer: Transfer) -> list[int]:
    return sorted(transfer.subjects.values_list("student_id", flat=True))


def test_partner_api_writes_are_recorded_with_the_categories_sent(college):
    _key, plain = make_api_key(college)
    partner = api_client(plain)
    response = partner.post("/api/v1/students/", NEW, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    created = only(channel="api_write")
    assert (created.direction, created.institution, created.subject_count) == ("to_russia", college, 1)
    assert created.categories == ["contact", "education", "names"]
    assert created.reference == f"POST /api/v1/students/ → 201 student {pk}"
    assert created.actor_label.startswith("api-key:") and subjects(created) == [pk]

    assert partner.patch(f"/api/v1/students/{pk}/", {"phone": "+86 1"}, format="json").status_code == 200
    updated = Transfer.objects.filter(channel="api_write").first()
    assert updated.categories == ["contact"] and updated.reference.startswith(f"PATCH /api/v1/students/{pk}/")

    cohort = CohortFactory(partner=college)
    applied = partner.post("/api/v1/enrollments/", {"student": pk, "cohort": cohort.pk}, format="json")
    assert applied.status_code == 201
    application = Transfer.objects.filter(channel="api_write").first()
    assert application.categories == ["education"] and subjects(application) == [pk]
    assert application.reference.endswith(f"→ 201 enrollment {applied.json()['id']}")

    # A refused write moved nothing into the university's records: nothing is recorded.
    before = Transfer.objects.count()
    assert partner.post("/api/v1/students/", {**NEW, "email": "x"}, format="json").status_code == 400
    assert Transfer.objects.count() == before


def test_the_office_writing_through_the_api_is_no_transfer(college, office_admin):
    staff = api_client(user=office_admin)
    body = {**NEW, "home_institution": college.pk}
    assert staff.post("/api/v1/students/", body, format="json").status_code == 201
    assert not Transfer.objects.exists()


def test_partner_reads_are_recorded_per_request_with_the_page_s_students(college, office_admin):
    students = StudentFactory.create_batch(3, home_institution=college)
    enrollment = EnrollmentFactory(student=students[0], cohort=CohortFactory(partner=college))
    ModuleResultFactory(enrollment=enrollment)
    StudentFactory(home_institution=InstitutionFactory())  # another college's: never in its page
    _key, plain = make_api_key(college)
    partner = api_client(plain)

    assert partner.get("/api/v1/students/", {"page_size": 2}).status_code == 200
    read = only(channel="api_read")
    assert (read.direction, read.institution, read.subject_count) == ("to_partner", college, 2)
    assert subjects(read) == sorted(s.pk for s in students[:2])
    assert set(read.categories) >= {"names", "education"} and "identity_document" not in read.categories
    assert read.reference == "GET /api/v1/students/ → 200"

    Transfer.objects.all().delete()
    for url in ("/api/v1/enrollments/", "/api/v1/results/", f"/api/v1/enrollments/{enrollment.pk}/progress/"):
        assert partner.get(url).status_code == 200
    assert [(t.categories, subjects(t)) for t in Transfer.objects.order_by("pk")] == [
        (["education"], [students[0].pk])
    ] * 3

    # The office reads inside Russia; an empty page carries nobody's data.
    Transfer.objects.all().delete()
    assert api_client(user=office_admin).get("/api/v1/students/").status_code == 200
    assert partner.get("/api/v1/students/", {"home_student_id": "none"}).status_code == 200
    assert not Transfer.objects.exists()


def test_diplomas_read_or_downloaded_by_a_partner_are_recorded(issued):
    college = issued.enrollment.student.home_institution
    _key, plain = make_api_key(college)
    partner = api_client(plain)
    student = issued.enrollment.student_id
    assert partner.get("/api/v1/diplomas/").status_code == 200
    assert partner.get(f"/api/v1/diplomas/{issued.pk}/pdf/").status_code == 200
    assert partner.get("/api/v1/diplomas/lookup/", {"number": issued.number}).status_code == 200
    listed, pdf, lookup = Transfer.objects.order_by("pk")
    assert "diploma" in listed.categories and subjects(listed) == [student]
    assert pdf.categories == ["diploma", "names"] and "/pdf/" in pdf.reference
    assert set(lookup.categories) >= {"diploma", "names"}


def test_a_delivered_webhook_is_recorded_a_failed_one_or_an_ids_only_one_is_not(receiver, committed, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_MAX_RETRIES = 0
    partner = InstitutionFactory()
    endpoint(partner, url=receiver.url)
    data = {"enrollment_id": 7, "student": {"id": 3, "home_student_id": "CQ-1"}, "status": "enrolled"}
    with committed(), transaction.atomic():
        (delivered,) = emit(partner, data=data)
    receiver.default = 500
    with committed(), transaction.atomic():
        (failed,) = emit(partner, data=data)
    receiver.default = 200
    withheld = {"enrollment_id": 7, "student": {"id": 3, "personal_data_withheld": True}}
    with committed(), transaction.atomic():
        (quiet,) = emit(partner, data=withheld)
    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert (statuses[delivered.pk], statuses[failed.pk], statuses[quiet.pk]) == ("delivered", "failed", "delivered")
    sent = only(channel="webhook")
    assert (sent.direction, sent.institution, sent.categories, subjects(sent)) == (
        "to_partner",
        partner,
        ["education"],
        [3],
    )
    assert f"delivery {delivered.pk}" in sent.reference and sent.actor_label == "system"


def _roster_without_passports():
    return [
        person(home_id, han, given, latin, given_latin, born="", **{"passport number": ""})
        for home_id, han, given, latin, given_latin in (
            ("2026001", "张", "伟", "Zhang", "Wei"),
            ("2026002", "李", "娜", "Li", "Na"),
        )
    ]


def test_a_roster_imported_by_the_office_is_one_transfer_of_all_its_students(college, office_admin):
    cohort_with_quota = CohortFactory(partner=college)
    apply_roster(parse(xlsx(rows_of(_roster_without_passports())), cohort_with_quota, office_admin), by=office_admin)
    imported = only(channel="import")
    ids = sorted(Student.objects.values_list("pk", flat=True))
    assert (imported.direction, imported.institution, subjects(imported)) == (
        "to_russia",
        cohort_with_quota.partner,
        ids,
    )
    assert imported.categories == ["contact", "education", "names"]
    assert "popova" in imported.actor_label


def test_the_partner_portal_s_nominations_uploads_and_downloads_are_recorded(
    client, django_capture_on_commit_callbacks
):
    from programs.tests.factories import AgreementQuotaFactory

    world = partnership()
    cohort = CohortFactory(host=world.host, partner=world.college_a, agreement=world.agreement_a)
    AgreementQuotaFactory(agreement=world.agreement_a, track=cohort.track, year=cohort.intake_year)
    coordinator = world.user("coordinator-a")
    client.force_login(coordinator)
    form = {"cohort": cohort.pk, "citizenship": "cn", **NEW, "home_student_id": "A-1"}
    assert client.post("/partner/nominate/", form).status_code == 302
    nominated = only(channel="partner_portal")
    student = Student.objects.get(home_student_id="A-1")
    assert (nominated.direction, nominated.institution, subjects(nominated)) == (
        "to_russia",
        world.college_a,
        [student.pk],
    )
    assert nominated.categories == ["contact", "education", "names"]

    rows = rows_of([person("A-2", "王", "芳", "Wang", "Fang", born="", **{"passport number": ""})])
    apply_roster(parse(xlsx(rows), cohort, coordinator), by=coordinator)
    uploaded = Transfer.objects.filter(channel="partner_portal").first()
    assert uploaded.direction == "to_russia" and uploaded.reference.startswith("roster")

    diploma = DiplomaFactory(enrollment=world.enrollment_a, status="issued")
    assert client.get(f"/partner/diplomas/{diploma.pk}/pdf/").status_code == 200
    downloaded = Transfer.objects.filter(channel="partner_portal").first()
    assert (downloaded.direction, downloaded.categories, subjects(downloaded)) == (
        "to_partner",
        ["diploma", "names"],
        [world.enrollment_a.student_id],
    )
    # The office downloading the same file stays inside Russia.
    before = Transfer.objects.count()
    client.force_login(make_user("head", OFFICE_ADMIN))
    client.get(f"/diplomas/{diploma.pk}/pdf/")
    assert Transfer.objects.count() == before
