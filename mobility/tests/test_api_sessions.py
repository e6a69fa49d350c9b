"""The partner API with a partner coordinator's session, as its college's key would use it: lists hold only the
college's rows, writes need the CSRF token (DRF's SessionAuthentication, as a browser sends it), an observer reads
only, another college's ids are 404, and the other people of the partnership are refused."""

import json

import pytest
from rest_framework.test import APIClient

from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from mobility.foundation.models import AuditEntry, IdempotencyRecord, WebhookEndpoint
from mobility.tests.partnership import partnership
from students.models import Enrollment, ModuleResult, Student

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

ERROR_KEYS = {"code", "message", "fields", "details"}


@pytest.fixture
def world():
    world = partnership()
    for enrollment in (world.enrollment_a, world.enrollment_b):
        DiplomaFactory(enrollment=enrollment, status=Diploma.Status.ISSUED)
    return world


def session(world, role: str, *, csrf: bool = False) -> APIClient:
    """A browser's session of ``role``; with ``csrf``, the CSRF checks on and the token taken from a page's form, as a
    browser's script would send it."""
    client = APIClient(enforce_csrf_checks=csrf)
    client.force_login(world.user(role))
    if csrf:
        assert client.get("/partner/messages/general/").status_code == 200
        client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    return client


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_a_coordinators_session_lists_only_its_colleges_rows(world):
    client = session(world, "coordinator-a")
    assert _ids(client.get("/api/v1/students/")) == {world.student_a.pk}
    assert _ids(client.get("/api/v1/enrollments/")) == {world.enrollment_a.pk}
    assert _ids(client.get("/api/v1/results/")) == set(
        ModuleResult.objects.filter(enrollment=world.enrollment_a).values_list("pk", flat=True)
    )
    assert _ids(client.get("/api/v1/diplomas/")) == set(
        Diploma.objects.filter(enrollment=world.enrollment_a).values_list("pk", flat=True)
    )
    assert _ids(client.get("/api/v1/cohorts/")) == {world.cohort_a.pk}


def test_me_names_the_coordinators_college_and_the_observers_one_scope(world):
    data = session(world, "coordinator-a").get("/api/v1/me/").json()
    assert data["kind"] == "partner_user" and data["username"] == "coordinator-a"
    assert data["institution"]["id"] == world.college_a.pk and data["scopes"] == ["read", "write"]
    data = session(world, "observer-a").get("/api/v1/me/").json()
    assert data["kind"] == "partner_user" and data["scopes"] == ["read"]
    assert session(world, "office").get("/api/v1/me/").json()["kind"] == "staff_user"


STUDENT = {
    "home_student_id": "A-2027-001",
    "family_name_latin": "Li",
    "given_name_latin": "Na",
    "family_name_han": "李",
    "given_name_han": "娜",
    "sex": "F",
    "citizenship": "CN",
}


def test_a_coordinator_nominates_a_student_and_applies_with_the_csrf_token(world):
    client = session(world, "coordinator-a", csrf=True)
    response = client.post("/api/v1/students/", STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="nominate-1")
    assert response.status_code == 201, response.content
    student = Student.objects.get(pk=response.json()["id"])
    assert student.home_institution_id == world.college_a.pk  # the college, without naming it
    # The idempotency record belongs to the person, not to a key.
    assert IdempotencyRecord.objects.get(key="nominate-1").owner == f"user:{world.user('coordinator-a').pk}"
    again = client.post("/api/v1/students/", STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="nominate-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Student.objects.filter(home_student_id="A-2027-001").count() == 1

    response = client.post("/api/v1/enrollments/", {"student": student.pk, "cohort": world.cohort_a.pk}, format="json")
    assert response.status_code == 201, response.content
    enrollment = Enrollment.objects.get(pk=response.json()["id"])
    assert enrollment.status == Enrollment.Status.APPLIED and enrollment.source == Enrollment.Source.API
    entry = AuditEntry.objects.get(action="enrollment.apply", object_id=str(enrollment.pk))
    assert entry.actor == world.user("coordinator-a")
    history = client.get(f"/api/v1/enrollments/{enrollment.pk}/history/").json()
    assert [row["by"] for row in history] == ["partner"]


def test_a_session_write_without_the_csrf_token_is_refused(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.user("coordinator-a"))
    response = client.post("/api/v1/students/", STUDENT, format="json")
    assert response.status_code == 403 and set(response.json()) == ERROR_KEYS
    assert not Student.objects.filter(home_student_id="A-2027-001").exists()


def test_an_observer_reads_and_its_write_is_a_json_403(world):
    client = session(world, "observer-a", csrf=True)
    assert _ids(client.get("/api/v1/students/")) == {world.student_a.pk}
    response = client.post("/api/v1/students/", STUDENT, format="json")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "insufficient_scope"
    assert not Student.objects.filter(home_student_id="A-2027-001").exists()


def test_another_colleges_coordinator_gets_404_for_its_ids_and_changes_nothing(world):
    client = session(world, "coordinator-b", csrf=True)
    result = ModuleResult.objects.filter(enrollment=world.enrollment_a).first()
    diploma = Diploma.objects.get(enrollment=world.enrollment_a)
    for url in (
        f"/api/v1/students/{world.student_a.pk}/",
        f"/api/v1/enrollments/{world.enrollment_a.pk}/",
        f"/api/v1/results/{result.pk}/",
        f"/api/v1/diplomas/{diploma.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and set(response.json()) == ERROR_KEYS, url
    family_name = world.student_a.family_name_latin
    response = client.patch(f"/api/v1/students/{world.student_a.pk}/", {"family_name_latin": "X"}, format="json")
    assert response.status_code == 404
    world.student_a.refresh_from_db()
    assert world.student_a.family_name_latin == family_name
    # Applying A's student to B's cohort: the student "does not exist" for B.
    response = client.post(
        "/api/v1/enrollments/", {"student": world.student_a.pk, "cohort": world.cohort_b.pk}, format="json"
    )
    assert response.status_code == 400 and "student" in response.json()["fields"]


@pytest.mark.parametrize("role", ["facilitator", "teacher-m", "student"])
def test_other_peoples_sessions_are_refused(world, role):
    response = session(world, role).get("/api/v1/students/")
    assert response.status_code == 403 and set(response.json()) == ERROR_KEYS


def test_a_coordinator_registers_a_webhook_for_its_college_only(world):
    WebhookEndpoint.objects.create(
        institution=world.college_b, url="https://b.example.cn/hooks", events=["diploma.issued"]
    )
    client = session(world, "coordinator-a", csrf=True)
    body = {"url": "https://a.example.cn/hooks", "events": ["diploma.issued"], "institution": world.college_b.pk}
    response = client.post("/api/v1/webhook-endpoints/", body, format="json")
    # B's id is not among the institutions A may name: refused, nothing written for B.
    assert response.status_code == 400 and "institution" in response.json()["fields"]
    del body["institution"]
    response = client.post("/api/v1/webhook-endpoints/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["secret"] and response.json()["institution"] == world.college_a.pk
    listed = client.get("/api/v1/webhook-endpoints/").json()["results"]
    assert [row["url"] for row in listed] == ["https://a.example.cn/hooks"]
    observer = session(world, "observer-a", csrf=True)
    assert len(observer.get("/api/v1/webhook-endpoints/").json()["results"]) == 1
    response = observer.post("/api/v1/webhook-endpoints/", {**body, "url": "https://c.example.cn/"}, format="json")
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "insufficient_scope"
