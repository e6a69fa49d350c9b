"""The consent core: texts versioned and frozen once published, decisions recorded with what was shown, the
college's attestation, what a withdrawal erases, and passport data refused without the transfer consent."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import InstitutionFactory
from students import services
from students.consent import selectors
from students.consent.models import Consent, ConsentText, Purpose
from students.consent.services import (
    Attestation,
    consent_attest,
    consent_decide,
    consent_text_draft,
    consent_text_publish,
    consent_text_update,
)
from students.models import Student

from .factories import StudentFactory, consent_attested

pytestmark = pytest.mark.django_db

G, D, W = Consent.Decision.GIVEN, Consent.Decision.DECLINED, Consent.Decision.WITHDRAWN


def test_the_migrations_publish_a_first_version_of_every_purpose_in_three_languages():
    texts = selectors.current_texts()
    assert set(texts) == set(Purpose.values)
    for text in texts.values():
        assert text.version == 1 and text.is_published
        assert all(getattr(text, f"{part}_{lang}") for part in ("title", "body") for lang in ("ru", "en", "zh"))
        text.full_clean()
    assert "STANKIN" in texts[Purpose.TRANSFER_TO_RUSSIA].recipient
    assert "identity_document" in texts[Purpose.TRANSFER_TO_RUSSIA].categories


def test_a_published_text_never_changes_a_draft_does(office_admin):
    current = selectors.current_text(Purpose.PUBLIC_NAME)
    current.body_en = "Changed."
    with pytest.raises(ValidationError):
        current.save()
    with pytest.raises(DomainError):
        consent_text_update(text=current, by=office_admin, data={"body_en": "Changed."})
    draft = consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin)
    assert (draft.version, draft.is_published, draft.body_en) == (
        2,
        False,
        current.__class__.objects.get(pk=current.pk).body_en,
    )
    assert consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin) == draft  # one draft at a time
    consent_text_update(text=draft, by=office_admin, data={"body_en": "Version two."})
    assert selectors.current_text(Purpose.PUBLIC_NAME).version == 1  # a draft is not in use
    consent_text_publish(text=draft, by=office_admin)
    assert selectors.current_text(Purpose.PUBLIC_NAME).body_en == "Version two."
    assert AuditEntry.objects.filter(action="consent_text.publish", object_id=str(draft.pk)).exists()


def test_a_transfer_text_without_recipient_is_not_published(office_admin):
    draft = consent_text_draft(purpose=Purpose.TRANSFER_TO_RUSSIA, by=office_admin)
    consent_text_update(text=draft, by=office_admin, data={"recipient": ""})
    with pytest.raises(DomainError) as refused:
        consent_text_publish(text=draft, by=office_admin)
    assert refused.value.field == "recipient"
    assert not ConsentText.objects.get(pk=draft.pk).is_published


def test_the_student_answers_each_purpose_and_is_asked_again_on_a_new_version(office_admin):
    student = StudentFactory(transfer_consent=False)
    assert [t.purpose for t in selectors.consents_due(student)] == Purpose.values
    for text in selectors.current_texts().values():
        consent_decide(student=student, text=text, decision=G, by=None, language="zh-hans", ip="203.0.113.9")
    assert selectors.consents_due(student) == []
    recorded = Consent.objects.get(student=student, purpose=Purpose.PUBLIC_NAME)
    text = recorded.text
    assert (recorded.language, recorded.ip, recorded.channel, recorded.given_by) == (
        "zh",
        "203.0.113.9",
        "portal",
        "student",
    )
    assert recorded.text_sha256 == text.digest("zh") != text.digest("ru")
    draft = consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin)
    consent_text_publish(text=draft, by=office_admin)
    assert [t.pk for t in selectors.consents_due(student)] == [draft.pk]
    assert selectors.consent_holds(student, Purpose.PUBLIC_NAME)  # still given, on version 1


def test_an_attestation_by_the_college_does_not_answer_for_the_student():
    student = StudentFactory()  # the college attested the transfer consent
    assert selectors.consent_holds(student, Purpose.TRANSFER_TO_RUSSIA)
    assert Purpose.TRANSFER_TO_RUSSIA in [t.purpose for t in selectors.consents_due(student)]


@pytest.mark.parametrize("purpose", [Purpose.PROCESSING, Purpose.TRANSFER_TO_RUSSIA])
def test_withdrawing_processing_or_the_transfer_erases_the_passport_data_and_audits_it(purpose):
    student = StudentFactory(passport_number="E12345678")
    consent_attested(student, Purpose.PROCESSING)
    text = selectors.current_text(purpose)
    consent_decide(student=student, text=text, decision=W, by=student.user, language="ru")
    stored = Student.objects.get(pk=student.pk)
    assert (stored.passport_number, stored.birth_date, stored.passport_issued_on) == ("", None, None)
    entry = AuditEntry.objects.get(action="student.sensitive_erase", object_id=str(student.pk))
    assert "E12345678" not in str(entry.changes) and set(entry.changes) >= {"passport_number", "birth_date"}
    history = selectors.consent_history(student)
    assert [c.decision for c in history if c.purpose == purpose][:2] == [W, G]
    assert Consent.objects.filter(student=student, purpose=purpose, current=True).get().decision == W


def test_withdrawing_the_name_or_the_transfer_back_keeps_the_passport_data():
    student = StudentFactory(passport_number="E12345678")
    for purpose in (Purpose.PUBLIC_NAME, Purpose.TRANSFER_TO_PARTNER):
        consent_attested(student, purpose, given_by="student", channel="portal", collected_on=None)
        consent_decide(student=student, text=selectors.current_text(purpose), decision=W, by=None, language="en")
    assert Student.objects.get(pk=student.pk).passport_number == "E12345678"


def test_only_a_held_consent_is_withdrawn():
    student = StudentFactory(transfer_consent=False)
    with pytest.raises(DomainError):
        consent_decide(
            student=student, text=selectors.current_text(Purpose.PUBLIC_NAME), decision=W, by=None, language="en"
        )
    assert not Consent.objects.filter(student=student).exists()


def test_passport_data_need_the_transfer_consent_attested_or_held(office_admin):
    data = {
        "home_institution": InstitutionFactory(),
        "home_student_id": "H1",
        "family_name_latin": "Li",
        "given_name_latin": "Na",
        "passport_number": "E1",
    }
    with pytest.raises(DomainError) as refused:
        services.student_create(by=office_admin, data=data)
    assert (refused.value.code, refused.value.field) == ("consent_required", "transfer_consent")
    assert refused.value.details["fields"] == ["passport_number"]
    assert not Student.objects.filter(home_student_id="H1").exists()
    with pytest.raises(DomainError) as wrong:
        services.student_create(
            by=office_admin, data=data, attestation=Attestation(version=7, collected_on=datetime.date(2026, 1, 1))
        )
    assert wrong.value.code == "consent_version"
    student = services.student_create(
        by=office_admin,
        data=data,
        attestation=Attestation(version=1, collected_on=datetime.date(2026, 1, 1), channel="staff", given_by="office"),
    )
    consent = Consent.objects.get(student=student)
    assert (consent.decision, consent.given_by, consent.channel, consent.collected_on) == (
        G,
        "office",
        "staff",
        datetime.date(2026, 1, 1),
    )
    services.student_update(student=student, by=office_admin, data={"passport_number": "E2"})  # held now
    assert Student.objects.get(pk=student.pk).passport_number == "E2"


def test_a_record_without_consent_keeps_its_stored_passport_and_changes_other_fields(office_admin):
    student = StudentFactory(transfer_consent=False, passport_number="E7")
    services.student_update(student=student, by=office_admin, data={"passport_number": "E7", "phone": "+86 1"})
    with pytest.raises(DomainError):
        services.student_update(student=student, by=office_admin, data={"passport_number": "E8"})
    assert Student.objects.get(pk=student.pk).passport_number == "E7"


@pytest.mark.clock
def test_a_collection_date_in_the_future_is_refused_in_the_sites_zone(office_admin):
    student = StudentFactory(transfer_consent=False)
    # 23:30 UTC on 6 December is already 7 December in Moscow: the 7th is today, the 8th the future.
    with time_machine.travel(datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC), tick=False):
        consent_attest(
            student=student,
            attestation=Attestation(version=1, collected_on=datetime.date(2026, 12, 7)),
            by=office_admin,
        )
        with pytest.raises(DomainError) as refused:
            consent_attest(
                student=student,
                attestation=Attestation(version=1, collected_on=datetime.date(2026, 12, 8)),
                by=office_admin,
            )
    assert refused.value.code == "consent_date"


def test_the_students_own_answer_is_not_replaced_by_a_later_attestation(office_admin):
    student = StudentFactory(transfer_consent=False)
    text = selectors.current_text(Purpose.TRANSFER_TO_RUSSIA)
    consent_decide(student=student, text=text, decision=D, by=None, language="zh")
    assert (
        consent_attest(
            student=student, attestation=Attestation(version=1, collected_on=datetime.date(2026, 1, 1)), by=office_admin
        )
        is None
    )
    assert not selectors.consent_holds(student, Purpose.TRANSFER_TO_RUSSIA)
    with pytest.raises(DomainError):
        services.student_update(
            student=student,
            by=office_admin,
            data={"passport_number": "E9"},
            attestation=Attestation(version=1, collected_on=datetime.date(2026, 1, 1)),
        )
