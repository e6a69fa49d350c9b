"""The office's student form and the transfer consent (issue 18): an office-admin entering passport data or a birth
date for a student who holds no consent to their transfer attests the student's signed paper consent (version and
date), recorded as given by the office through the staff channel; without it the form shows the error on those
fields, in the user's language, and nothing is written."""

import datetime

import pytest

from mobility.foundation.models import AuditEntry
from students.consent.models import Consent

from .factories import StudentFactory
from .test_views_student import _form_data

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PAPER = {"transfer_consent": "1", "transfer_consent_on": "2026-02-03"}


@pytest.fixture
def wang(cohort):
    """A student without passport data, a birth date or any consent."""
    return StudentFactory(home_institution=cohort.partner, passport_number="", birth_date=None)


def test_the_form_offers_the_attestation_to_an_office_admin(office_admin_client, wang):
    form = office_admin_client.get(f"/students/{wang.pk}/edit/").context["form"]
    assert form["transfer_consent"].value() == 1
    assert "signed paper consent" in str(form.consent_statement)


def test_the_form_offers_no_attestation_without_the_sensitive_fields(office_client, wang):
    page = office_client.get(f"/students/{wang.pk}/edit/")
    assert "transfer_consent" not in page.context["form"].fields


def test_passport_data_without_the_attestation_are_refused_on_its_fields(office_admin_client, wang):
    body = _form_data(wang, passport_number="E10101010", transfer_consent="1")
    response = office_admin_client.post(f"/students/{wang.pk}/edit/", body)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["transfer_consent_on"]
    assert "only with the student's consent to their transfer" in errors["transfer_consent_on"][0]
    wang.refresh_from_db()
    assert wang.passport_number == "" and not Consent.objects.exists()
    assert not AuditEntry.objects.filter(action="student.change").exists()


def test_the_error_is_in_the_users_language(office_admin_client, wang):
    office_admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    response = office_admin_client.post(f"/students/{wang.pk}/edit/", _form_data(wang, birth_date="2004-01-02"))
    assert "укажите день, когда оно получено" in response.context["form"].errors["transfer_consent_on"][0]


def test_a_future_date_is_refused(office_admin_client, wang):
    body = _form_data(wang, passport_number="E10101010", **PAPER) | {"transfer_consent_on": "2099-01-01"}
    response = office_admin_client.post(f"/students/{wang.pk}/edit/", body)
    assert "in the future" in response.context["form"].errors["transfer_consent_on"][0]
    wang.refresh_from_db()
    assert wang.passport_number == ""


def test_with_the_attestation_the_data_and_the_offices_consent_are_recorded(office_admin_client, office_admin, wang):
    response = office_admin_client.post(
        f"/students/{wang.pk}/edit/", _form_data(wang, passport_number="E10101010", **PAPER)
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.passport_number == "E10101010"
    consent = Consent.objects.get(student=wang, current=True)
    assert (consent.given_by, consent.channel, consent.collected_on, consent.actor) == (
        Consent.GivenBy.OFFICE,
        Consent.Channel.STAFF,
        datetime.date(2026, 2, 3),
        office_admin,
    )


def test_a_student_holding_the_consent_needs_no_attestation(office_admin_client, li):
    body = _form_data(li, passport_number="E20202020") | {"transfer_consent_on": ""}
    assert office_admin_client.post(f"/students/{li.pk}/edit/", body).status_code == 302
    li.refresh_from_db()
    assert li.passport_number == "E20202020"


def test_a_new_student_with_a_birth_date_needs_it_too(office_admin_client, cohort):
    from students.models import Student

    data = {
        **_form_data(Student(home_institution=cohort.partner, citizenship="CN", sex="F")),
        "family_name_latin": "Zhou",
        "given_name_latin": "Min",
        "home_student_id": "CQ-NEW-9",
        "birth_date": "2004-01-02",
    }
    refused = office_admin_client.post("/students/new/", data)
    assert refused.status_code == 200 and "transfer_consent_on" in refused.context["form"].errors
    assert not Student.objects.filter(home_student_id="CQ-NEW-9").exists()
    assert office_admin_client.post("/students/new/", {**data, **PAPER}).status_code == 302
    student = Student.objects.get(home_student_id="CQ-NEW-9")
    assert Consent.objects.get(student=student).channel == Consent.Channel.STAFF
