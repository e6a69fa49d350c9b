"""Staff pages of results, the cohort grid, completion of many and continuation: access, permission refusals,
errors next to fields and cells, and fixed query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from mobility.foundation.access import OFFICE
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory, ModuleFactory
from students import services
from students.models import Continuation, Enrollment, ModuleResult

from .factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

S = Enrollment.Status
DAY = datetime.date(2026, 6, 15)


@pytest.fixture
def modules(cohort):
    return [
        ModuleFactory(track=cohort.track, code="CAD", title_en="Computer-aided design", order=1),
        ModuleFactory(track=cohort.track, code="CNC", title_en="CNC machining", order=2),
    ]


def record(enrollment, module, score, attempt=1):
    return services.result_record(
        enrollment=enrollment, module=module, by=None, assessed_on=DAY, score=Decimal(score), attempt=attempt
    )


@pytest.fixture
def limited(client):
    """An office clerk whose group lacks the results, completion and continuation write permissions."""
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=OFFICE)
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="students",
            codename__in=[
                "add_moduleresult",
                "change_moduleresult",
                "change_enrollment",
                "add_continuation",
                "change_continuation",
            ],
        )
    )
    user = make_user("reader", OFFICE)
    client.force_login(user)
    return client


# --- access ---------------------------------------------------------------------------------------------------------


def _urls(cohort, enrollment, continuation):
    return {
        "grid": f"/students/cohorts/{cohort.pk}/results/",
        "record": f"/students/enrollments/{enrollment.pk}/results/record/",
        "continuation-new": f"/students/enrollments/{enrollment.pk}/continuations/new/",
        "decide": f"/students/continuations/{continuation.pk}/decide/",
        "report": "/students/continuations/",
    }


@pytest.fixture
def pages(cohort, modules):
    done = EnrollmentFactory(completed=True, cohort=cohort)
    continuation = services.continuation_record(
        enrollment=done,
        by=None,
        data={
            "university": cohort.host,
            "program_code": "15.03.06",
            "program_name": "Mechatronics",
            "applied_on": datetime.date(2026, 7, 5),
        },
    )
    return _urls(cohort, done, continuation)


@pytest.mark.parametrize("page", ["grid", "record", "continuation-new", "decide", "report"])
def test_pages_open_for_staff_and_are_closed_to_others(client, office, pages, page):
    url = pages[page]
    assert client.get(url).status_code == 302
    client.force_login(make_user("outsider"))
    assert client.get(url).status_code == 403
    client.force_login(office)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("page", "method"),
    [("record", "get"), ("record", "post"), ("continuation-new", "post"), ("decide", "post"), ("grid", "post")],
)
def test_write_pages_need_their_permission(limited, pages, page, method):
    assert getattr(limited, method)(pages[page]).status_code == 403


def test_completion_needs_change_enrollment(limited, cohort):
    response = limited.post(f"/students/cohorts/{cohort.pk}/complete/", {"scope": "eligible"})
    assert response.status_code == 403


def test_grid_is_read_only_without_the_result_permissions(limited, cohort, modules):
    EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    response = limited.get(f"/students/cohorts/{cohort.pk}/results/")
    assert response.status_code == 200
    assert response.context["form"] is None
    assert b"Save results" not in response.content
    assert b"Complete all eligible" not in response.content


# --- one student's results ------------------------------------------------------------------------------------


def test_record_a_result_from_the_student_page(office_client, cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    page = office_client.get(f"/students/{enrollment.student_id}/")
    assert f'action="/students/enrollments/{enrollment.pk}/results/record/"'.encode() in page.content
    response = office_client.post(
        f"/students/enrollments/{enrollment.pk}/results/record/",
        {"module": modules[0].pk, "attempt": 1, "score": "91", "assessed_on": "2026-06-15"},
    )
    assert response.status_code == 302
    result = ModuleResult.objects.get()
    assert (result.grade, result.passed) == ("5", True)
    # Correct it with a grade only.
    office_client.post(
        f"/students/enrollments/{enrollment.pk}/results/record/",
        {"module": modules[0].pk, "attempt": 1, "grade": "3", "assessed_on": "2026-06-16"},
    )
    result.refresh_from_db()
    assert (result.grade, result.score) == ("3", None)


def test_result_errors_are_shown_next_to_the_fields(office_client, cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    url = f"/students/enrollments/{enrollment.pk}/results/record/"
    response = office_client.post(url, {"module": modules[0].pk, "attempt": 11, "score": "", "assessed_on": ""})
    form = response.context["form"]
    assert set(form.errors) == {"attempt", "score", "assessed_on"}
    assert b"is-invalid" in response.content
    other_track = ModuleFactory()
    response = office_client.post(
        url, {"module": other_track.pk, "attempt": 1, "score": "50", "assessed_on": "2026-06-01"}
    )
    assert "module" in response.context["form"].errors
    assert not ModuleResult.objects.exists()


def test_service_refusal_on_the_results_form(office_client, cohort, modules):
    done = EnrollmentFactory(completed=True, cohort=cohort)
    response = office_client.post(
        f"/students/enrollments/{done.pk}/results/record/",
        {"module": modules[0].pk, "attempt": 2, "score": "50", "assessed_on": "2026-07-02"},
    )
    assert response.status_code == 200
    assert "only for enrolled students" in " ".join(response.context["form"].non_field_errors())


def test_correct_link_fills_the_form(office_client, cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    record(enrollment, modules[1], 44, attempt=1)
    response = office_client.get(
        f"/students/enrollments/{enrollment.pk}/results/record/?module={modules[1].pk}&attempt=1"
    )
    assert response.context["form"].initial["score"] == Decimal(44)


# --- the cohort grid ------------------------------------------------------------------------------------------


def _grid_post(cohort, cells: dict, retakes=(), day="2026-06-20"):
    data = {"assessed_on": day}
    for (enrollment, module), score in cells.items():
        data[f"score_{enrollment.pk}_{module.pk}"] = score
    for enrollment, module in retakes:
        data[f"retake_{enrollment.pk}_{module.pk}"] = "on"
    return data


def test_grid_saves_the_changed_cells(office_client, cohort, modules):
    cad, cnc = modules
    first, second = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    record(first, cad, 40)
    url = f"/students/cohorts/{cohort.pk}/results/"
    response = office_client.post(
        url, _grid_post(cohort, {(first, cad): "75", (first, cnc): "", (second, cad): "60"}, retakes=[(first, cad)])
    )
    assert response.status_code == 302
    first_cad = list(ModuleResult.objects.filter(enrollment=first, module=cad).values_list("attempt", "grade"))
    assert first_cad == [(1, "2"), (2, "4")]
    assert ModuleResult.objects.get(enrollment=second).grade == "3"
    assert not ModuleResult.objects.filter(module=cnc).exists()


def test_grid_with_an_invalid_cell_saves_nothing_and_marks_the_cell(office_client, cohort, modules):
    cad, cnc = modules
    first, second = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    url = f"/students/cohorts/{cohort.pk}/results/"
    response = office_client.post(url, _grid_post(cohort, {(first, cad): "80", (second, cnc): "150"}))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"score_{second.pk}_{cnc.pk}"]
    assert not ModuleResult.objects.exists()
    assert b"is-invalid" in response.content


def test_grid_service_refusal_rolls_back_every_cell(office_client, cohort, modules):
    cad, _ = modules
    first, tenth = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    for attempt in range(1, 11):
        record(tenth, cad, 10, attempt=attempt)
    url = f"/students/cohorts/{cohort.pk}/results/"
    response = office_client.post(
        url, _grid_post(cohort, {(first, cad): "80", (tenth, cad): "70"}, retakes=[(tenth, cad)])
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [f"score_{tenth.pk}_{cad.pk}"]
    assert "At most 10 attempts" in response.content.decode()
    assert not ModuleResult.objects.filter(enrollment=first).exists()
    assert ModuleResult.objects.filter(enrollment=tenth).count() == 10


def _grid_queries(client, url, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_grid_renders_with_a_fixed_number_of_queries(office_client, cohort, modules, django_assert_num_queries):
    url = f"/students/cohorts/{cohort.pk}/results/"

    def grow(count):
        for _ in range(count):
            enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
            record(enrollment, modules[0], 30)
            record(enrollment, modules[0], 70, attempt=2)
            record(enrollment, modules[1], 55)

    grow(3)
    office_client.get(url)  # warm caches (content types, permissions)
    small = _grid_queries(office_client, url, django_assert_num_queries)
    grow(17)
    large = _grid_queries(office_client, url, django_assert_num_queries)
    assert small == large
    with django_assert_num_queries(large):
        office_client.get(url)


# --- completion of many ----------------------------------------------------------------------------------------


def test_complete_all_eligible_and_selected_with_refusals(office_client, cohort, modules):
    cad, cnc = modules
    ready, short = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    record(ready, cad, 80)
    record(ready, cnc, 80)
    record(short, cad, 80)
    url = f"/students/cohorts/{cohort.pk}/complete/"
    response = office_client.post(url, {"scope": "selected", "enrollment": [ready.pk, short.pk]}, follow=True)
    ready.refresh_from_db()
    short.refresh_from_db()
    assert (ready.status, short.status) == (S.COMPLETED, S.ENROLLED)
    texts = [str(m) for m in response.context["messages"]]
    assert any("Completed 1" in text for text in texts)
    assert any(str(short.student) in text and "CNC CNC machining" in text for text in texts)

    record(short, cnc, 61)
    response = office_client.post(url, {"scope": "eligible"}, follow=True)
    short.refresh_from_db()
    assert short.status == S.COMPLETED


def test_complete_selected_needs_a_selection(office_client, cohort, modules):
    response = office_client.post(f"/students/cohorts/{cohort.pk}/complete/", {"scope": "selected"}, follow=True)
    assert any("Select at least one" in str(m) for m in response.context["messages"])


def test_complete_ignores_enrollments_of_other_cohorts(office_client, cohort, modules):
    other = EnrollmentFactory(status=S.ENROLLED, cohort=CohortFactory(track=cohort.track))
    for module in modules:
        record(other, module, 90)
    office_client.post(f"/students/cohorts/{cohort.pk}/complete/", {"scope": "selected", "enrollment": [other.pk]})
    other.refresh_from_db()
    assert other.status == S.ENROLLED


# --- continuation ----------------------------------------------------------------------------------------------


def _continuation_data(cohort, **changes):
    return {
        "university": cohort.host.pk,
        "program_code": "15.03.06",
        "program_name": "Mechatronics and robotics",
        "applied_on": "2026-07-10",
        "decision": "pending",
        "decided_on": "",
        **changes,
    }


def test_record_and_decide_a_continuation(office_client, cohort, modules):
    done = EnrollmentFactory(completed=True, cohort=cohort)
    page = office_client.get(f"/students/{done.student_id}/")
    assert f"/students/enrollments/{done.pk}/continuations/new/".encode() in page.content
    new = office_client.get(f"/students/enrollments/{done.pk}/continuations/new/")
    assert new.context["form"].initial["university"] == cohort.host.pk  # STANKIN by default
    response = office_client.post(f"/students/enrollments/{done.pk}/continuations/new/", _continuation_data(cohort))
    assert response.status_code == 302
    continuation = Continuation.objects.get()
    response = office_client.post(
        f"/students/continuations/{continuation.pk}/decide/", {"decision": "accepted", "decided_on": "2026-08-01"}
    )
    assert response.status_code == 302
    continuation.refresh_from_db()
    assert continuation.decision == "accepted"
    page = office_client.get(f"/students/{done.student_id}/")
    assert b"Mechatronics and robotics" in page.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"program_code": "mechatronics"}, "program_code"),
        ({"decision": "accepted"}, "decided_on"),
        ({"decision": "accepted", "decided_on": "2026-01-01"}, "decided_on"),
        ({"program_name": ""}, "program_name"),
    ],
)
def test_continuation_errors_next_to_fields(office_client, cohort, modules, changes, field):
    done = EnrollmentFactory(completed=True, cohort=cohort)
    response = office_client.post(
        f"/students/enrollments/{done.pk}/continuations/new/", _continuation_data(cohort, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Continuation.objects.exists()


def test_continuation_refused_for_an_enrollment_not_completed(office_client, cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    response = office_client.post(
        f"/students/enrollments/{enrollment.pk}/continuations/new/", _continuation_data(cohort)
    )
    assert response.status_code == 200
    assert "completed" in " ".join(response.context["form"].non_field_errors())
    assert not Continuation.objects.exists()


def test_report_renders_with_a_fixed_number_of_queries(office_client, cohort, modules, django_assert_num_queries):
    def grow(count):
        for _ in range(count):
            done = EnrollmentFactory(completed=True, cohort=cohort)
            services.continuation_record(
                enrollment=done,
                by=None,
                data={
                    "university": cohort.host,
                    "program_code": "15.03.06",
                    "program_name": "Mechatronics",
                    "applied_on": datetime.date(2026, 7, 5),
                    "decision": "accepted",
                    "decided_on": datetime.date(2026, 8, 1),
                },
            )

    grow(2)
    office_client.get("/students/continuations/")
    small = _grid_queries(office_client, "/students/continuations/", django_assert_num_queries)
    grow(8)
    response = office_client.get("/students/continuations/")
    assert response.context["rows"][0]["accepted"] == 10
    large = _grid_queries(office_client, "/students/continuations/", django_assert_num_queries)
    assert small == large
