import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry
from mobility.tests.samples import tiny_pdf
from mobility.tests.support import make_user
from programs import services
from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    ContactFactory,
    HostFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students import services as student_services
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)
PDF = tiny_pdf()


@pytest.fixture
def outsider():
    return make_user("outsider")


@pytest.fixture
def partnership():
    """An agreement of STANKIN and CQEVTC (with a facilitator) with a quota of track MECH (three modules), a cohort
    under it with two enrolled students (one with two results) and one applied, and a contact of the partner."""
    host = HostFactory()
    partner = InstitutionFactory(code="CQEVTC", name_en="Chongqing College", name_zh="重庆学院")
    facilitator = InstitutionFactory(code="HUATEC", kind=Institution.Kind.FACILITATOR, name_en="HUATEC Corp")
    track = TrackFactory(code="MECH")
    modules = [ModuleFactory(track=track, code=f"MECH-0{i}", credits=2) for i in range(1, 4)]
    agreement = AgreementFactory(host=host, partner=partner, facilitator=facilitator, number="STK-1")
    quota = AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=10)
    cohort = CohortFactory(code="CQ-MECH-2026", track=track, host=host, partner=partner, agreement=agreement)
    contact = ContactFactory(institution=partner, full_name="Liu Yang", is_primary=True)
    enrollments = EnrollmentFactory.create_batch(2, cohort=cohort, status=Enrollment.Status.ENROLLED)
    EnrollmentFactory(cohort=cohort)  # applied
    ModuleResultFactory(enrollment=enrollments[0], module=modules[0])
    ModuleResultFactory(enrollment=enrollments[0], module=modules[1])
    return {
        "host": host,
        "partner": partner,
        "facilitator": facilitator,
        "track": track,
        "modules": modules,
        "agreement": agreement,
        "quota": quota,
        "cohort": cohort,
        "contact": contact,
        "enrollments": enrollments,
    }


def _pages(w):
    return [
        "/institutions/",
        "/institutions/new/",
        f"/institutions/{w['partner'].pk}/",
        f"/institutions/{w['partner'].pk}/edit/",
        f"/institutions/{w['partner'].pk}/contacts/new/",
        f"/contacts/{w['contact'].pk}/edit/",
        "/agreements/",
        "/agreements/new/",
        f"/agreements/{w['agreement'].pk}/",
        f"/agreements/{w['agreement'].pk}/edit/",
        "/tracks/",
        "/tracks/new/",
        f"/tracks/{w['track'].pk}/",
        f"/tracks/{w['track'].pk}/edit/",
        f"/tracks/{w['track'].pk}/modules/new/",
        f"/tracks/{w['track'].pk}/modules/{w['modules'][0].pk}/edit/",
        "/cohorts/",
        "/cohorts/new/",
        f"/students/cohorts/{w['cohort'].pk}/",
        f"/cohorts/{w['cohort'].pk}/edit/",
    ]


# --- who may see what --------------------------------------------------------------------------------------------


def test_every_page_renders_for_office_staff(office_client, partnership):
    for url in _pages(partnership):
        response = office_client.get(url)
        assert response.status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, partnership):
    for url in [*_pages(partnership), f"/contacts/{partnership['contact'].pk}/delete/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={quote(url)}"


def test_logged_in_non_staff_get_403(client, outsider, partnership):
    client.force_login(outsider)
    for url in _pages(partnership):
        assert client.get(url).status_code == 403, url
    assert client.post("/institutions/new/", {"code": "X"}).status_code == 403
    assert not Institution.objects.filter(code="X").exists()


def test_writes_need_the_matching_permission(client, partnership):
    viewer = make_user("viewer")
    viewer.user_permissions.add(
        *Group.objects.get(name=OFFICE).permissions.filter(
            codename__startswith="view_", content_type__app_label="programs"
        )
    )
    viewer.groups.add(Group.objects.create(name="reader"))  # not an office group: still not staff
    client.force_login(viewer)
    assert client.get("/institutions/").status_code == 403
    viewer.groups.add(Group.objects.get(name=OFFICE))
    # Office members have add/change; only office-admin may delete a contact.
    delete_url = f"/contacts/{partnership['contact'].pk}/delete/"
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url).status_code == 403
    assert Contact.objects.filter(pk=partnership["contact"].pk).exists()


def test_office_admin_deletes_a_contact_after_confirming(client, office_admin, partnership):
    client.force_login(office_admin)
    url = f"/contacts/{partnership['contact'].pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/institutions/{partnership['partner'].pk}/"
    assert not Contact.objects.filter(pk=partnership["contact"].pk).exists()
    assert AuditEntry.objects.filter(action="contact.delete", actor=office_admin).exists()


def test_forms_carry_a_csrf_token(office_client, partnership):
    for url in _pages(partnership):
        if url.endswith(("/new/", "/edit/")):
            assert b'name="csrfmiddlewaretoken"' in office_client.get(url).content, url


def test_user_data_is_escaped(office_client):
    InstitutionFactory(code="EVIL", name_en="<script>alert(1)</script>")
    page = office_client.get("/institutions/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- institutions and contacts -----------------------------------------------------------------------------------


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


# --- agreements --------------------------------------------------------------------------------------------------


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


# --- tracks and modules ------------------------------------------------------------------------------------------


def test_track_page_lists_the_curriculum_with_totals(office_client, partnership):
    ModuleFactory(track=partnership["track"], code="MECH-10", hours=36, credits=Decimal(1), is_required=False)
    page = office_client.get(f"/tracks/{partnership['track'].pk}/")
    assert [m.code for m in page.context["modules"]] == ["MECH-01", "MECH-02", "MECH-03", "MECH-10"]
    totals = page.context["totals"]
    assert (totals["hours_required"], totals["hours"]) == (216, 252)
    assert (totals["credits_required"], totals["credits"]) == (6, 7)
    listed = office_client.get("/tracks/").context["object_list"][0]
    assert (listed.required_count, listed.modules_count, listed.hours_required, listed.hours_total) == (3, 4, 216, 252)
    assert (listed.credits_required, listed.credits_total) == (6, 7)


def test_track_create_and_edit(office_client):
    data = {"code": "robo", "name_en": "Robotics", "pass_score": "60", "good_score": "75", "excellent_score": "90"}
    response = office_client.post("/tracks/new/", {**data, "is_active": "on"})
    track = Track.objects.get(code="ROBO")
    assert response.status_code == 302 and AuditEntry.objects.filter(action="track.create").exists()
    response = office_client.post(f"/tracks/{track.pk}/edit/", {**data, "code": "ROBO", "good_score": "50"})
    assert response.status_code == 200 and "good_score" in response.context["form"].errors
    response = office_client.post(f"/tracks/{track.pk}/edit/", {**data, "code": "ROBO", "name_ru": "Робототехника"})
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="track.update").changes["name_ru"] == ["", "Робототехника"]


def _module_post(**overrides):
    return {
        "code": "MECH-04",
        "title_en": "Hydraulics",
        "title_zh": "液压",
        "hours": "72",
        "credits": "2",
        "assessment_kind": "credit",
        "is_required": "on",
        "order": "4",
        **overrides,
    }


def test_module_add_and_edit(office_client, partnership):
    track = partnership["track"]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post())
    assert response.status_code == 302 and response["Location"] == f"/tracks/{track.pk}/"
    module = Module.objects.get(track=track, code="MECH-04")
    assert AuditEntry.objects.filter(action="module.create").exists()
    response = office_client.post(f"/tracks/{track.pk}/modules/{module.pk}/edit/", _module_post(hours="108"))
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="module.update").changes == {"hours": [72, 108]}


def test_module_code_taken_in_the_track_is_a_field_error_not_a_500(office_client, partnership):
    track = partnership["track"]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post(code="MECH-01"))
    assert response.status_code == 200
    assert "already has a module with the code MECH-01" in response.context["form"].errors["code"][0]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post(hours="0", credits="99"))
    assert response.status_code == 200 and {"hours", "credits"} <= set(response.context["form"].errors)
    assert Module.objects.filter(track=track).count() == 3


# --- cohorts -----------------------------------------------------------------------------------------------------


def test_cohort_list_filters_and_counts_per_status(office_client, partnership):
    other = CohortFactory(code="OTHER")
    page = office_client.get(f"/cohorts/?track={partnership['track'].pk}")
    (cohort,) = page.context["object_list"]
    assert (cohort.n_applied, cohort.n_enrolled, cohort.n_places) == (1, 2, 2)
    page = office_client.get(f"/cohorts/?partner={other.partner_id}")
    assert [c.code for c in page.context["object_list"]] == ["OTHER"]


def test_cohort_detail_shows_each_students_progress(office_client, partnership):
    page = office_client.get(f"/students/cohorts/{partnership['cohort'].pk}/")
    progress = {
        e.pk: (e.status, e.required_passed, e.required_total, e.credits_earned) for e in page.context["enrollments"]
    }
    first, second = partnership["enrollments"]
    assert progress[first.pk] == ("enrolled", 2, 3, Decimal(4))
    assert progress[second.pk] == ("enrolled", 0, 3, Decimal(0))
    assert page.context["places_taken"] == 2
    assert "2 / 3" in page.content.decode()


def _cohort_post(w, **overrides):
    return {
        "code": "CQ-MECH-2027",
        "name": "Mechatronics 2027",
        "track": w["track"].pk,
        "host": w["host"].pk,
        "partner": w["partner"].pk,
        "agreement": w["agreement"].pk,
        "start_date": "2027-09-01",
        "end_date": "2028-06-30",
        "application_deadline": "2027-06-30",
        "capacity": "20",
        "delivery_mode": "online",
        "lms_course_id": "lms-1",
        **overrides,
    }


def test_cohort_create(office_client, partnership):
    response = office_client.post("/cohorts/new/", _cohort_post(partnership))
    cohort = Cohort.objects.get(code="CQ-MECH-2027")
    assert response.status_code == 302 and response["Location"] == f"/students/cohorts/{cohort.pk}/"
    assert AuditEntry.objects.filter(action="cohort.create").exists()


def test_cohort_create_invalid_shows_field_errors(office_client, partnership):
    other_agreement = AgreementFactory(host=partnership["host"])
    response = office_client.post(
        "/cohorts/new/", _cohort_post(partnership, end_date="2027-01-01", agreement=other_agreement.pk)
    )
    assert response.status_code == 200
    assert {"end_date", "agreement"} <= set(response.context["form"].errors)
    assert not Cohort.objects.filter(code="CQ-MECH-2027").exists()


def test_cohort_with_enrollments_keeps_its_track_and_partner(office_client, partnership):
    cohort = partnership["cohort"]
    url = f"/cohorts/{cohort.pk}/edit/"
    form = office_client.get(url).context["form"]
    assert form.fields["track"].disabled and form.fields["partner"].disabled
    other_track = TrackFactory()
    data = _cohort_post(
        partnership,
        code=cohort.code,
        start_date="2026-03-01",
        end_date="2026-12-20",
        application_deadline="",
        track=other_track.pk,
    )
    response = office_client.post(url, {**data, "name": "Renamed"})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.track == partnership["track"] and cohort.name == "Renamed"
    response = office_client.post(url, {**data, "capacity": "1"})
    assert response.status_code == 200 and "capacity" in response.context["form"].errors


# --- a fixed number of queries per page ----------------------------------------------------------------------------


def _grow(w, n):
    """Add ``n`` more of everything the lists show."""
    for i in range(n):
        partner = InstitutionFactory(code=f"GROW{i}")
        ContactFactory(institution=partner)
        track = TrackFactory(code=f"GT{i}")
        ModuleFactory(track=track)
        agreement = AgreementFactory(host=w["host"], partner=partner, facilitator=w["facilitator"])
        AgreementQuotaFactory(agreement=agreement, track=track)
        cohort = CohortFactory(track=track, host=w["host"], partner=partner, agreement=agreement)
        EnrollmentFactory(cohort=cohort, status=Enrollment.Status.ENROLLED)
        enrollment = EnrollmentFactory(cohort=w["cohort"], status=Enrollment.Status.ENROLLED)
        ModuleResultFactory(enrollment=enrollment, module=w["modules"][0])


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Queries of each page: session, user, office-group check and permissions (4-5) plus the page's own reads.
PINNED_QUERIES = {
    "/institutions/": 7,
    "/agreements/": 8,
    "/tracks/": 6,
    "/cohorts/": 9,
    "agreement-detail": 8,
    "cohort-detail": 7,
    "track-detail": 8,
    "institution-detail": 10,
}


def _query_urls(w):
    return {
        "/institutions/": "/institutions/",
        "/agreements/": "/agreements/",
        "/tracks/": "/tracks/",
        "/cohorts/": "/cohorts/",
        "agreement-detail": f"/agreements/{w['agreement'].pk}/",
        "cohort-detail": f"/students/cohorts/{w['cohort'].pk}/",
        "track-detail": f"/tracks/{w['track'].pk}/",
        "institution-detail": f"/institutions/{w['host'].pk}/",
    }


def test_pages_render_with_a_fixed_number_of_queries(office_client, partnership, django_assert_num_queries):
    urls = _query_urls(partnership)
    for url in urls.values():  # warm the process-wide caches (content types, permissions) first
        office_client.get(url)
    small = {name: _count(office_client, url) for name, url in urls.items()}
    _grow(partnership, 6)
    large = {name: _count(office_client, url) for name, url in urls.items()}
    assert small == large
    assert large == PINNED_QUERIES
    for name, url in urls.items():
        with django_assert_num_queries(PINNED_QUERIES[name]):
            office_client.get(url)


def test_the_old_address_of_a_cohorts_page_leads_to_it(office_client, partnership):
    # The cohort's page moved under students/ (it lists the students app's enrollments); bookmarks keep working.
    response = office_client.get(f"/cohorts/{partnership['cohort'].pk}/")
    assert response.status_code == 301 and response["Location"] == f"/students/cohorts/{partnership['cohort'].pk}/"
