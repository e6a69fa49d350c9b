"""The office-admin's designs and signatories: drafts and publication (a published version frozen by the model and
the services), the live preview and the sample PDF (real renders that write nothing), the signatories' forms, the
audit sentences, and who may open the pages."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from diplomas.designs import selectors, services
from diplomas.designs.models import DocumentDesign, Signatory
from diplomas.tests.test_rendering import needs_poppler, pdftotext, write_pdf
from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user

pytestmark = pytest.mark.django_db

LIST = "/administration/designs/"


def _draft(by=None) -> DocumentDesign:
    return services.design_draft(kind="diploma", by=by)


def _sentences(language="en") -> dict[str, str]:
    with translation.override(language):
        return {entry.action: audit_sentence(entry) for entry in AuditEntry.objects.order_by("pk")}


def test_a_draft_starts_from_the_current_version_and_one_draft_at_a_time(office_admin):
    draft = _draft(office_admin)
    v1 = selectors.design_current("diploma")
    assert (draft.version, draft.is_published, draft.texts()) == (2, False, v1.texts())
    assert _draft(office_admin) == draft
    assert selectors.design_current("diploma") == v1  # a draft is not current until published


def test_a_published_design_refuses_every_change(office_admin):
    v1 = selectors.design_current("diploma")
    v1.title_en = "Changed"
    with pytest.raises(ValidationError):
        v1.save()
    with pytest.raises(ValidationError):
        v1.delete()
    with pytest.raises(DomainError) as refused:
        services.design_update(design=v1, by=office_admin, data={"title_en": "Changed"})
    assert refused.value.code == "design_published"
    v1.refresh_from_db()
    assert v1.title_en == "Diploma of a participant in the international academic mobility program"


def test_publishing_refuses_an_empty_text_and_then_makes_the_version_current(office_admin):
    draft = _draft(office_admin)
    services.design_update(design=draft, by=office_admin, data={"lead_zh": ""})
    with pytest.raises(DomainError) as refused:
        services.design_publish(design=draft, by=office_admin)
    assert refused.value.field == "lead_zh"
    services.design_update(design=draft, by=office_admin, data={"lead_zh": "特此证明"})
    published = services.design_publish(design=draft, by=office_admin)
    assert published.is_published and published.published_by == office_admin
    assert selectors.design_current("diploma") == published


def test_every_write_is_audited_in_a_sentence(office_admin):
    draft = _draft(office_admin)
    services.design_update(design=draft, by=office_admin, data={"title_en": "Certificate", "title_ru": "Сертификат"})
    services.design_publish(design=draft, by=office_admin)
    dean = services.signatory_create(
        by=office_admin,
        data={
            "name_cyrillic": "Ли Мин",
            "name_latin": "Li Ming",
            "title_ru": "Декан",
            "title_en": "Dean",
            "valid_from": datetime.date(2026, 9, 1),
            "signs_diploma": True,
        },
    )
    services.signatory_update(signatory=dean, by=office_admin, data={"valid_until": datetime.date(2027, 8, 31)})
    english = _sentences("en")
    actor = office_admin.get_full_name() or office_admin.get_username()
    assert english["design.draft"] == f"{actor} started the draft of the design diploma v2"
    assert (
        english["design.change"]
        == f"{actor} changed the draft of the design diploma v2: title (Russian), title (English)"
    )
    assert english["design.publish"] == (
        f"{actor} published the design diploma v2; documents issued from now on print it"
    )
    assert english["signatory.create"] == f"{actor} added the signatory Ли Мин · Li Ming"
    assert english["signatory.change"] == f"{actor} changed the signatory Ли Мин · Li Ming: signs until"
    russian = _sentences("ru")
    assert russian["design.publish"].startswith(f"{actor}: опубликовано оформление diploma v2")
    assert russian["signatory.change"] == f"{actor}: изменён подписант Ли Мин · Li Ming: подписывает по"
    change = AuditEntry.objects.get(action="signatory.change")
    assert change.changes == {"valid_until": [None, "2027-08-31"]}


def test_a_signatory_is_end_dated_never_deleted_and_the_dates_are_checked(office_admin):
    rector = Signatory.objects.get(name_latin="I. I. Ivanov")
    with pytest.raises(ValidationError):
        rector.delete()
    with pytest.raises(DomainError) as refused:
        services.signatory_update(signatory=rector, by=office_admin, data={"valid_until": datetime.date(1999, 1, 1)})
    assert refused.value.field == "valid_until"
    with translation.override("ru"), pytest.raises(DomainError) as refused:
        services.signatory_update(
            signatory=rector,
            by=office_admin,
            data={"signs_diploma": False, "signs_transcript": False, "signs_papers": False},
        )
    assert refused.value.message == "Выберите хотя бы один вид документов, которые подписывает подписант."
    assert Signatory.objects.get(pk=rector.pk).valid_until is None


@needs_poppler
def test_the_live_preview_draws_the_typed_texts_and_writes_nothing(office_admin_client, office_admin, tmp_path):
    draft = _draft(office_admin)
    before = (AuditEntry.objects.count(), DocumentDesign.objects.get(pk=draft.pk).texts())
    typed = {**draft.texts(), "title_en": "Certificate of the academic exchange", "lead_zh": "特此证明"}

    response = office_admin_client.post(f"{LIST}{draft.pk}/preview/", typed, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert re.search(
        rb'<img class="[^"]*design-sample" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', response.content
    )

    pdf = office_admin_client.post(f"{LIST}{draft.pk}/sample.pdf", typed)
    assert pdf["Content-Type"] == "application/pdf"
    text = pdftotext(write_pdf(tmp_path, pdf.content))
    assert "Certificate of the academic exchange" in text and "特此证明" in text
    assert "Wang Xiaoming" in text and "王小明" in text and "Ван Сяомин" in text  # the fictional student
    assert "Nadezhda Popova" in text  # today's signatories
    assert (AuditEntry.objects.count(), DocumentDesign.objects.get(pk=draft.pk).texts()) == before


@needs_poppler
def test_a_transcript_design_has_a_sample_too(office_admin_client, tmp_path):
    transcript = selectors.design_current("transcript")
    pdf = office_admin_client.get(f"{LIST}{transcript.pk}/sample.pdf")
    text = pdftotext(write_pdf(tmp_path, pdf.content))
    assert "Transcript of records" in text and "成绩单" in text and "I. I. Ivanov" in text


def test_the_editor_saves_a_draft_and_publishes_after_the_confirmation(office_admin_client):
    office_admin_client.post(f"{LIST}new/", {"kind": "diploma"})
    draft = DocumentDesign.objects.get(kind="diploma", published_at__isnull=True)
    page = office_admin_client.get(f"{LIST}{draft.pk}/").content.decode()
    assert 'hx-trigger="input delay:600ms"' in page and f"{LIST}{draft.pk}/preview/" in page
    data = {**draft.texts(), "title_en": "Certificate"}
    assert office_admin_client.post(f"{LIST}{draft.pk}/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.title_en == "Certificate" and not draft.is_published
    assert office_admin_client.get(f"{LIST}{draft.pk}/publish/").status_code == 200
    assert office_admin_client.post(f"{LIST}{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    # Published: read-only, and a post changes nothing.
    office_admin_client.post(f"{LIST}{draft.pk}/", {**data, "title_en": "Again"})
    draft.refresh_from_db()
    assert draft.title_en == "Certificate"


def test_the_signatory_forms_create_and_end_date(office_admin_client):
    response = office_admin_client.post(
        f"{LIST}signatories/new/",
        {
            "name_cyrillic": "Ли Мин",
            "name_latin": "Li Ming",
            "name_han": "李明",
            "title_ru": "Декан",
            "title_en": "Dean",
            "title_zh": "院长",
            "valid_from": "2026-09-01",
            "order": "3",
            "signs_diploma": "on",
        },
    )
    assert response.status_code == 302
    dean = Signatory.objects.get(name_latin="Li Ming")
    assert (dean.signs_diploma, dean.signs_transcript, dean.signs_papers) == (True, False, False)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    fields = {f: getattr(dean, f) for f in services.SIGNATORY_FIELDS if getattr(dean, f) not in (False, None)}
    office_admin_client.post(f"{LIST}signatories/{dean.pk}/", {**fields, "valid_until": yesterday.isoformat()})
    dean.refresh_from_db()
    assert dean.valid_until == yesterday
    assert "Li Ming" not in [s.name_latin for s in selectors.signatories_for("diploma")]
    page = office_admin_client.get(f"{LIST}signatories/").content.decode()
    assert "Li Ming" in page and "李明" in page


@pytest.mark.parametrize(
    "path", ["", "1/", "1/preview/", "1/sample.pdf", "1/publish/", "signatories/", "signatories/new/", "signatories/1/"]
)
def test_the_office_without_admin_is_refused(office_client, path):
    assert office_client.get(f"{LIST}{path}").status_code == 403


def test_the_menu_links_the_page_for_the_office_admin_only(client, office_admin, office):
    client.force_login(office_admin)
    assert f'href="{LIST}"' in client.get("/").content.decode()
    client.force_login(make_user("another-clerk", "office"))
    assert f'href="{LIST}"' not in client.get("/").content.decode()
