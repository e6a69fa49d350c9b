"""The student's consents in the portal (students/portal/consent_views.py): the consent screen at the first visit
and at each new version, My consents, withdrawing and giving again, and what a withdrawal or a decline changes
(sensitive fields, the college's webhook event, the personal data of later webhooks, the office's notification)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from diplomas import services as diploma_services
from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.foundation.notifications.models import StaffNotification
from mobility.foundation.notifications.registry import notification_sentence
from mobility.tests.support import make_user
from programs.tests.factories import ModuleFactory, TrackFactory
from students import services
from students.consent.models import Consent, Purpose
from students.consent.selectors import consent_is_due, consents_due, current_texts
from students.consent.services import consent_text_draft, consent_text_publish, consent_text_update
from students.staff_notifications import CONSENT_REFUSED

from .factories import StudentFactory, consent_attested, consents_answered
from .portal_support import ZH, _enrolled

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

G, D, W = Consent.Decision.GIVEN, Consent.Decision.DECLINED, Consent.Decision.WITHDRAWN
PURPOSES = list(Purpose.values)
LANGUAGES = {"en": "en", "ru": "ru", ZH: "zh"}


@pytest.fixture
def wei(issued):
    """A student with an account, passport data (the college attested the transfer), the issued diploma of a
    completed enrollment and an enrollment in track MECH (module PLC): never asked in the portal."""
    student = issued.enrollment.student
    student.user = make_user("wei")
    student.save()
    track = TrackFactory(code="MECH")
    student.plc = ModuleFactory(track=track, code="PLC")
    student.mech = _enrolled(student, track)
    student.diploma = issued
    return student


@pytest.fixture
def wei_client(client, wei):
    client.force_login(wei.user)
    return client


@pytest.fixture
def endpoint(wei):
    """The college's endpoint, subscribed to every event."""
    return WebhookEndpoint.objects.create(
        institution=wei.home_institution,
        url="https://sis.example.cn/hooks",
        events=list(WebhookEndpoint.Event.values),
        secret="s",
    )


def _answers(decisions: dict[str, str]) -> dict[str, str]:
    texts = current_texts()
    return {f"text_{texts[purpose].pk}": decision for purpose, decision in decisions.items()}


def _payloads(event: str) -> list[dict]:
    return [d.payload["data"] for d in WebhookDelivery.objects.filter(event=event).order_by("pk")]


# --- the consent screen -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "my-data", "messages", "enrollment"])
def test_the_first_visit_of_any_portal_page_is_sent_to_the_consent_screen(wei_client, wei, name):
    url = reverse(f"portal:{name}", args=[wei.mech.pk] if name == "enrollment" else [])
    response = wei_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:consent')}?next={url.replace('/', '%2F')}"
    assert "no-store" in response["Cache-Control"]


def test_the_consent_pages_logout_and_the_language_switch_are_not_stopped(wei_client):
    assert wei_client.get(reverse("portal:consent")).status_code == 200
    assert wei_client.get(reverse("portal:my-consents")).status_code == 200
    assert wei_client.get(reverse("portal:consent-purpose", args=["public_name"])).status_code == 200
    switched = wei_client.post(reverse("set_language"), {"language": "ru", "next": "/portal/my-data/"})
    assert switched.status_code == 302 and switched["Location"] == "/portal/my-data/"
    assert wei_client.post(reverse("logout")).status_code == 302
    assert wei_client.get(reverse("portal:home")).status_code == 302  # logged out: to the login page
    assert "/accounts/login/" in wei_client.get(reverse("portal:home"))["Location"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_screen_shows_the_four_texts_in_the_students_language_with_nothing_chosen(wei_client, language):
    wei_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = wei_client.get(reverse("portal:consent"))
    html = response.content.decode()
    lang = LANGUAGES[language]
    texts = current_texts()
    assert [text.purpose for text, _field in response.context["form"].sections()] == PURPOSES
    for text in texts.values():
        assert escape(text.title(lang)) in html
        assert escape(text.body(lang).splitlines()[0]) in html
    for purpose in (Purpose.TRANSFER_TO_RUSSIA, Purpose.TRANSFER_TO_PARTNER):
        text = texts[purpose]
        assert escape(text.recipient) in html and escape(text.recipient_contact) in html
        for label in text.category_labels():  # in the page's language
            assert f"<li>{escape(label)}</li>" in html
    assert html.count('type="radio"') == 8
    assert " checked" not in html
    assert f'<html lang="{language}">' in html
    if language == "en":  # the college's attestation is not the student's answer: this is their first time
        assert "Before you start: your consent" in html


def test_answers_are_recorded_with_version_hash_ip_channel_and_language(wei_client, wei):
    wei_client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    answers = {"processing": G, "transfer_to_russia": G, "transfer_to_partner": G, "public_name": D}
    response = wei_client.post(
        reverse("portal:consent"),
        {**_answers(answers), "next": "/portal/my-data/"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302 and response["Location"] == "/portal/my-data/"
    texts = current_texts()
    own = {c.purpose: c for c in Consent.objects.filter(student=wei, current=True, given_by=Consent.GivenBy.STUDENT)}
    assert {p: c.decision for p, c in own.items()} == answers
    for purpose, consent in own.items():
        assert consent.text == texts[purpose] and consent.text.version == 1
        assert consent.text_sha256 == texts[purpose].digest("zh") and len(consent.text_sha256) == 64
        assert (consent.ip, consent.channel, consent.language) == ("203.0.113.7", Consent.Channel.PORTAL, "zh")
        assert consent.actor == wei.user
    assert not consents_due(wei)
    assert wei_client.get(reverse("portal:home")).status_code == 200


def test_every_answer_is_required_and_none_is_recorded_without_all(wei_client, wei):
    partial = _answers({"processing": G, "transfer_to_russia": G, "transfer_to_partner": G})
    response = wei_client.post(reverse("portal:consent"), partial, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Choose one of the two answers." in response.content.decode()
    assert not Consent.objects.filter(student=wei, given_by=Consent.GivenBy.STUDENT).exists()
    # Its own choices stay chosen when the page comes back.
    assert response.content.decode().count(" checked") == 3


def test_a_new_version_asks_that_purpose_again_and_only_it(wei_client, wei, office_admin):
    consents_answered(wei)
    assert wei_client.get(reverse("portal:home")).status_code == 200
    draft = consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin)
    consent_text_update(text=draft, by=office_admin, data={"title_en": "Your name on the public page, v2"})
    consent_text_publish(text=draft, by=office_admin)

    assert wei_client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:consent"))
    response = wei_client.get(reverse("portal:consent"), HTTP_ACCEPT_LANGUAGE="en")
    assert [text.pk for text, _field in response.context["form"].sections()] == [draft.pk]
    html = response.content.decode()
    assert "Your name on the public page, v2" in html and "Your consent is asked again" in html
    wei_client.post(reverse("portal:consent"), {f"text_{draft.pk}": G})
    assert Consent.objects.get(student=wei, purpose=Purpose.PUBLIC_NAME, current=True).text == draft
    assert wei_client.get(reverse("portal:home")).status_code == 200


def test_an_answer_to_a_version_since_replaced_is_not_counted_for_the_new_one(wei_client, wei, office_admin):
    consents_answered(wei)
    old = current_texts()[Purpose.PUBLIC_NAME]
    consent_text_publish(text=consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin), by=office_admin)
    response = wei_client.post(reverse("portal:consent"), {f"text_{old.pk}": G})
    assert response.status_code == 200
    assert consent_is_due(wei)


def test_consent_is_due_agrees_with_consents_due(wei, office_admin, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert consent_is_due(wei)
    consents_answered(wei)
    consent_attested(wei)  # the college's attestation does not answer for the student
    assert consent_is_due(wei) == bool(consents_due(wei)) is True
    consents_answered(wei)
    assert consent_is_due(wei) == bool(consents_due(wei)) is False


# --- My consents, withdrawing, giving again ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_consents_shows_each_decision_with_version_date_and_history(wei_client, wei, language):
    consents_answered(wei)
    consent_attested(
        wei, Purpose.PUBLIC_NAME, decision=D, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL
    )
    wei_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = wei_client.get(reverse("portal:my-consents")).content.decode()
    lang = LANGUAGES[language]
    for text in current_texts().values():
        assert escape(text.title(lang)) in html
    withdraw = {"en": "Withdraw", "ru": "Отозвать", "zh": "撤回"}[lang]
    assert html.count(f">{withdraw}</a>") == 3  # the three held; the declined one is given again
    assert html.count(reverse("portal:consent-purpose", args=["public_name"])) == 1
    assert html.count('class="list-group-item"') == Consent.objects.filter(student=wei).count()
    nav = {"en": "My consents", "ru": "Мои согласия", "zh": "我的同意"}[lang]
    assert f'aria-current="page">{nav}</a>' in html


def test_withdrawing_asks_for_confirmation_saying_what_it_changes(wei_client, wei):
    consents_answered(wei)
    url = reverse("portal:consent-purpose", args=["transfer_to_russia"])
    html = wei_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What withdrawing changes" in html and "birth date are erased" in html
    assert 'value="withdraw"' in html
    assert Consent.objects.get(student=wei, purpose="transfer_to_russia", current=True).decision == G


def test_withdrawing_the_transfer_erases_passport_data_tells_the_college_and_the_office(
    wei_client, wei, endpoint, office
):
    consents_answered(wei)
    assert wei.passport_number and wei.birth_date
    url = reverse("portal:consent-purpose", args=["transfer_to_russia"])
    response = wei_client.post(url, {"action": "withdraw"}, REMOTE_ADDR="198.51.100.4", HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Location"] == reverse("portal:my-consents")

    consent = Consent.objects.get(student=wei, purpose="transfer_to_russia", current=True)
    assert (consent.decision, consent.ip, consent.language) == (W, "198.51.100.4", "ru")
    wei.refresh_from_db()
    assert (wei.passport_number, wei.birth_date, wei.passport_issued_on, wei.passport_expires_on) == (
        "",
        None,
        None,
        None,
    )
    erased = AuditEntry.objects.get(action="student.sensitive_erase", object_id=str(wei.pk))
    assert set(erased.changes) >= {"passport_number", "birth_date"}
    assert {v[0] for v in erased.changes.values()} == {"***"}  # the values themselves are not kept

    [data] = _payloads("student.consent_withdrawn")
    assert data == {
        "student": {"id": wei.pk, "home_student_id": wei.home_student_id},
        "purpose": "transfer_to_russia",
        "version": 1,
        "decision": "withdrawn",
        "at": consent.at.isoformat(),
    }
    [note] = StaffNotification.objects.filter(kind=CONSENT_REFUSED, recipient=office)
    with translation.override("en"):
        sentence = notification_sentence(note.kind, note.params)
    assert sentence == (f"{wei.full_name_latin} withdrew their consent to transfer from China to Russia.")
    assert note.link_args == [wei.pk]


def test_a_first_decline_tells_the_office_but_announces_no_withdrawal(wei_client, wei, endpoint, office):
    answers = {"processing": G, "transfer_to_russia": G, "transfer_to_partner": D, "public_name": D}
    wei_client.post(reverse("portal:consent"), _answers(answers))
    assert StaffNotification.objects.filter(kind=CONSENT_REFUSED, recipient=office).count() == 2
    assert _payloads("student.consent_withdrawn") == []
    wei.refresh_from_db()
    assert wei.passport_number  # the transfer to Russia was given: nothing erased


def test_declining_a_new_version_of_a_consent_that_held_ends_it(wei_client, wei, endpoint, office_admin):
    consents_answered(wei)
    draft = consent_text_draft(purpose=Purpose.TRANSFER_TO_RUSSIA, by=office_admin)
    consent_text_publish(text=draft, by=office_admin)
    wei_client.post(reverse("portal:consent"), {f"text_{draft.pk}": D})
    [data] = _payloads("student.consent_withdrawn")
    assert (data["purpose"], data["version"], data["decision"]) == ("transfer_to_russia", 2, "declined")
    wei.refresh_from_db()
    assert wei.passport_number == "" and wei.birth_date is None


def test_a_declined_consent_is_given_again_on_the_current_text(wei_client, wei):
    consents_answered(wei)
    consent_attested(
        wei, Purpose.PUBLIC_NAME, decision=D, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL
    )
    url = reverse("portal:consent-purpose", args=["public_name"])
    html = wei_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert escape(current_texts()["public_name"].title("en")) in html and 'value="give"' in html
    assert "What withdrawing changes" not in html
    wei_client.post(url, {"action": "give"})
    assert Consent.objects.get(student=wei, purpose="public_name", current=True).decision == G
    # A second "withdraw" from an old tab of a consent no longer held changes nothing.
    consent_attested(
        wei, Purpose.PUBLIC_NAME, decision=W, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL
    )
    count = Consent.objects.filter(student=wei).count()
    assert wei_client.post(url, {"action": "withdraw"})["Location"] == url
    assert Consent.objects.filter(student=wei).count() == count


def test_an_unknown_purpose_is_404(wei_client, wei):
    consents_answered(wei)
    assert wei_client.get(reverse("portal:consent-purpose", args=["marketing"])).status_code == 404


# --- the webhooks' personal data ----------------------------------------------------------------------------------


def _emit_all(wei, office_admin, django_capture_on_commit_callbacks):
    """An enrollment, a result and a diploma event about ``wei``."""
    result = services.result_record(
        enrollment=wei.mech, module=wei.plc, by=office_admin, assessed_on=datetime.date(2026, 6, 1), score=80
    )
    services.enrollment_withdraw(enrollment=wei.mech, by=office_admin, reason="moved")
    diploma_services.diploma_revoke(diploma=wei.diploma, by=office_admin, reason="typo in the name")
    assert result.pk
    return {
        event: [data["student"] for data in _payloads(event)]
        for event in ("result.recorded", "enrollment.status_changed", "diploma.revoked")
    }


@pytest.mark.parametrize("decision", [W, D])
def test_without_the_transfer_to_the_partner_webhooks_carry_no_personal_data(
    wei, endpoint, office_admin, decision, django_capture_on_commit_callbacks
):
    consent_attested(wei, Purpose.TRANSFER_TO_PARTNER, decision=decision, given_by=Consent.GivenBy.STUDENT)
    students = _emit_all(wei, office_admin, django_capture_on_commit_callbacks)
    withheld = {"id": wei.pk, "home_student_id": wei.home_student_id, "personal_data_withheld": True}
    assert students == {event: [withheld] for event in students}


@pytest.mark.parametrize("decision", [None, G])
def test_a_student_never_asked_or_consenting_is_sent_as_today(
    wei, endpoint, office_admin, decision, django_capture_on_commit_callbacks
):
    if decision:
        consent_attested(wei, Purpose.TRANSFER_TO_PARTNER, decision=decision, given_by=Consent.GivenBy.STUDENT)
    other = StudentFactory(home_institution=wei.home_institution)
    consent_attested(other, Purpose.TRANSFER_TO_PARTNER, decision=W, given_by=Consent.GivenBy.STUDENT)
    students = _emit_all(wei, office_admin, django_capture_on_commit_callbacks)
    today = {"id": wei.pk, "home_student_id": wei.home_student_id}
    assert students == {event: [today] for event in students}


def test_withholding_reads_the_consents_once_per_batch(wei, endpoint, django_assert_num_queries):
    from mobility.foundation.webhooks.services import WebhookEvent, webhooks_emit_many
    from students.events import student_data

    consent_attested(wei, Purpose.TRANSFER_TO_PARTNER, decision=W, given_by=Consent.GivenBy.STUDENT)
    events = [
        WebhookEvent("student.consent_withdrawn", wei.home_institution_id, {"student": student_data(wei), "n": n})
        for n in range(5)
    ]
    with django_assert_num_queries(3):  # the endpoints, the consents, the insert
        deliveries = webhooks_emit_many(events=events)
    assert all(d.payload["data"]["student"]["personal_data_withheld"] for d in deliveries)
