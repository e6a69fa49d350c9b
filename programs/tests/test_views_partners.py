"""The programs' staff pages about partners: institutions, contacts and agreements (quotas, the signed document)."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mobility.foundation.models import AuditEntry
from mobility.tests.samples import tiny_pdf
from programs import services
from programs.models import Agreement, AgreementQuota, Contact, Institution
from programs.tests.factories import AgreementFactory
from students import services as student_services

pytestmark = pytest.mark.django_db


PDF = tiny_pdf()


def test_institution_list_filters_by_kind_and_searches_every_name(office_client, partnership):
    page = office_client.get("/institutions/?q=重庆")
    assert [i.code for i in page.context["object_list"]] == ["CQEVTC"]
    page = office_client.get("/institutions/?kind=facilitator")
    assert [i.code for i in page.context["object_list"]] == ["HUATEC"]
    page = office_client.get("/institutions/?q=cqev")
    assert [i.code for i in page.context["object_list"]] == ["CQEVTC"]


def test_institution_detail_shows_names_contacts_agreements_cohorts_and_students(office_client, partnership):
    page = office_client.get(f"/institutions/{partnership['partner'].pk}/")
    content = page.content.decode()
    for text in ("Chongqing College", "重庆学院", "Колледж CQEVTC", "Liu Yang", "STK-1", "CQ-MECH-2026"):
        assert text in content
    assert page.context["students_count"] == 3


def test_institution_create_saves_and_audits(office_client, office):
    data = {"code": "wuhan", "kind": "sending", "name_en": "Wuhan College", "name_zh": "武汉学院", "country": "cn"}
    response = office_client.post("/institutions/new/", data)
    institution = Institution.objects.get(code="WUHAN")
    assert response.status_code == 302 and response["Location"] == f"/institutions/{institution.pk}/"
    assert institution.country == "CN"
    assert AuditEntry.objects.get(action="institution.create").actor == office


def test_institution_form_errors_are_shown_next_to_the_field(office_client):
    response = office_client.post(
        "/institutions/new/", {"code": "BAD CODE", "kind": "sending", "name_en": "", "country": "China"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"code", "name_en", "country"}
    assert b'class="invalid-feedback d-block"' in response.content and b"is-invalid" in response.content
    assert not Institution.objects.filter(name_en="").exists() and not AuditEntry.objects.exists()


def test_institution_edit_records_the_change(office_client, partnership):
    partner = partnership["partner"]
    url = f"/institutions/{partner.pk}/edit/"
    form = office_client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data["city"] = "Yongchuan"
    assert office_client.post(url, data).status_code == 302
    assert AuditEntry.objects.get(action="institution.update").changes == {"city": ["Chongqing", "Yongchuan"]}


def test_contact_add_and_edit(office_client, partnership):
    partner = partnership["partner"]
    response = office_client.post(
        f"/institutions/{partner.pk}/contacts/new/",
        {"full_name": "Chen Jie", "email": "chen@example.cn", "is_primary": "on"},
    )
    assert response.status_code == 302
    new = Contact.objects.get(full_name="Chen Jie")
    partnership["contact"].refresh_from_db()
    assert new.is_primary and not partnership["contact"].is_primary
    response = office_client.post(f"/contacts/{new.pk}/edit/", {"full_name": "Chen Jie", "email": "not-an-email"})
    assert response.status_code == 200 and "email" in response.context["form"].errors
    response = office_client.post(f"/contacts/{new.pk}/edit/", {"full_name": "Chen Jie", "role": "coordinator"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="contact.update", object_id=str(new.pk)).exists()


def test_agreement_list_filters_by_status_and_partner(office_client, partnership):
    AgreementFactory(number="DRAFT-1", status=Agreement.Status.DRAFT)
    page = office_client.get("/agreements/?status=draft")
    assert [a.number for a in page.context["object_list"]] == ["DRAFT-1"]
    page = office_client.get(f"/agreements/?partner={partnership['partner'].pk}")
    assert [a.number for a in page.context["object_list"]] == ["STK-1"]


def test_agreement_detail_shows_quota_used_and_left_as_quota_used_counts(office_client, partnership):
    page = office_client.get(f"/agreements/{partnership['agreement'].pk}/")
    (quota,) = page.context["quotas"]
    assert (quota.places, quota.used, quota.left) == (10, 2, 8)
    assert quota.used == student_services.quota_used(partnership["quota"])
    content = page.content.decode()
    for text in ("Moscow State University", "Chongqing College", "HUATEC Corp", "CQ-MECH-2026"):
        assert text in content


def _agreement_post(w, **overrides):
    data = {
        "number": "STK-9",
        "title": "New agreement",
        "host": w["host"].pk,
        "partner": w["partner"].pk,
        "facilitator": "",
        "status": "draft",
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "quotas-TOTAL_FORMS": "2",
        "quotas-INITIAL_FORMS": "0",
        "quotas-MIN_NUM_FORMS": "0",
        "quotas-MAX_NUM_FORMS": "1000",
        "quotas-0-track": w["track"].pk,
        "quotas-0-year": "2027",
        "quotas-0-places": "12",
        "quotas-1-track": "",
        "quotas-1-year": "",
        "quotas-1-places": "",
    }
    data.update(overrides)
    return data


def test_agreement_create_with_quotas_and_a_pdf(office_client, partnership, office):
    data = _agreement_post(partnership, signed_document=SimpleUploadedFile("scan.pdf", PDF))
    response = office_client.post("/agreements/new/", data)
    agreement = Agreement.objects.get(number="STK-9")
    assert response.status_code == 302 and response["Location"] == f"/agreements/{agreement.pk}/"
    assert list(agreement.quotas.values_list("year", "places")) == [(2027, 12)]
    assert agreement.signed_document.name.startswith("agreements/")
    assert AuditEntry.objects.get(action="agreement.create").actor == office
    assert AuditEntry.objects.filter(action="quota.create").count() == 1


def test_agreement_create_invalid_saves_nothing(office_client, partnership):
    audit_before = AuditEntry.objects.count()
    data = _agreement_post(partnership, valid_until="2025-01-01", **{"quotas-0-places": "-1"})
    response = office_client.post("/agreements/new/", data)
    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert "places" in response.context["formset"].forms[0].errors
    assert not Agreement.objects.filter(number="STK-9").exists()
    assert AuditEntry.objects.count() == audit_before


def test_agreement_edit_changes_quotas_and_refuses_going_below_used(office_client, partnership):
    agreement, quota = partnership["agreement"], partnership["quota"]
    url = f"/agreements/{agreement.pk}/edit/"
    base = _agreement_post(
        partnership,
        number="STK-1",
        facilitator=partnership["facilitator"].pk,
        status="active",
        **{
            "quotas-TOTAL_FORMS": "1",
            "quotas-INITIAL_FORMS": "1",
            "quotas-0-id": quota.pk,
            "quotas-0-agreement": agreement.pk,
            "quotas-0-year": "2026",
        },
    )
    response = office_client.post(url, {**base, "title": "Renamed", "quotas-0-places": "1"})
    assert response.status_code == 200
    assert "cannot have fewer places than are taken (2)" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title != "Renamed" and AgreementQuota.objects.get(pk=quota.pk).places == 10

    response = office_client.post(url, {**base, "title": "Renamed", "quotas-0-places": "15"})
    assert response.status_code == 302
    assert AgreementQuota.objects.get(pk=quota.pk).places == 15
    assert AuditEntry.objects.get(action="quota.update").changes == {"places": [10, 15]}
    assert AuditEntry.objects.get(action="agreement.update").changes["title"][1] == "Renamed"


def test_duplicate_quota_rows_are_refused_by_the_form(office_client, partnership):
    data = _agreement_post(
        partnership,
        **{"quotas-1-track": partnership["track"].pk, "quotas-1-year": "2027", "quotas-1-places": "3"},
    )
    response = office_client.post("/agreements/new/", data)
    assert response.status_code == 200 and response.context["formset"].non_form_errors()
    assert not Agreement.objects.filter(number="STK-9").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", b"PK\x03\x04 a zip file named .pdf", "not a PDF"),
        ("scan.png", b"\x89PNG\r\n\x1a\n", "not a PDF"),
        ("huge.pdf", tiny_pdf() + b"%" + b"0" * 20 * 1024 * 1024, "the limit is 20 MB"),
        ("renamed.pdf", b"%PDF-1.4 only a header", "a PDF reader cannot open it"),
    ],
)
def test_signed_document_upload_refuses_non_pdfs_and_large_files(office_client, partnership, name, content, message):
    data = _agreement_post(partnership, signed_document=SimpleUploadedFile(name, content))
    response = office_client.post("/agreements/new/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["signed_document"])
    assert b"is-invalid" in response.content
    assert not Agreement.objects.filter(number="STK-9").exists()


@pytest.fixture
def agreement_with_document(partnership):
    agreement = partnership["agreement"]
    services.agreement_update(
        agreement=agreement, by=None, data={}, signed_document=SimpleUploadedFile("signed.pdf", PDF)
    )
    return agreement


def test_signed_document_download_for_staff(office_client, agreement_with_document):
    response = office_client.get(f"/agreements/{agreement_with_document.pk}/document/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "STK-1.pdf" in response["Content-Disposition"]


def test_signed_document_is_hidden_from_everyone_else(client, outsider, agreement_with_document):
    url = f"/agreements/{agreement_with_document.pk}/document/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={quote(url)}"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    # No public media URL leads to it either.
    assert client.get("/media/" + agreement_with_document.signed_document.name).status_code == 404


def test_download_without_a_document_is_404(office_client, partnership):
    assert office_client.get(f"/agreements/{partnership['agreement'].pk}/document/").status_code == 404
