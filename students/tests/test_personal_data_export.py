"""Personal data of one student: the export (JSON and a printable page), its pages and who may reach them
(mobility/personal_data/services.py, mobility/personal_data/views.py)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from diplomas.models import Diploma
from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.personal_data.services import student_data_export, student_erase
from mobility.tests.support import make_api_key, make_user
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import CorrectionRequest, Student

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory
from .personal_data_support import EMAIL, HOME_ID, PASSPORT, PHONE, _student

pytestmark = pytest.mark.django_db


def test_the_export_holds_everything_about_the_student_and_no_password_hash(graduate, office_admin, cohort):
    enrollment = graduate.enrollments.get()
    WebhookDelivery.objects.create(
        endpoint=WebhookEndpoint.objects.create(institution=cohort.partner, url="https://x.cn/", secret="s"),
        event="enrollment.status_changed",
        event_id="00000000-0000-4000-8000-000000000001",
        payload={"data": {"student": {"id": graduate.pk, "home_student_id": HOME_ID}, "status": "completed"}},
    )
    other = StudentFactory(home_institution=cohort.partner)
    WebhookDelivery.objects.create(
        endpoint=WebhookEndpoint.objects.get(url="https://x.cn/"),
        event="enrollment.status_changed",
        event_id="00000000-0000-4000-8000-000000000002",
        payload={"data": {"student": {"id": other.pk, "home_student_id": other.home_student_id}}},
    )
    CorrectionRequest.objects.create(student=graduate, message="Birth date is 2004-05-18")

    data = student_data_export(student=graduate, by=office_admin)

    assert data["format"] == "mobility.personal-data/1"
    record = data["student"]
    assert record["passport_number"] == PASSPORT
    assert record["birth_date"] == "2004-05-17"
    assert record["passport_expires_on"] == "2032-01-09"
    assert (record["family_name_han"], record["given_name_latin"], record["email"]) == ("李", "Na", EMAIL)
    assert record["home_institution"]["code"] == "CQEVTC"
    assert record["erased_at"] is None
    user = data["account"]["user"]
    assert user["username"] == "lina" and user["email"] == EMAIL and user["last_login"] is None
    assert data["account"]["language"] == "zh-hans"
    assert data["account"]["invited_at"] == "2026-02-02T09:00:00+00:00"
    [exported] = data["enrollments"]
    assert exported["status"] == "completed" and exported["completed_on"] == "2026-12-01"
    assert exported["notes"] == "Scholarship holder"
    assert exported["results"][0]["module"]["code"] == "M1"
    assert exported["results"][0]["score"] == "80.00" and exported["results"][0]["passed"] is True
    assert exported["continuations"][0]["program_code"] == "15.03.06"
    [diploma] = exported["diplomas"]
    issued = Diploma.objects.get(enrollment=enrollment)
    assert diploma["number"] == issued.number and diploma["sha256"] == issued.sha256
    assert diploma["verification_url"].endswith(f"/verify/{issued.verification_code}/")
    diploma_actions = [entry["action"] for entry in exported["history"] if entry["object_type"] == "diplomas.diploma"]
    assert diploma_actions[0] == "diploma.request" and diploma_actions[-1] == "diploma.issue"
    assert [item["message"] for item in data["correction_requests"]] == ["Birth date is 2004-05-18"]
    assert [item["event_id"] for item in data["webhook_deliveries"]] == ["00000000-0000-4000-8000-000000000001"]
    assert data["webhook_deliveries"][0]["data"]["student"]["home_student_id"] == HOME_ID
    # What staff did to the record is in the audit log (passport values were never copied there).
    assert "student.change" not in {entry["action"] for entry in exported["history"]}
    text = json.dumps(data, ensure_ascii=False)
    password = get_user_model().objects.get(username="lina").password
    assert password and password not in text and "password" not in text


def test_enrollment_history_holds_the_entries_about_the_enrollment(left, office_admin):
    data = student_data_export(student=left, by=office_admin)
    [enrollment] = data["enrollments"]
    assert [entry["action"] for entry in enrollment["history"]] == ["enrollment.rejected"]
    assert all(entry["object_type"] == "students.enrollment" for entry in enrollment["history"])
    assert {entry["action"] for entry in data["audit_log"]} == {"student.change", "correction.create"}
    changes = [entry["changes"] for entry in data["audit_log"]]
    assert {"passport_number": ["***", "***"], "phone": [PHONE, PHONE + "9"]} in changes


def test_the_export_is_audited_without_its_data(left, office_admin):
    student_data_export(student=left, by=office_admin, fmt="html")
    entry = AuditEntry.objects.get(action="student.personal_data_export")
    assert entry.actor == office_admin and entry.object_id == str(left.pk)
    assert entry.changes == {"format": [None, "html"]}
    assert "Li" not in entry.object_repr and entry.reason == ""


def test_only_holders_of_the_sensitive_permission_may_export_or_erase(left, office):
    with pytest.raises(PermissionDenied):
        student_data_export(student=left, by=office)
    with pytest.raises(PermissionDenied):
        student_erase(student=left, by=office, reason="asked")
    with pytest.raises(PermissionDenied):
        student_data_export(student=left, by=left.user)
    assert not AuditEntry.objects.filter(action__in=["student.personal_data_export", "student.erase"]).exists()


def test_the_export_reads_a_fixed_number_of_queries(cohort, office_admin):
    def count(student):
        with CaptureQueriesContext(connection) as queries:
            student_data_export(student=student, by=office_admin)
        return len(queries)

    small = _student(cohort)
    EnrollmentFactory(student=small, cohort=cohort)
    big = _student(cohort, home_student_id="X2", email="x2@example.cn", user=make_user("x2"))
    for n in range(3):
        enrollment = EnrollmentFactory(student=big, cohort=CohortFactory(track=TrackFactory(), partner=cohort.partner))
        for m in range(3):
            ModuleResultFactory(enrollment=enrollment, module=ModuleFactory(track=enrollment.track, code=f"B{n}{m}"))
        services.enrollment_reject(enrollment=enrollment, by=office_admin, reason="no place")
    count(small)  # warms the content type cache
    assert count(big) == count(small) <= 12


def test_the_json_download_is_an_uncached_attachment(client, left, office_admin):
    client.force_login(office_admin)
    response = client.get(f"/students/{left.pk}/personal-data.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="student-{left.pk}-personal-data.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["student"]["passport_number"] == PASSPORT and data["student"]["family_name_han"] == "李"
    assert AuditEntry.objects.get(action="student.personal_data_export").changes == {"format": [None, "json"]}


def test_the_printable_page_shows_the_data_in_the_staffs_language(client, left, office_admin):
    client.force_login(office_admin)
    response = client.get(f"/students/{left.pk}/personal-data/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert '<html lang="ru">' in page
    assert "отклонено" in page and "Модуль" in page  # the enrollment's status and a heading, in Russian
    assert PASSPORT in page and EMAIL in page and "李娜" in page and "lina" in page
    assert "Li Na: Russian level too low" in page  # the enrollment's history
    assert AuditEntry.objects.get(action="student.personal_data_export").changes == {"format": [None, "html"]}


def test_the_staff_page_shows_the_panel_to_office_admin_only(client, left, office_admin, office):
    client.force_login(office)
    page = client.get(f"/students/{left.pk}/").content.decode()
    assert f"/students/{left.pk}/personal-data.json" not in page
    client.force_login(office_admin)
    page = client.get(f"/students/{left.pk}/").content.decode()
    assert f"/students/{left.pk}/personal-data.json" in page and f"/students/{left.pk}/erase/" in page


PAGES = [
    ("get", "personal-data.json"),
    ("get", "personal-data/"),
    ("get", "erase/"),
    ("post", "erase/"),
]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("partner-key", 302),
        ("student", 403),  # a GET is sent on to the portal (mobility.foundation.views.StaffRequiredMixin)
        ("outsider", 403),
        ("office", 403),
        ("office-admin", 200),
    ],
)
@pytest.mark.parametrize(("method", "page"), PAGES)
def test_permission_table(client, left, office_admin, office, role, expected, method, page):
    if role == "student":
        client.force_login(left.user)
    elif role == "outsider":
        client.force_login(make_user("outsider"))
    elif role == "office":
        client.force_login(office)
    elif role == "office-admin":
        client.force_login(office_admin)
    elif role == "partner-key":
        _key, plain = make_api_key(left.home_institution)
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {plain}"
    before = model_to_dict(Student.objects.get(pk=left.pk))
    # An empty reason: even office-admin's POST is a form with an error, and nothing is erased.
    response = getattr(client, method)(f"/students/{left.pk}/{page}", {"reason": ""} if method == "post" else {})
    if role == "student" and method == "get":
        assert (response.status_code, response["Location"]) == (302, "/portal/")
    else:
        assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    assert model_to_dict(Student.objects.get(pk=left.pk)) == before
    if expected != 200:
        assert not AuditEntry.objects.filter(action="student.personal_data_export").exists()


def test_a_student_the_staff_cannot_see_is_404(client, office_admin):
    client.force_login(office_admin)
    assert client.get("/students/999999/personal-data.json").status_code == 404
    assert client.get("/students/999999/erase/").status_code == 404


def test_the_export_holds_the_consents_and_the_transfers_of_the_students_data(client, left, office_admin):
    from mobility.foundation.transfers.services import transfer_record

    transfer_record(
        direction="to_russia",
        channel="api_write",
        institution_id=left.home_institution_id,
        categories=["names", "identity_document"],
        student_ids=[left.pk],
        reference="POST /api/v1/students/",
    )
    transfer_record(
        direction="to_partner", channel="webhook", institution_id=None, categories=["names"], student_ids=[left.pk + 1]
    )
    data = student_data_export(student=left, by=office_admin)
    [consent] = data["consents"]  # the factory's: attested by the college
    assert (consent["purpose"], consent["version"], consent["decision"], consent["given_by"]) == (
        "transfer_to_russia",
        1,
        "given",
        "college",
    )
    assert len(consent["text_sha256"]) == 64 and consent["current"] is True
    [transfer] = data["transfers"]  # only the one that carried her data
    assert (transfer["direction"], transfer["channel"], transfer["categories"]) == (
        "to_russia",
        "api_write",
        ["identity_document", "names"],
    )
    client.force_login(office_admin)
    page = client.get(f"/students/{left.pk}/personal-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "transfer from China to Russia" in page and "the partner college (attested)" in page
    assert "partner API, write" in page and "identity document (passport number and dates)" in page
