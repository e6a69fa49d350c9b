"""The partner API and the transfer consent (issue 18): passport data and the birth date only with the college's
attestation (``transfer_consent``) or a consent the student holds; refused with a 400 naming the field, nothing
written."""

import datetime

import pytest
from django.utils import timezone

from mobility.foundation.models import AuditEntry
from mobility.tests.support import api_client, make_api_key
from students.consent.models import SENSITIVE_PURPOSE, Consent
from students.models import Student

from .factories import StudentFactory, consent_attested, consent_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]

NEW = {
    "home_student_id": "2026000888",
    "family_name_han": "王",
    "given_name_han": "芳",
    "family_name_latin": "Wang",
    "given_name_latin": "Fang",
    "email": "wang.fang@example.cn",
}
SENSITIVE = {"passport_number": "E55555555", "birth_date": "2005-06-07"}


@pytest.fixture
def partner(college):
    consent_text()
    _key, plain = make_api_key(college)
    return api_client(plain)


def _attestation(**overrides):
    return {"version": 1, "collected_on": "2026-01-15", **overrides}


def test_passport_data_without_the_consent_are_a_400_naming_transfer_consent_and_nothing_is_written(partner):
    before = AuditEntry.objects.count()
    response = partner.post("/api/v1/students/", {**NEW, **SENSITIVE}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "consent_required"
    assert list(body["fields"]) == ["transfer_consent"]
    assert "consent to the transfer" in body["fields"]["transfer_consent"][0]
    assert body["details"] == {"missing_consent": SENSITIVE_PURPOSE, "fields": ["birth_date", "passport_number"]}
    assert not Student.objects.filter(home_student_id=NEW["home_student_id"]).exists()
    assert not Consent.objects.exists() and AuditEntry.objects.count() == before


def test_without_sensitive_fields_no_attestation_is_needed(partner):
    response = partner.post("/api/v1/students/", NEW, format="json")
    assert response.status_code == 201, response.json()


def test_with_the_attestation_the_data_and_the_consent_are_recorded_with_channel_api(partner, college):
    body = {**NEW, **SENSITIVE, "transfer_consent": _attestation()}
    response = partner.post("/api/v1/students/", body, format="json")
    assert response.status_code == 201, response.json()
    student = Student.objects.get(pk=response.json()["id"])
    assert student.passport_number == "E55555555"
    consent = Consent.objects.get(student=student, current=True)
    assert (consent.purpose, consent.decision, consent.given_by, consent.channel) == (
        SENSITIVE_PURPOSE,
        Consent.Decision.GIVEN,
        Consent.GivenBy.COLLEGE,
        Consent.Channel.API,
    )
    assert consent.collected_on == datetime.date(2026, 1, 15) and consent.text.version == 1


@pytest.mark.parametrize(
    ("attestation", "code"),
    [({"version": 99}, "consent_version"), ({"collected_on": "FUTURE"}, "consent_date")],
)
def test_a_wrong_version_or_a_future_date_is_a_400_on_transfer_consent(partner, attestation, code):
    if attestation.get("collected_on") == "FUTURE":
        attestation = {"collected_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}
    body = {**NEW, **SENSITIVE, "transfer_consent": _attestation(**attestation)}
    response = partner.post("/api/v1/students/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code and list(response.json()["fields"]) == ["transfer_consent"]
    assert not Student.objects.filter(home_student_id=NEW["home_student_id"]).exists()


@pytest.mark.parametrize("value", [{"version": "1", "collected_on": "2026-01-15"}, {"version": 1}, "yes"])
def test_a_malformed_attestation_is_a_validation_error_on_its_field(partner, value):
    response = partner.post("/api/v1/students/", {**NEW, **SENSITIVE, "transfer_consent": value}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert any(name.startswith("transfer_consent") for name in body["fields"])


def test_an_update_of_passport_data_needs_the_consent_unless_the_student_holds_it(partner, college):
    student = StudentFactory(home_institution=college, passport_number="", birth_date=None)
    url = f"/api/v1/students/{student.pk}/"
    refused = partner.patch(url, {"passport_number": "E12121212"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "consent_required"
    student.refresh_from_db()
    assert student.passport_number == "" and not Consent.objects.filter(student=student).exists()
    attested = partner.patch(url, {"passport_number": "E12121212", "transfer_consent": _attestation()}, format="json")
    assert attested.status_code == 200, attested.json()
    # Held from now on: the next change needs no attestation.
    again = partner.patch(url, {"birth_date": "2005-01-02"}, format="json")
    assert again.status_code == 200, again.json()


def test_a_consent_the_student_holds_is_enough(partner, college):
    student = StudentFactory(home_institution=college, passport_number="", birth_date=None)
    consent_attested(student, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL)
    response = partner.patch(f"/api/v1/students/{student.pk}/", {"passport_number": "E34343434"}, format="json")
    assert response.status_code == 200, response.json()


def test_the_schema_documents_the_write_only_attestation(partner):
    schema = partner.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    nested = components["TransferConsentRequest"]
    assert set(nested["required"]) == {"version", "collected_on"}
    assert nested["properties"]["collected_on"]["format"] == "date"
    assert all(nested["properties"][name].get("description") for name in ("version", "collected_on"))
    assert "transfer_consent" in components["StudentRequest"]["properties"]
    assert "transfer_consent" in components["PatchedStudentRequest"]["properties"]
    assert "transfer_consent" not in components["Student"]["properties"]


def test_a_patch_with_half_an_attestation_is_a_400_not_a_server_error(partner, college):
    student = StudentFactory(home_institution=college, passport_number="", birth_date=None)
    body = {"birth_date": "2000-01-01", "transfer_consent": {"collected_on": "2000-01-01"}}
    response = partner.patch(f"/api/v1/students/{student.pk}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["fields"]) == ["transfer_consent"]
    student.refresh_from_db()
    assert student.birth_date is None
