"""Partner API over diplomas: scoped list, the signed PDF of an issued diploma only, the lookup by number, pinned
query counts."""

import pytest
from django.utils import timezone

from diplomas import services
from diplomas.models import Diploma
from mobility.tests.support import api_client, make_api_key
from programs.tests.factories import CohortFactory, HostFactory, InstitutionFactory
from students.tests.factories import EnrollmentFactory

from .factories import FAKE_PDF, DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]


def _partner_of(diploma):
    _key, plain = make_api_key(diploma.enrollment.student.home_institution, last_used_at=timezone.now())
    return api_client(plain)


def _other_partner():
    _key, plain = make_api_key(InstitutionFactory(code="OTHER"))
    return api_client(plain)


def test_the_partner_lists_and_downloads_its_students_diploma(issued):
    client = _partner_of(issued)
    data = client.get("/api/v1/diplomas/").json()
    assert [row["number"] for row in data["results"]] == [issued.number]
    row = data["results"][0]
    assert row["pdf_url"] == f"/api/v1/diplomas/{issued.pk}/pdf/"
    assert row["verification_url"].endswith(f"/verify/{issued.verification_code}/")
    response = client.get(row["pdf_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(row["pdf_url"], HTTP_ACCEPT="application/pdf").status_code == 200


def test_another_partner_gets_404s(issued):
    client = _other_partner()
    assert client.get("/api/v1/diplomas/").json()["count"] == 0
    assert client.get(f"/api/v1/diplomas/{issued.pk}/").status_code == 404
    assert client.get(f"/api/v1/diplomas/{issued.pk}/pdf/").status_code == 404
    assert client.get("/api/v1/diplomas/lookup/", {"number": issued.number}).status_code == 404


def test_a_revoked_or_unissued_diploma_has_no_pdf(issued):
    client = _partner_of(issued)
    services.diploma_revoke(diploma=issued, by=None, reason="Wrong name")
    assert client.get(f"/api/v1/diplomas/{issued.pk}/pdf/").status_code == 404
    requested = Diploma.objects.create(enrollment=issued.enrollment)
    assert client.get(f"/api/v1/diplomas/{requested.pk}/pdf/").status_code == 404
    assert client.get(f"/api/v1/diplomas/{requested.pk}/").json()["pdf_url"] is None


def test_lookup_by_number(issued):
    client = _partner_of(issued)
    data = client.get("/api/v1/diplomas/lookup/", {"number": issued.number}).json()
    student = issued.enrollment.student
    assert data["number"] == issued.number and data["status"] == "issued"
    assert data["family_name_han"] == student.family_name_han and data["sha256"] == issued.sha256
    assert data["issued_on"] == timezone.localdate(issued.issued_at).isoformat()
    services.diploma_revoke(diploma=issued, by=None, reason="Wrong name")
    data = client.get("/api/v1/diplomas/lookup/", {"number": issued.number}).json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "Wrong name"
    assert client.get("/api/v1/diplomas/lookup/", {"number": "STK-IAM-1999-000001"}).status_code == 404
    missing = client.get("/api/v1/diplomas/lookup/")
    assert missing.status_code == 400 and "number" in missing.json()["fields"]


def test_a_number_is_found_whatever_its_letter_case(issued):
    """A number typed from a printed diploma ("stk-iam-2026-000042") finds it, in the lookup and the list filter."""
    client = _partner_of(issued)
    for typed in (issued.number.lower(), issued.number.swapcase(), f" {issued.number.lower()} "):
        response = client.get("/api/v1/diplomas/lookup/", {"number": typed})
        assert response.status_code == 200, (typed, response.json())
        assert response.json()["number"] == issued.number
    listed = client.get("/api/v1/diplomas/", {"number": issued.number.lower()}).json()
    assert [row["number"] for row in listed["results"]] == [issued.number]
    assert _other_partner().get("/api/v1/diplomas/lookup/", {"number": issued.number.lower()}).status_code == 404
    assert client.get("/api/v1/diplomas/lookup/", {"number": f"{issued.number}\x00"}).status_code == 400


def test_a_staff_key_sees_and_looks_up_every_diploma(issued):
    _key, plain = make_api_key(HostFactory())
    client = api_client(plain)
    assert client.get("/api/v1/diplomas/").json()["count"] == 1
    assert client.get("/api/v1/diplomas/lookup/", {"number": issued.number}).status_code == 200
    assert client.get(f"/api/v1/diplomas/{issued.pk}/pdf/").status_code == 200


def test_list_query_count_does_not_grow_with_the_page(issued, django_assert_num_queries):
    college = issued.enrollment.student.home_institution
    for _ in range(3):
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=CohortFactory(partner=college)))
    client = _partner_of(issued)
    for page_size in (1, 4):
        with django_assert_num_queries(5):  # key, count, page; the register of transfers' entry and its students
            response = client.get("/api/v1/diplomas/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


def test_lookup_is_4_queries(issued, django_assert_num_queries):
    client = _partner_of(issued)
    with django_assert_num_queries(4):  # key, the diploma with student and track; the transfer and its student
        assert client.get("/api/v1/diplomas/lookup/", {"number": issued.number}).status_code == 200
