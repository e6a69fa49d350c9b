"""The office's side of consent: office-admin's pages of the consent texts (students/consent/views.py), the student's
consents panel on the staff page, the students list's consent filter and badges, the audit sentences and the
read-only admin."""

import pytest
from django.urls import reverse
from django.utils import translation

from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from students.consent import services
from students.consent.models import Consent, ConsentText, Purpose
from students.consent.selectors import current_text

from .factories import StudentFactory, consent_attested, consent_text

pytestmark = pytest.mark.django_db

LIST = reverse("consents:text-list")
FULL = {
    "title_ru": "Согласие на обработку, версия 2",
    "title_en": "Consent to processing, version 2",
    "title_zh": "同意处理个人信息（第2版）",
    "body_ru": "Я согласен на обработку.\n\nВторой абзац.",
    "body_en": "I consent to the processing.\n\nA second paragraph.",
    "body_zh": "本人同意处理。",
    "recipient": 'MSTU "STANKIN", Moscow',
    "recipient_contact": "privacy@stankin.example",
    "categories": ["names", "contact"],
}


def _draft(client, purpose=Purpose.PROCESSING) -> ConsentText:
    response = client.post(reverse("consents:text-draft"), {"purpose": purpose})
    draft = ConsentText.objects.get(purpose=purpose, published_at__isnull=True)
    assert response.status_code == 302 and response["Location"] == reverse("consents:text-detail", args=[draft.pk])
    return draft


# --- office-admin's pages ----------------------------------------------------------------------------------------


def test_office_admin_writes_previews_and_publishes_a_new_version(office_admin_client, office_admin):
    first = consent_text(Purpose.PROCESSING)
    draft = _draft(office_admin_client)
    assert draft.version == first.version + 1 and draft.body_en == first.body_en  # prefilled from the latest
    editor = office_admin_client.get(reverse("consents:text-detail", args=[draft.pk]))
    assert editor.status_code == 200 and 'name="body_zh"' in editor.content.decode()

    response = office_admin_client.post(reverse("consents:text-detail", args=[draft.pk]), {**FULL, "preview": "1"})
    assert response["Location"] == reverse("consents:text-preview", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.title_zh == FULL["title_zh"] and draft.categories == ["names", "contact"] and not draft.is_published

    preview = office_admin_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("Второй абзац.", "A second paragraph.", "本人同意处理。", "privacy@stankin.example"):
        assert text in preview
    # The categories and the labels in the text's own language, whatever the page's.
    for text in (
        "contact details (e-mail, phone)",
        "контактные данные (эл. почта, телефон)",
        "联系方式（电子邮箱、电话）",
    ):
        assert text in preview
    assert "Получатель" in preview and "接收方" in preview

    confirm = office_admin_client.get(reverse("consents:text-publish", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "every student will be asked about it again" in confirm.content.decode()
    assert "can never change after" in confirm.content.decode()
    done = office_admin_client.post(reverse("consents:text-publish", args=[draft.pk]))
    assert done["Location"] == reverse("consents:text-detail", args=[draft.pk])
    assert current_text(Purpose.PROCESSING).pk == draft.pk
    actions = set(AuditEntry.objects.filter(actor=office_admin).values_list("action", flat=True))
    assert {"consent_text.draft", "consent_text.change", "consent_text.publish"} <= actions


def test_new_version_returns_the_draft_there_is_and_refuses_an_unknown_purpose(office_admin_client):
    draft = _draft(office_admin_client)
    assert _draft(office_admin_client).pk == draft.pk
    assert office_admin_client.post(reverse("consents:text-draft"), {"purpose": "marketing"}).status_code == 404


def test_publishing_an_incomplete_text_is_refused_on_the_page(office_admin_client):
    draft = _draft(office_admin_client, Purpose.TRANSFER_TO_RUSSIA)
    office_admin_client.post(reverse("consents:text-detail", args=[draft.pk]), {**FULL, "recipient": ""})
    response = office_admin_client.post(reverse("consents:text-publish", args=[draft.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A transfer&#x27;s text names its recipient" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_published_version_is_read_only_with_its_digests(office_admin_client):
    text = consent_text(Purpose.TRANSFER_TO_RUSSIA)
    page = office_admin_client.get(reverse("consents:text-detail", args=[text.pk])).content.decode()
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0].replace('action="/accounts/logout/"', "")
    for lang in ("ru", "en", "zh"):
        assert f'data-lang="{lang}">{text.digest(lang)}</code>' in page
    before = ConsentText.objects.filter(pk=text.pk).values().get()
    response = office_admin_client.post(reverse("consents:text-detail", args=[text.pk]), {**FULL})
    assert response.status_code == 302
    assert ConsentText.objects.filter(pk=text.pk).values().get() == before
    with pytest.raises(DomainError) as refused:
        services.consent_text_update(text=text, by=None, data={"body_en": "changed"})
    assert refused.value.code == "consent_published"
    # Its publish page sends back to it.
    assert office_admin_client.get(reverse("consents:text-publish", args=[text.pk])).status_code == 302


def test_the_list_shows_every_purpose_versions_and_current_decisions(office_admin_client):
    text = consent_text(Purpose.TRANSFER_TO_RUSSIA)
    StudentFactory.create_batch(2)  # attested: given on the current transfer text
    withdrawn = StudentFactory(transfer_consent=False)
    consent_attested(withdrawn, decision=Consent.Decision.WITHDRAWN, given_by=Consent.GivenBy.STUDENT)
    response = office_admin_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    rows = {row["purpose"]: row for row in response.context["purposes"]}
    assert list(rows) == list(Purpose)
    current = rows[Purpose.TRANSFER_TO_RUSSIA]["current"]
    assert current.pk == text.pk
    assert current.counts == {"given": 2, "declined": 0, "withdrawn": 1}
    page = response.content.decode()
    assert "given 2" in page and "withdrawn 1" in page and "New version" in page


def test_the_list_is_a_fixed_number_of_queries(office_admin_client, office_admin, django_assert_num_queries):
    office_admin_client.get(LIST)

    def grow():
        for purpose in Purpose:
            draft = services.consent_text_draft(purpose=purpose, by=office_admin)
            services.consent_text_update(text=draft, by=office_admin, data=FULL)
            services.consent_text_publish(text=draft, by=office_admin)
        for student in StudentFactory.create_batch(3):
            consent_attested(student, Purpose.PROCESSING, decision=Consent.Decision.DECLINED)

    with django_assert_num_queries(6) as before:
        office_admin_client.get(LIST)
    grow()
    with django_assert_num_queries(len(before.captured_queries)):
        office_admin_client.get(LIST)


@pytest.mark.parametrize("name", ["text-list", "text-detail", "text-preview", "text-publish"])
def test_plain_office_staff_are_refused_and_see_no_menu_link(office_client, office_admin, name):
    draft = services.consent_text_draft(purpose=Purpose.PUBLIC_NAME, by=office_admin)
    url = reverse(f"consents:{name}", args=[] if name == "text-list" else [draft.pk])
    assert office_client.get(url).status_code == 403
    assert office_client.post(url, FULL).status_code == 403
    assert office_client.post(reverse("consents:text-draft"), {"purpose": "processing"}).status_code == 403
    assert LIST not in office_client.get("/").content.decode()
    draft.refresh_from_db()
    assert draft.body_en != FULL["body_en"]


def test_office_admin_has_the_menu_link(office_admin_client):
    assert f'href="{LIST}"' in office_admin_client.get("/").content.decode()


# --- the student's staff page and the students list --------------------------------------------------------------


def test_the_panel_shows_each_purpose_the_flag_and_the_history(office_client):
    student = StudentFactory()  # attested transfer consent
    consent_attested(student, Purpose.PUBLIC_NAME, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL)
    consent_attested(
        student,
        Purpose.PUBLIC_NAME,
        decision=Consent.Decision.WITHDRAWN,
        given_by=Consent.GivenBy.STUDENT,
        channel=Consent.Channel.PORTAL,
    )
    response = office_client.get(reverse("students:student-detail", args=[student.pk]), HTTP_ACCEPT_LANGUAGE="en")
    panel = response.context["consents"]
    decisions = {row["purpose"]: row["consent"] and row["consent"].decision for row in panel["purposes"]}
    assert decisions == {
        Purpose.PROCESSING: None,
        Purpose.TRANSFER_TO_RUSSIA: "given",
        Purpose.TRANSFER_TO_PARTNER: None,
        Purpose.PUBLIC_NAME: "withdrawn",
    }
    assert len(panel["history"]) == 3 and [c.purpose for c in panel["ended"]] == [Purpose.PUBLIC_NAME]
    page = response.content.decode()
    assert 'class="badge text-bg-danger consent-ended-flag"' in page
    assert "the partner college (attested)" in page and "student portal" in page and "History: 3 decisions" in page


def test_a_student_without_decisions_has_no_flag(office_client):
    student = StudentFactory(transfer_consent=False, passport_number="")
    page = office_client.get(reverse("students:student-detail", args=[student.pk])).content.decode()
    assert 'id="consents"' in page and "consent-ended-flag" not in page


@pytest.fixture
def four():
    """Given (attested), declined (the processing), withdrawn (the transfer), and passport data without consent."""
    given = StudentFactory(family_name_latin="Given")
    declined = StudentFactory(family_name_latin="Declined")
    consent_attested(declined, Purpose.PROCESSING, decision=Consent.Decision.DECLINED)
    withdrawn = StudentFactory(
        family_name_latin="Withdrawn", transfer_consent=False, passport_number="", birth_date=None
    )
    consent_attested(withdrawn, decision=Consent.Decision.WITHDRAWN, given_by=Consent.GivenBy.STUDENT)
    missing = StudentFactory(family_name_latin="Missing", transfer_consent=False)
    return given, declined, withdrawn, missing


def _listed(client, **query) -> list[str]:
    response = client.get(reverse("students:student-list"), query)
    return sorted(student.family_name_latin for student in response.context["students"])


def test_the_list_filters_ended_consents_and_flags_the_rows(office_client, four):
    assert _listed(office_client, consent="ended") == ["Declined", "Withdrawn"]
    page = office_client.get(reverse("students:student-list")).content.decode()
    assert page.count("student-consent-flag") == 2
    # Whether a student holds passport data is for who may see it: no such filter, option or badge for the office.
    assert _listed(office_client, consent="transfer_missing") == ["Declined", "Given", "Missing", "Withdrawn"]
    assert 'value="transfer_missing"' not in page and "student-transfer-flag" not in page


def test_office_admin_filters_passport_data_held_without_the_transfer_consent(office_admin_client, four):
    assert _listed(office_admin_client, consent="transfer_missing") == ["Missing"]
    page = office_admin_client.get(reverse("students:student-list")).content.decode()
    assert 'value="transfer_missing"' in page and page.count("student-transfer-flag") == 1


def test_the_list_with_the_consent_filter_keeps_its_query_count(office_admin_client, django_assert_num_queries):
    from .test_views_list import LIST_QUERIES

    url = reverse("students:student-list")
    office_admin_client.get(url)
    for count in (3, 30):
        for student in StudentFactory.create_batch(count):
            consent_attested(student, Purpose.PUBLIC_NAME, decision=Consent.Decision.DECLINED)
        with django_assert_num_queries(LIST_QUERIES):
            response = office_admin_client.get(url, {"consent": "ended", "per_page": 200})
        assert response.content.decode().count("student-consent-flag") == len(response.context["students"])


# --- audit sentences and the admin -------------------------------------------------------------------------------


def test_every_consent_action_reads_as_a_sentence_in_three_languages(office_admin):
    student = StudentFactory(transfer_consent=False, family_name_latin="Wang", given_name_latin="Fang")
    text = consent_text(Purpose.TRANSFER_TO_RUSSIA)
    services.consent_attest(
        student=student,
        attestation=services.Attestation(version=text.version, collected_on=text.published_at.date()),
        by=office_admin,
    )
    services.consent_decide(student=student, text=text, decision="withdrawn", by=office_admin, language="zh")
    services.consent_decide(student=student, text=text, decision="declined", by=office_admin, language="zh")
    draft = services.consent_text_draft(purpose=Purpose.PROCESSING, by=office_admin)
    services.consent_text_update(text=draft, by=office_admin, data={"body_en": "New."})
    services.consent_text_publish(text=draft, by=office_admin)
    actions = [
        "consent.given",
        "consent.withdrawn",
        "consent.declined",
        "student.sensitive_erase",
        "consent_text.draft",
        "consent_text.change",
        "consent_text.publish",
    ]
    entries = {entry.action: entry for entry in AuditEntry.objects.filter(action__in=actions)}
    assert set(entries) == set(actions)
    with translation.override("en"):
        sentences = {action: audit_sentence(entries[action]) for action in actions}
    assert "recorded the consent of" in sentences["consent.given"] and "version 1" in sentences["consent.given"]
    assert "transfer from China to Russia" in sentences["consent.given"]
    assert "withdrew the consent" in sentences["consent.withdrawn"]
    assert "passport number" in sentences["student.sensitive_erase"]
    assert "text (English)" in sentences["consent_text.change"]
    for language in ("ru", "zh-hans"):
        with translation.override(language):
            for action in actions:
                sentence = audit_sentence(entries[action])
                assert sentence and sentence != sentences[action], (language, action)


def test_the_admin_shows_consents_and_texts_read_only(client, office_admin):
    student = StudentFactory()
    consent = Consent.objects.get(student=student)
    text = consent.text
    superuser = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    for model, obj in (("consent", consent), ("consenttext", text)):
        assert client.get(reverse(f"admin:students_{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:students_{model}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.get(reverse(f"admin:students_{model}_add")).status_code == 403
        assert client.post(reverse(f"admin:students_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert Consent.objects.filter(pk=consent.pk).exists()
