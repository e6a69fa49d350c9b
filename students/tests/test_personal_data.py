"""Personal data of one student: the export (JSON and a printable page) and the erasure of a student who has left
(mobility/personal_data/services.py, mobility/personal_data/views.py, docs/decisions/0013-erasing-a-student.md)."""

import datetime
import json
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from mobility.foundation.audit import audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.personal_data import erasure as personal_data_erasure
from mobility.personal_data import related as personal_data_related
from mobility.personal_data import services as personal_data
from mobility.personal_data.services import ERASED, student_data_export, student_erase
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Continuation, CorrectionRequest, Enrollment, ModuleResult, Student

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db

PASSPORT = "E77665544"
EMAIL = "li.na@cq.example.cn"
PHONE = "+86 138 0000 1234"
HOME_ID = "CQ2026001"


@pytest.fixture
def hook(cohort):
    # Enrollment events only: the diploma's own events would be sent by the eager task in these tests.
    return WebhookEndpoint.objects.create(
        institution=cohort.partner,
        url="https://sis.cq.example.cn/hooks",
        events=["application.decided", "enrollment.status_changed"],
        secret="s",
    )


def _student(cohort, **fields) -> Student:
    """李娜 Li Na / Ли На with passport data, an e-mail, a phone and a user account of her own."""
    values = {
        "home_institution": cohort.partner,
        "home_student_id": HOME_ID,
        "home_specialty": "Machining",
        "family_name_han": "李",
        "given_name_han": "娜",
        "family_name_latin": "Li",
        "given_name_latin": "Na",
        "family_name_cyrillic": "Ли",
        "given_name_cyrillic": "На",
        "sex": Student.Sex.FEMALE,
        "email": EMAIL,
        "phone": PHONE,
        "passport_number": PASSPORT,
        "passport_issued_on": datetime.date(2022, 1, 10),
        "passport_expires_on": datetime.date(2032, 1, 9),
        "birth_date": datetime.date(2004, 5, 17),
        "language": "zh-hans",
        "invited_at": datetime.datetime(2026, 2, 2, 9, 0, tzinfo=datetime.UTC),
    }
    values.update(fields)
    if "user" not in values:
        values["user"] = make_user("lina", email=EMAIL, first_name="Na", last_name="Li")
    return StudentFactory(**values)


@pytest.fixture
def left(cohort, hook, office_admin):
    """Li Na, who applied and was rejected (with a reason naming her), with a result of an earlier attempt, a
    correction request and audited changes of her record: a student who has left, with no diploma."""
    student = _student(cohort)
    enrollment = EnrollmentFactory(student=student, cohort=cohort, notes=f"Call {PHONE} first")
    ModuleResultFactory(enrollment=enrollment, module=ModuleFactory(track=cohort.track, code="M1"))
    services.student_update(student=student, by=office_admin, data={"phone": PHONE + "9", "passport_number": "E1"})
    services.student_update(student=student, by=office_admin, data={"phone": PHONE, "passport_number": PASSPORT})
    services.enrollment_reject(enrollment=enrollment, by=office_admin, reason="Li Na: Russian level too low")
    request = CorrectionRequest.objects.create(student=student, message="My name is Li Na, passport E77665544")
    # As the portal files it (students.services.corrections): the student's own account is the actor.
    audit_record(actor=student.user, obj=request, action="correction.create", changes={"status": (None, "open")})
    student.refresh_from_db()
    return student


@pytest.fixture
def graduate(cohort, office_admin, django_capture_on_commit_callbacks):
    """Li Na, who completed the track and holds an issued diploma, plus a continuation."""
    student = _student(cohort)
    enrollment = EnrollmentFactory(completed=True, student=student, cohort=cohort, notes="Scholarship holder")
    ModuleResultFactory(enrollment=enrollment, module=ModuleFactory(track=cohort.track, code="M1"))
    Continuation.objects.create(
        enrollment=enrollment,
        university=cohort.host,
        program_code="15.03.06",
        program_name="Mechatronics and robotics",
        applied_on=datetime.date(2027, 1, 10),
    )
    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF),
        django_capture_on_commit_callbacks(execute=True),
    ):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=office_admin)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    student.refresh_from_db()
    return student


def _entries_text(student: Student, user_pk: int | None = None) -> str:
    """Every audit entry about the student's rows (or by their account), as one text to search."""
    related = personal_data_related._related(student)
    query = personal_data_related._audit_query(related)
    if user_pk is not None:
        from django.db.models import Q

        query |= Q(actor_id=user_pk)
    return json.dumps(
        [
            [entry.object_repr, entry.changes, entry.reason, entry.actor_label]
            for entry in AuditEntry.objects.filter(query).exclude(action="student.erase")
        ],
        ensure_ascii=False,
    )


# --- export --------------------------------------------------------------------------------------------------------


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


# --- the pages -----------------------------------------------------------------------------------------------------


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


# --- erasure -------------------------------------------------------------------------------------------------------


def _login(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": "pw"})


def test_erasure_without_an_issued_diploma_removes_the_names_too(client, left, office_admin):
    user_pk = left.user.pk
    assert _login(client, "lina").status_code == 302  # she can log in before
    assert Session.objects.count() == 1
    client.logout()
    _login(client, "lina")
    enrollment = left.enrollments.get()
    result = ModuleResult.objects.get(enrollment=enrollment)
    delivery = WebhookDelivery.objects.get(payload__data__student__id=left.pk, event="application.decided")
    assert delivery.payload["data"]["reason"] == "Li Na: Russian level too low"

    outcome = student_erase(student=left, by=office_admin, reason="The student asked for erasure on 2027-03-01")

    assert outcome.names_kept is False and outcome.account_deleted is True and outcome.already_erased is False
    student = Student.objects.get(pk=left.pk)
    assert student.erased_at is not None and left.erased_at == student.erased_at
    # What goes, field by field.
    assert (student.family_name_latin, student.given_name_latin) == ("Erased", f"#{student.pk}")
    assert student.family_name_han == student.given_name_han == ""
    assert student.family_name_cyrillic == student.given_name_cyrillic == ""
    assert student.home_student_id == f"erased-{student.pk}"
    assert student.passport_number == "" and student.passport_issued_on is None and student.passport_expires_on is None
    assert student.birth_date is None and student.sex == "" and student.home_specialty == ""
    assert student.email == "" and student.phone == "" and student.language == "" and student.invited_at is None
    assert student.user is None and not get_user_model().objects.filter(pk=user_pk).exists()
    # What stays: the institution, citizenship, the enrollment with its dates and status, the result.
    assert student.home_institution_id == left.home_institution_id and student.citizenship == "CN"
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.REJECTED and enrollment.closed_on is not None
    assert enrollment.notes == "" and enrollment.status_reason == ERASED
    assert ModuleResult.objects.get(pk=result.pk).grade == result.grade
    assert CorrectionRequest.objects.get(student=student).message == ERASED
    # The audit log keeps who did what, without her data.
    text = _entries_text(student, user_pk)
    for secret in (PASSPORT, EMAIL, PHONE, "Li Na", "李娜", "Ли На", "Russian level", HOME_ID):
        assert secret not in text, secret
    assert AuditEntry.objects.filter(action="enrollment.rejected", object_id=str(enrollment.pk)).exists()
    filed = AuditEntry.objects.get(action="correction.create")
    assert (filed.actor, filed.actor_label) == (None, f"erased-{student.pk}")
    assert filed.object_repr == f"Erased #{student.pk} · open"
    assert not AuditEntry.objects.filter(actor_label="lina").exists()
    # The partner's delivery log too.
    delivery.refresh_from_db()
    assert delivery.payload["data"]["student"] == {"id": student.pk, "home_student_id": f"erased-{student.pk}"}
    assert delivery.payload["data"]["reason"] == ERASED
    # Her session is gone and she cannot log in again.
    assert Session.objects.count() == 0
    assert _login(client, "lina").status_code == 200
    assert client.get("/portal/").status_code in (302, 404)


def test_known_values_are_replaced_as_whole_words_and_han_names_anywhere(left):
    strings = personal_data_erasure._personal_strings(left, left.user, names=True)
    text = "lina (Li Na, li.na@cq.example.cn): 学生李娜的护照; discipline, Linares, Li Nan, Ли На"
    assert personal_data_erasure._scrub_text(text, strings) == (
        f"erased-{left.pk} (Erased #{left.pk}, [erased]): 学生Erased #{left.pk}的护照; discipline, Linares, Li Nan, "
        f"Erased #{left.pk}"
    )


def test_the_erasure_entry_names_who_and_why_and_no_personal_data(left, office_admin):
    student_erase(student=left, by=office_admin, reason="Request of 2027-03-01")
    entry = AuditEntry.objects.get(action="student.erase")
    assert entry.actor == office_admin and entry.object_id == str(left.pk)
    assert entry.reason == "Request of 2027-03-01" and entry.object_repr == f"student #{left.pk}"
    assert set(entry.changes) == {"erased_at", "names_kept", "account_deleted"}
    assert entry.changes["names_kept"] == [None, False] and entry.changes["account_deleted"] == [None, True]


def test_erasure_with_an_issued_diploma_keeps_it_verifiable(client, graduate, office_admin, empty_cache):
    diploma = Diploma.objects.get(enrollment__student=graduate)
    pdf_name = diploma.pdf.name

    outcome = student_erase(student=graduate, by=office_admin, reason="Left in 2027; asked for erasure")

    assert outcome.names_kept is True
    student = Student.objects.get(pk=graduate.pk)
    names = ("李", "娜", "Li", "Na", "Ли", "На")
    assert tuple(getattr(student, name) for name in personal_data.NAME_FIELDS) == names
    assert student.passport_number == "" and student.birth_date is None and student.email == ""
    assert student.phone == "" and student.sex == "" and student.home_student_id == f"erased-{student.pk}"
    assert student.user is None
    enrollment = student.enrollments.get()
    assert enrollment.completed_on == datetime.date(2026, 12, 1) and enrollment.notes == ""
    assert Continuation.objects.filter(enrollment=enrollment).count() == 1
    kept = Diploma.objects.get(pk=diploma.pk)
    assert (kept.status, kept.number, kept.sha256, kept.issued_at) == (
        Diploma.Status.ISSUED,
        diploma.number,
        diploma.sha256,
        diploma.issued_at,
    )
    assert kept.pdf.name == pdf_name and kept.pdf.storage.exists(pdf_name)

    page = client.get(f"/verify/{diploma.verification_code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert diploma.number in text and "Li Na" in text and "李娜" in text and "Ли На" in text
    assert diploma.sha256 in text and enrollment.track.name_en in text and "verification-status" in text
    assert PASSPORT not in text and EMAIL not in text


def test_a_revoked_diplomas_pdf_goes_when_no_diploma_is_kept(
    graduate, office_admin, django_capture_on_commit_callbacks
):
    diploma = Diploma.objects.get(enrollment__student=graduate)
    diploma_services.diploma_revoke(diploma=diploma, by=office_admin, reason="Issued by mistake")
    diploma.refresh_from_db()
    name, storage = diploma.pdf.name, diploma.pdf.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = student_erase(student=graduate, by=office_admin, reason="asked")
    assert outcome.names_kept is False
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.REVOKED and diploma.number and diploma.sha256
    assert diploma.pdf.name == "" and not storage.exists(name)
    assert Student.objects.get(pk=graduate.pk).family_name_latin == "Erased"


@pytest.mark.parametrize("status", ["applied", "admitted", "enrolled"])
def test_erasure_is_refused_while_an_enrollment_is_active_and_nothing_changes(cohort, office_admin, status):
    student = _student(cohort)
    EnrollmentFactory(student=student, cohort=cohort, status=status)
    before = model_to_dict(Student.objects.get(pk=student.pk))
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        student_erase(student=student, by=office_admin, reason="asked")
    assert refused.value.code == "erasure_refused" and "MECH26" in refused.value.message
    assert model_to_dict(Student.objects.get(pk=student.pk)) == before
    assert get_user_model().objects.filter(username="lina").exists()
    assert AuditEntry.objects.count() == entries


def test_erasure_is_refused_while_a_diploma_is_rendering(cohort, office_admin):
    student = _student(cohort)
    Diploma.objects.create(enrollment=EnrollmentFactory(completed=True, student=student, cohort=cohort))
    with pytest.raises(DomainError, match="rendered"):
        student_erase(student=student, by=office_admin, reason="asked")
    assert Student.objects.get(pk=student.pk).erased_at is None


def test_the_form_shows_the_refusal_and_changes_nothing(client, cohort, office_admin):
    student = _student(cohort)
    EnrollmentFactory(student=student, cohort=cohort)
    client.force_login(office_admin)
    page = client.get(f"/students/{student.pk}/erase/").content.decode()
    assert "erase-blocker" in page and "MECH26" in page and "disabled" in page
    response = client.post(f"/students/{student.pk}/erase/", {"reason": "asked"})
    assert response.status_code == 200
    assert "The student has not left" in response.content.decode()
    assert Student.objects.get(pk=student.pk).erased_at is None
    response = client.post(f"/students/{student.pk}/erase/", {"reason": "  "})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not AuditEntry.objects.filter(action="student.erase").exists()


def test_a_reason_is_required_by_the_service_too(left, office_admin):
    with pytest.raises(DomainError) as refused:
        student_erase(student=left, by=office_admin, reason=" ")
    assert refused.value.field == "reason"
    assert Student.objects.get(pk=left.pk).erased_at is None


def test_the_confirmation_page_says_what_stays_and_what_goes(client, graduate, cohort, office_admin):
    client.force_login(office_admin)
    page = client.get(f"/students/{graduate.pk}/erase/").content.decode()
    assert "an issued diploma shows them" in page and Diploma.objects.get().number in page
    assert "passport data and birth date" in page and "placeholders" not in page
    never_enrolled = _student(cohort, home_student_id="X9", email="x9@example.cn", user=None)
    page = client.get(f"/students/{never_enrolled.pk}/erase/").content.decode()
    assert "replaced by placeholders" in page and "an issued diploma shows them" not in page


def test_erasing_through_the_page_then_the_student_page_says_so(client, left, office_admin):
    client.force_login(office_admin)
    response = client.post(f"/students/{left.pk}/erase/", {"reason": "Request of 2027-03-01"})
    assert response.status_code == 302 and response["Location"] == f"/students/{left.pk}/"
    page = client.get(f"/students/{left.pk}/").content.decode()
    assert "Personal data erased" in page and PASSPORT not in page and EMAIL not in page
    assert f"/students/{left.pk}/erase/" not in page
    # The erased record still exports: what is left, and when it was erased.
    data = json.loads(client.get(f"/students/{left.pk}/personal-data.json").content)
    assert data["student"]["erased_at"] and data["account"]["user"] is None


def test_a_second_erasure_changes_nothing(left, office_admin):
    first = student_erase(student=left, by=office_admin, reason="asked")
    erased = model_to_dict(Student.objects.get(pk=left.pk))
    entries = list(AuditEntry.objects.values_list("pk", "changes", "object_repr", "reason"))
    again = student_erase(student=Student.objects.get(pk=left.pk), by=office_admin, reason="asked again")
    assert again.already_erased is True and again.names_kept is False
    assert again.student.erased_at == first.student.erased_at
    assert model_to_dict(Student.objects.get(pk=left.pk)) == erased
    assert list(AuditEntry.objects.values_list("pk", "changes", "object_repr", "reason")) == entries


def test_partners_see_the_anonymised_row(left, office_admin):
    _key, plain = make_api_key(left.home_institution, scopes=["read"])
    student_erase(student=left, by=office_admin, reason="asked")
    response = api_client(plain).get(f"/api/v1/students/{left.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["home_student_id"] == f"erased-{left.pk}" and body["family_name_latin"] == "Erased"
    assert body.get("email", "") == "" and body.get("passport_number", "") in ("", None)
    assert PASSPORT not in response.content.decode() and "Li" not in body["given_name_latin"]


def test_an_erased_record_is_closed_to_changes_applications_and_new_diplomas(client, left, cohort, office_admin):
    student_erase(student=left, by=office_admin, reason="asked")
    erased = Student.objects.get(pk=left.pk)
    before = model_to_dict(erased)
    with pytest.raises(DomainError) as refused:
        services.student_update(student=erased, by=office_admin, data={"phone": "+86 1"})
    assert refused.value.code == "student_erased"
    with pytest.raises(DomainError) as refused:
        services.enrollment_apply(student=erased, cohort=cohort, by=office_admin)
    assert refused.value.code == "student_erased"
    assert model_to_dict(Student.objects.get(pk=left.pk)) == before
    assert not Enrollment.objects.filter(student=erased).exclude(status=Enrollment.Status.REJECTED).exists()
    # The staff page offers neither editing nor a new application.
    client.force_login(office_admin)
    page = client.get(f"/students/{left.pk}/").content.decode()
    assert f"/students/{left.pk}/edit/" not in page and f"/students/{left.pk}/apply/" not in page


def test_an_erased_student_gets_no_new_diploma(cohort, office_admin):
    enrollment = EnrollmentFactory(completed=True, student=_student(cohort), cohort=cohort)
    other = EnrollmentFactory(completed=True, cohort=cohort)
    student_erase(student=enrollment.student, by=office_admin, reason="asked")
    enrollment.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        diploma_services.diploma_request(enrollment=enrollment, requested_by=office_admin)
    assert refused.value.code == "student_erased"
    batch = diploma_services.diplomas_request_for_cohort(cohort=cohort, requested_by=office_admin)
    assert list(batch.diplomas.values_list("enrollment_id", flat=True)) == [other.pk]


def test_a_changed_email_becomes_the_accounts_email_and_user_name(cohort, office_admin):
    student = _student(cohort)
    user = get_user_model().objects.create_user(username=student.email.lower(), email=student.email)
    Student.objects.filter(pk=student.pk).update(user=user)
    student.refresh_from_db()
    services.student_update(student=student, by=office_admin, data={"email": "Li.Na@Example.cn"})
    user.refresh_from_db()
    assert (user.username, user.email) == ("li.na@example.cn", "Li.Na@example.cn")
