"""Personal data of one student: the erasure of a student who has left (mobility/personal_data/services.py,
mobility/personal_data/views.py, docs/decisions/0013-erasing-a-student.md)."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.forms.models import model_to_dict

from diplomas import services as diploma_services
from diplomas.models import Diploma
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, WebhookDelivery
from mobility.personal_data import erasure as personal_data_erasure
from mobility.personal_data import related as personal_data_related
from mobility.personal_data import services as personal_data
from mobility.personal_data.services import ERASED, student_erase
from mobility.tests.support import api_client, make_api_key
from students import services
from students.models import Continuation, CorrectionRequest, Enrollment, ModuleResult, Student

from .factories import EnrollmentFactory, consent_attested
from .personal_data_support import EMAIL, HOME_ID, PASSPORT, PHONE, _student

pytestmark = pytest.mark.django_db


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
    consent_attested(graduate, "public_name", given_by="student", channel="portal")  # the page shows the names
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


def test_the_consents_stay_as_proof_without_the_address_they_were_given_from(left, office_admin):
    from students.consent.models import Consent
    from students.consent.selectors import current_text
    from students.consent.services import consent_decide

    consent_decide(
        student=left, text=current_text("public_name"), decision="given", by=left.user, language="zh", ip="203.0.113.7"
    )
    student_erase(student=left, by=office_admin, reason="Asked on 2027-03-01")
    rows = Consent.objects.filter(student=left)
    assert rows.count() == 2 and not rows.filter(ip__isnull=False).exists()
    assert rows.get(purpose="public_name").text_sha256 == current_text("public_name").digest("zh")
