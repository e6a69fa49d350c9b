"""Partner API over students, enrollments, results and progress: scoping, writes through the services, sensitive
data, idempotency, and the pinned query counts of the lists."""

import datetime

import pytest

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.foundation.models import AuditEntry, IdempotencyRecord
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import CohortFactory, InstitutionFactory, ModuleFactory
from students import services
from students.models import Enrollment, Student

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache"), pytest.mark.clock]


@pytest.fixture
def other_college():
    return InstitutionFactory(code="OTHER")


@pytest.fixture
def partner(college):
    key, plain = make_api_key(college)
    return api_client(plain)


@pytest.fixture
def other_partner(other_college):
    key, plain = make_api_key(other_college)
    return api_client(plain)


NEW_STUDENT = {
    "home_student_id": "2026000777",
    "family_name_han": "李",
    "given_name_han": "娜",
    "family_name_latin": "Li",
    "given_name_latin": "Na",
    "family_name_cyrillic": "Ли",
    "given_name_cyrillic": "На",
    "sex": "F",
    "citizenship": "CN",
    "email": "li.na@example.cn",
}


# --- students ----------------------------------------------------------------------------------------------------


def test_a_partner_lists_only_its_home_students(partner, college, other_college):
    mine = StudentFactory.create_batch(2, home_institution=college)
    StudentFactory(home_institution=other_college)
    response = partner.get("/api/v1/students/")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["id"] for row in response.json()["results"]} == {s.pk for s in mine}


def test_reads_never_return_passport_data_to_a_key(partner, college):
    student = StudentFactory(home_institution=college, passport_number="E00000001")
    data = partner.get(f"/api/v1/students/{student.pk}/").json()
    assert data["home_student_id"] == student.home_student_id
    assert not set(Student.SENSITIVE_FIELDS) & set(data)
    listed = partner.get("/api/v1/students/").json()["results"][0]
    assert not set(Student.SENSITIVE_FIELDS) & set(listed)


def test_staff_see_passport_data_only_with_the_permission(college):
    student = StudentFactory(home_institution=college, passport_number="E00000001")
    plain_office = api_client(user=make_user("office", OFFICE)).get(f"/api/v1/students/{student.pk}/").json()
    assert "passport_number" not in plain_office
    admin = api_client(user=make_user("admin", OFFICE_ADMIN)).get(f"/api/v1/students/{student.pk}/").json()
    assert admin["passport_number"] == "E00000001"


@pytest.mark.parametrize("role", ["key", OFFICE, OFFICE_ADMIN])
def test_the_list_shows_each_student_as_the_serializer_does(role, college):
    """The list reads ``values()`` rows (``ValuesRepresentation``): the same fields, order and values as
    ``StudentSerializer`` gives the detail, with passport data only for staff allowed to see it."""
    from students.api.serializers import StudentSerializer

    StudentFactory(home_institution=college, passport_number="E00000001", birth_date=datetime.date(2005, 3, 4))
    StudentFactory(home_institution=college, phone="", email="second@example.cn")
    if role == "key":
        key, plain = make_api_key(college)
        client, viewer = api_client(plain), key
    else:
        viewer = make_user(role, role)
        client = api_client(user=viewer)
    listed = client.get("/api/v1/students/").json()["results"]
    expected = StudentSerializer(Student.objects.order_by("id"), many=True, context={"viewer": viewer}).data
    assert listed == [dict(row) for row in expected]
    assert [list(row) for row in listed] == [list(row) for row in expected]
    assert ("passport_number" in listed[0]) is (role == OFFICE_ADMIN)
    assert listed == [client.get(f"/api/v1/students/{row['id']}/").json() for row in listed]


def test_a_partner_nominates_a_student_through_the_service(partner, college):
    body = {
        **NEW_STUDENT,
        "passport_number": "E77777777",
        "birth_date": "2005-03-04",
        "transfer_consent": {"version": 1, "collected_on": "2026-01-15"},
    }
    response = partner.post("/api/v1/students/", body, format="json")
    assert response.status_code == 201, response.json()
    assert "transfer_consent" not in response.json()
    data = response.json()
    student = Student.objects.get(pk=data["id"])
    assert student.home_institution == college
    assert student.passport_number == "E77777777"
    assert response["Location"] == f"/api/v1/students/{student.pk}/"
    # What it sent comes back in this response, and only here.
    assert data["passport_number"] == "E77777777" and data["birth_date"] == "2005-03-04"
    assert "passport_expires_on" not in data
    assert "passport_number" not in partner.get(f"/api/v1/students/{student.pk}/").json()
    entry = AuditEntry.objects.get(action="student.create", object_id=str(student.pk))
    assert entry.actor is None and entry.actor_label == "api-key:CQEVTC:SIS"
    assert entry.changes["passport_number"] == [None, "***"]


def test_a_partner_cannot_place_a_student_at_another_institution(partner, other_college):
    response = partner.post("/api/v1/students/", {**NEW_STUDENT, "home_institution": other_college.pk}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "does not exist" in body["fields"]["home_institution"][0]
    assert not Student.objects.exists()


def test_validation_errors_name_their_fields(partner):
    response = partner.post("/api/v1/students/", {"home_student_id": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields", "details"}
    assert {"home_student_id", "family_name_latin", "given_name_latin"} <= set(body["fields"])


def test_service_refusals_are_400s_with_the_field(partner, college):
    StudentFactory(home_institution=college, home_student_id=NEW_STUDENT["home_student_id"])
    response = partner.post("/api/v1/students/", NEW_STUDENT, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_home_id"
    assert list(body["fields"]) == ["home_student_id"]


def test_a_partner_updates_its_student_and_not_another(partner, other_partner, college):
    student = StudentFactory(home_institution=college)
    response = partner.patch(f"/api/v1/students/{student.pk}/", {"phone": "+86 1"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+86 1"
    response = other_partner.patch(f"/api/v1/students/{student.pk}/", {"phone": "+86 2"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    student.refresh_from_db()
    assert student.phone == "+86 1"


def test_put_replaces_the_record(partner, college):
    student = StudentFactory(home_institution=college)
    response = partner.put(f"/api/v1/students/{student.pk}/", NEW_STUDENT, format="json")
    assert response.status_code == 200, response.json()
    student.refresh_from_db()
    assert student.family_name_latin == "Li" and student.home_student_id == NEW_STUDENT["home_student_id"]


def test_staff_must_name_the_home_institution(college):
    client = api_client(user=make_user("office", OFFICE))
    assert client.post("/api/v1/students/", NEW_STUDENT, format="json").status_code == 400
    response = client.post("/api/v1/students/", {**NEW_STUDENT, "home_institution": college.pk}, format="json")
    assert response.status_code == 201, response.json()


def test_modified_since_filters_for_incremental_sync(partner, college):
    old = StudentFactory(home_institution=college)
    Student.objects.filter(pk=old.pk).update(modified_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    new = StudentFactory(home_institution=college)
    response = partner.get("/api/v1/students/", {"modified_since": "2024-01-01T00:00:00Z"})
    assert [row["id"] for row in response.json()["results"]] == [new.pk]
    bad = partner.get("/api/v1/students/", {"modified_since": "yesterday"})
    assert bad.status_code == 400 and "modified_since" in bad.json()["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"home_student_id": 2026000777}, "home_student_id"), ({"family_name_latin": 0}, "family_name_latin")],
)
def test_fields_take_the_json_type_the_schema_names(partner, college, change, field):
    """DRF would store the number 2026000777 as the text "2026000777"; the schema says string, so it is refused."""
    response = partner.post("/api/v1/students/", {**NEW_STUDENT, **change}, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Student.objects.exists()
    applied = partner.post("/api/v1/enrollments/", {"student": "1", "cohort": True}, format="json")
    assert applied.status_code == 400 and set(applied.json()["fields"]) == {"student", "cohort"}


def test_a_passport_expiry_before_the_stored_issue_date_is_a_400_not_a_500(partner, college):
    """The issue date is in the record, the expiry date in the change: the database's constraint refuses the pair,
    which the service states as a refusal of the field."""
    student = StudentFactory(home_institution=college, passport_issued_on=datetime.date(2020, 5, 1))
    response = partner.patch(f"/api/v1/students/{student.pk}/", {"passport_expires_on": "2019-01-01"}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "passport_dates" and "passport_expires_on" in response.json()["fields"]
    student.refresh_from_db()
    assert student.passport_expires_on is None


def test_modified_since_needs_a_time_zone_and_reads_offsets(partner, college):
    """A partner in Beijing (UTC+8) that sends its local time without a zone would be read in the server's zone and
    miss rows: refused with what to send. ``Z`` and offsets are read as sent, also a ``+`` decoded to a space."""
    student = StudentFactory(home_institution=college)
    changed = datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Beijing, 05:30 in Moscow
    Student.objects.filter(pk=student.pk).update(modified_at=changed)

    naive = partner.get("/api/v1/students/", {"modified_since": "2026-03-01T10:00:00"})
    assert naive.status_code == 400
    assert naive.json()["code"] == "validation_error"
    assert set(naive.json()) == {"code", "message", "fields", "details"}
    [message] = naive.json()["fields"]["modified_since"]
    assert "time zone" in message and "Z" in message and "+08:00" in message and "%2B" in message
    assert "%%" not in message

    def ids(query: str) -> list[int]:
        response = partner.get(f"/api/v1/students/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    # 10:00 in Beijing is 02:00 UTC: the change at 02:30 UTC is after it, however the offset is written.
    for query in (
        "modified_since=2026-03-01T10:00:00%2B08:00",  # + encoded
        "modified_since=2026-03-01T10:00:00+08:00",  # + sent raw: decoded to a space
        "modified_since=2026-03-01T10:00:00%2008:00",
        "modified_since=2026-03-01T10:00:00%2B0800",
        "modified_since=2026-03-01T02:00:00Z",
    ):
        assert ids(query) == [student.pk], query
    # 11:00 in Beijing is 03:00 UTC: after the change.
    assert ids("modified_since=2026-03-01T11:00:00+08:00") == []
    assert ids("modified_since=2026-03-01T03:00:00Z") == []
    # Offsets past PostgreSQL's ±15:59, and times UTC cannot hold, are still times: before or after every row.
    assert ids("modified_since=2026-03-01T23:00:00%2B20:30") == [student.pk]  # 02:30 UTC
    assert ids("modified_since=0001-01-01T00:00:00%2B05:00") == [student.pk]
    assert ids("modified_since=9999-12-31T23:59:59-05:00") == []


def test_ordering_and_page_size(partner, college):
    for name in ("Cao", "Bai", "An"):
        StudentFactory(home_institution=college, family_name_latin=name)
    response = partner.get("/api/v1/students/", {"ordering": "family_name_latin", "page_size": 2})
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 2
    assert [row["family_name_latin"] for row in data["results"]] == ["An", "Bai"]
    assert partner.get("/api/v1/students/", {"page_size": 500}).status_code == 200  # capped at 100


# --- enrollments -------------------------------------------------------------------------------------------------


def test_a_partner_applies_its_student_to_its_cohort(partner, college):
    student = StudentFactory(home_institution=college)
    cohort = CohortFactory(partner=college)
    response = partner.post("/api/v1/enrollments/", {"student": student.pk, "cohort": cohort.pk}, format="json")
    assert response.status_code == 201, response.json()
    enrollment = Enrollment.objects.get(pk=response.json()["id"])
    assert enrollment.status == "applied" and enrollment.source == Enrollment.Source.API
    assert response.json()["status"] == "applied"
    assert AuditEntry.objects.get(action="enrollment.apply").actor_label == "api-key:CQEVTC:SIS"


def test_another_partners_cohort_or_student_does_not_exist(partner, college, other_college):
    student = StudentFactory(home_institution=college)
    foreign_cohort = CohortFactory(partner=other_college)
    foreign_student = StudentFactory(home_institution=other_college)
    own_cohort = CohortFactory(partner=college)
    for body, field in (
        ({"student": student.pk, "cohort": foreign_cohort.pk}, "cohort"),
        ({"student": foreign_student.pk, "cohort": own_cohort.pk}, "student"),
    ):
        response = partner.post("/api/v1/enrollments/", body, format="json")
        assert response.status_code == 400
        assert "does not exist" in response.json()["fields"][field][0]
    assert not Enrollment.objects.exists()


def test_a_closed_cohort_refuses_with_the_services_reason(partner, college):
    student = StudentFactory(home_institution=college)
    cohort = CohortFactory(partner=college, accepts_applications=False)
    response = partner.post("/api/v1/enrollments/", {"student": student.pk, "cohort": cohort.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "cohort_closed"
    assert list(response.json()["fields"]) == ["cohort"]


def test_history_and_progress(partner, college):
    enrollment = EnrollmentFactory(cohort=CohortFactory(partner=college))
    office = make_user("office", OFFICE)
    services.enrollment_admit(enrollment=enrollment, by=office)
    services.enrollment_enroll(enrollment=enrollment, by=office)
    required = ModuleFactory(track=enrollment.track, hours=100, credits=3)
    ModuleFactory(track=enrollment.track, hours=50, credits=2)
    ModuleResultFactory(enrollment=enrollment, module=required)

    history = partner.get(f"/api/v1/enrollments/{enrollment.pk}/history/").json()
    assert [(h["from_status"], h["to_status"], h["by"]) for h in history] == [
        ("applied", "admitted", "office"),
        ("admitted", "enrolled", "office"),
    ]
    progress = partner.get(f"/api/v1/enrollments/{enrollment.pk}/progress/").json()
    assert progress["required"] == 2 and progress["required_passed"] == 1 and progress["percent"] == 50
    assert progress["hours_passed"] == 100 and progress["status"] == "enrolled"


def test_results_are_scoped(partner, college, other_college):
    mine = ModuleResultFactory(enrollment=EnrollmentFactory(cohort=CohortFactory(partner=college)))
    ModuleResultFactory(enrollment=EnrollmentFactory(cohort=CohortFactory(partner=other_college)))
    data = partner.get("/api/v1/results/").json()
    assert [row["id"] for row in data["results"]] == [mine.pk]
    assert data["results"][0]["passed"] is True and data["results"][0]["student"] == mine.enrollment.student_id


# --- idempotency -------------------------------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_replay_the_response(partner):
    first = partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Location"] == first["Location"] and again["Idempotent-Replayed"] == "true"
    assert Student.objects.count() == 1
    assert AuditEntry.objects.filter(action="student.create").count() == 1


def test_the_same_key_with_another_body_is_a_conflict(partner):
    partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = {**NEW_STUDENT, "home_student_id": "other", "email": ""}
    response = partner.post("/api/v1/students/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Student.objects.count() == 1


def test_a_duplicate_while_the_first_is_in_flight_is_a_conflict(partner, college):
    # The first request claimed the key and has not finished: its record has no response yet.
    key = college.api_keys.get()
    IdempotencyRecord.objects.create(
        owner=f"api-key:{key.prefix}", key="k-1", method="POST", path="/api/v1/students/", request_hash="x"
    )
    response = partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert not Student.objects.exists()


def test_keys_are_per_credential_and_refusals_are_replayed_too(partner, other_partner, college):
    StudentFactory(home_institution=college, home_student_id=NEW_STUDENT["home_student_id"])
    first = partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 400
    again = partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 400 and again.json() == first.json()
    # The same key string from another partner is another key.
    assert (
        other_partner.post("/api/v1/students/", NEW_STUDENT, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code
        == 201
    )


def test_idempotent_application(partner, college):
    student = StudentFactory(home_institution=college)
    cohort = CohortFactory(partner=college)
    body = {"student": student.pk, "cohort": cohort.pk}
    first = partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")
    again = partner.post("/api/v1/enrollments/", body, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")
    assert first.status_code == again.status_code == 201
    assert Enrollment.objects.count() == 1
    # Without the key, a retry is refused by the service: the student already applied to the track.
    assert partner.post("/api/v1/enrollments/", body, format="json").json()["code"] == "duplicate_enrollment"


# --- query counts ------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_key_client(college):
    """A partner client whose key was used a moment ago, so ``last_used_at`` is not written during the count."""
    from django.utils import timezone

    key, plain = make_api_key(college, name="Counted", last_used_at=timezone.now())
    return api_client(plain)


@pytest.mark.parametrize(
    ("url", "queries"),
    [("/api/v1/students/", 5), ("/api/v1/enrollments/", 5), ("/api/v1/results/", 5)],
)
def test_list_query_counts_do_not_grow_with_the_page(
    fresh_key_client, college, django_assert_num_queries, url, queries
):
    # key + count + page, and the register of transfers' entry and its students (a partner's read crosses the border)
    cohort = CohortFactory(partner=college)
    for _ in range(6):
        ModuleResultFactory(enrollment=EnrollmentFactory(cohort=cohort))
    for page_size in (2, 6):
        with django_assert_num_queries(queries):
            response = fresh_key_client.get(url, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


def test_a_page_of_100_students_is_5_queries(fresh_key_client, college, django_assert_num_queries):
    StudentFactory.create_batch(101, home_institution=college)
    with django_assert_num_queries(5):  # key, count, page; the transfer and its 100 students (one bulk insert)
        response = fresh_key_client.get("/api/v1/students/", {"page_size": 100})
    assert len(response.json()["results"]) == 100


def test_progress_is_5_queries(fresh_key_client, college, django_assert_num_queries):
    enrollment = EnrollmentFactory(cohort=CohortFactory(partner=college))
    with django_assert_num_queries(5):  # key, enrollment, the progress aggregate; the transfer and its student
        assert fresh_key_client.get(f"/api/v1/enrollments/{enrollment.pk}/progress/").status_code == 200
