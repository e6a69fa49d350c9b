"""The programs' staff pages: who may see and write what, escaping, and a fixed number of queries per page."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.models import Contact, Institution
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    ContactFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

pytestmark = pytest.mark.django_db


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


# Queries of each page: session, user, and one for the user's groups, permissions and unread notifications
# (foundation.access._access_load), plus the page's own reads.
PINNED_QUERIES = {
    "/institutions/": 5,
    "/agreements/": 6,
    "/tracks/": 4,
    "/cohorts/": 7,
    "agreement-detail": 6,
    "cohort-detail": 7,  # the enrollments, their progress (one query for all), whether diplomas can be requested
    "track-detail": 6,
    "institution-detail": 8,
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
