import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from mobility.dashboard import ACTION_LIST_LIMIT, DASHBOARD_QUERIES, dashboard_data
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, StudentFactory, enrollment_move

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
DAY = datetime.timedelta(days=1)


def _move(enrollment: Enrollment, *steps: str) -> Enrollment:
    """Move an enrollment along the state machine through the services, one day per step."""
    day = enrollment.applied_on
    for step in steps:
        day += DAY
        enrollment_move(enrollment, step, on=day)
    return enrollment


@pytest.fixture
def known():
    """Twelve enrollments of eleven students in two tracks, in every state, with diplomas of every kind.

    Track MECH has one required module; track SOFT has none (completion needs no results there).
    """
    mech, soft = TrackFactory(code="MECH"), TrackFactory(code="SOFT")
    module = ModuleFactory(track=mech, code="MECH-1")
    cohort_mech = CohortFactory(code="MECH-2026", track=mech)
    cohort_soft = CohortFactory(code="SOFT-2026", track=soft)

    def enroll(cohort, applied_on, *steps, **kwargs):
        return _move(EnrollmentFactory(cohort=cohort, applied_on=applied_on, **kwargs), *steps)

    jan, feb, mar = datetime.date(2026, 1, 10), datetime.date(2026, 2, 5), datetime.date(2026, 3, 20)
    e = {}
    e["applied_old"] = enroll(cohort_mech, jan)
    e["applied_new"] = enroll(cohort_mech, feb)
    # The same student holds an enrollment in the other track too.
    e["admitted"] = enroll(cohort_soft, feb, S.ADMITTED, student=e["applied_old"].student)
    e["rejected"] = enroll(cohort_soft, feb, S.REJECTED)
    e["withdrawn"] = enroll(cohort_soft, feb, S.ADMITTED, S.WITHDRAWN)
    e["ready"] = enroll(cohort_mech, jan, S.ADMITTED, S.ENROLLED)
    services.result_record(enrollment=e["ready"], module=module, by=None, assessed_on=mar, score=Decimal(88), grade="4")
    e["studying"] = enroll(cohort_mech, jan, S.ADMITTED, S.ENROLLED)
    e["completed_no_diploma"] = enroll(cohort_soft, jan, S.ADMITTED, S.ENROLLED, S.COMPLETED)
    e["completed_revoked"] = enroll(cohort_soft, jan, S.ADMITTED, S.ENROLLED, S.COMPLETED)
    DiplomaFactory(
        enrollment=e["completed_revoked"],
        status=Diploma.Status.REVOKED,
        number="STK-IAM-2026-000001",
        revoked_reason="Name misspelt",
    )
    e["completed_issued"] = enroll(cohort_soft, mar, S.ADMITTED, S.ENROLLED, S.COMPLETED)
    DiplomaFactory(enrollment=e["completed_issued"], status=Diploma.Status.ISSUED, number="STK-IAM-2026-000002")
    e["completed_failed_render"] = enroll(cohort_soft, mar, S.ADMITTED, S.ENROLLED, S.COMPLETED)
    DiplomaFactory(
        enrollment=e["completed_failed_render"],
        status=Diploma.Status.FAILED,
        attempts=3,
        failure_reason="Font not found: Noto Sans CJK",
    )
    e["failed"] = enroll(cohort_mech, mar, S.ADMITTED, S.ENROLLED, S.FAILED)
    return e


def test_counts_by_status_track_and_cohort(known):
    data = dashboard_data()
    assert data.students == 11
    assert data.enrollments == 12
    assert {row["status"]: row["count"] for row in data.by_status} == {
        "applied": 2,
        "admitted": 1,
        "rejected": 1,
        "enrolled": 2,
        "withdrawn": 1,
        "failed": 1,
        "completed": 4,
    }
    tracks = {track.code: (track.total, track.n_applied, track.n_enrolled, track.n_completed) for track in data.tracks}
    assert tracks == {"MECH": (5, 2, 2, 0), "SOFT": (7, 0, 0, 4)}
    # Per-status cells in the order of Enrollment.Status, as the table's header.
    mech = next(track for track in data.tracks if track.code == "MECH")
    assert mech.status_counts == [2, 0, 0, 2, 0, 1, 0]
    assert {cohort.code: cohort.total for cohort in data.cohorts} == {"MECH-2026": 5, "SOFT-2026": 7}


def test_funnel_counts_every_enrollment_that_reached_a_stage(known):
    funnel = {stage["stage"]: stage["count"] for stage in dashboard_data().funnel}
    # Withdrawn and failed enrollments keep the dates of the steps they reached; rejected ones were never admitted.
    assert funnel == {"applied": 12, "admitted": 9, "enrolled": 7, "completed": 4}
    assert list(funnel) == ["applied", "admitted", "enrolled", "completed"]


def test_enrollments_per_track_by_month(known):
    data = dashboard_data()
    assert data.months == ["2026-01", "2026-02", "2026-03"]
    assert {s["code"]: s["data"] for s in data.per_track_series} == {"MECH": [3, 1, 1], "SOFT": [2, 3, 2]}


def test_months_without_applications_are_filled_with_zeros():
    TrackFactory(code="IDLE")  # a track without enrollments has no series
    EnrollmentFactory(applied_on=datetime.date(2025, 11, 3), cohort__track__code="MECH")
    EnrollmentFactory(applied_on=datetime.date(2026, 2, 3), cohort__track__code="MECH")
    data = dashboard_data()
    assert data.months == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert data.per_track_series == [{"code": "MECH", "label": "Track MECH", "data": [1, 0, 0, 1]}]


def test_applications_to_decide_oldest_first(known):
    data = dashboard_data()
    assert data.to_decide == [known["applied_old"], known["applied_new"]]
    assert data.to_decide_count == 2


def test_eligible_without_diploma(known):
    data = dashboard_data()
    # Completed ones first; a revoked diploma does not count as a diploma; a failed render still does (it is
    # listed as a failed render, to be retried, not requested again); enrolled and eligible is "ready to complete".
    assert data.without_diploma == [known["completed_no_diploma"], known["completed_revoked"], known["ready"]]
    assert [e.ready_to_complete for e in data.without_diploma] == [False, False, True]
    assert data.without_diploma_count == 3


def test_failed_renders(known):
    data = dashboard_data()
    assert [d.enrollment for d in data.failed_renders] == [known["completed_failed_render"]]
    assert data.failed_renders[0].failure_reason == "Font not found: Noto Sans CJK"
    assert data.failed_renders_count == 1


def test_empty_database():
    data = dashboard_data()
    assert (data.students, data.enrollments, data.months, data.per_track_series) == (0, 0, [], [])
    assert [stage["count"] for stage in data.funnel] == [0, 0, 0, 0]
    assert (data.to_decide, data.without_diploma, data.failed_renders) == ([], [], [])


def test_page_shows_the_counts_lists_and_chart_data(client, office, known):
    client.force_login(office)
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="funnel-chart"' in html and 'id="per-track-chart"' in html
    assert '<script id="dashboard-data" type="application/json">' in html
    assert "chartjs/chart.umd.min.js" in html and "js/dashboard.js" in html
    assert page.context["chart_data"]["funnel"]["counts"] == [12, 9, 7, 4]
    assert page.context["chart_data"]["funnel"]["labels"] == ["applied", "admitted", "enrolled", "completed"]
    assert "Font not found: Noto Sans CJK" in html
    assert "ready to complete" in html
    # Student links go to the staff student page, or to the admin while that page is not installed.
    student = known["applied_old"].student
    assert f'href="/students/{student.pk}/"' in html or f'href="/admin/students/student/{student.pk}/change/"' in html


def test_no_inline_script_or_event_handler(client, office, known):
    client.force_login(office)
    html = client.get("/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html)


def test_anonymous_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def test_non_staff_gets_403(client):
    client.force_login(get_user_model().objects.create_user("someone"))
    assert client.get("/").status_code == 403


def _population(n: int) -> None:
    """``n`` enrollments spread over states, tracks, months and diplomas."""
    tracks = [TrackFactory(code=f"T{i}") for i in range(3)]
    cohorts = [CohortFactory(track=track) for track in tracks]
    paths = [
        (),
        (S.ADMITTED,),
        (S.REJECTED,),
        (S.ADMITTED, S.ENROLLED),
        (S.ADMITTED, S.ENROLLED, S.COMPLETED),
    ]
    for i in range(n):
        applied_on = datetime.date(2026, 1 + i % 5, 1 + i % 20)
        cohort = cohorts[i % 3]
        enrollment = _move(
            EnrollmentFactory(
                cohort=cohort, applied_on=applied_on, student=StudentFactory(home_institution=cohort.partner)
            ),
            *paths[i % len(paths)],
        )
        if enrollment.status == S.COMPLETED and i % 2:
            DiplomaFactory(enrollment=enrollment, status=Diploma.Status.FAILED, failure_reason=f"error {i}")


@pytest.mark.parametrize("size", [5, 50])
def test_fixed_number_of_queries(size, django_assert_num_queries):
    _population(size)
    assert DASHBOARD_QUERIES == 7
    with django_assert_num_queries(DASHBOARD_QUERIES):
        data = dashboard_data()
    assert data.enrollments == size
    # Each action list stops at its limit; its card counts them all.
    for rows, count in ((data.to_decide, data.to_decide_count), (data.without_diploma, data.without_diploma_count)):
        assert len(rows) == min(count, ACTION_LIST_LIMIT)
    assert len(data.failed_renders) == min(data.failed_renders_count, ACTION_LIST_LIMIT)


def test_page_queries_do_not_grow_with_the_data(client, office):
    client.force_login(office)
    _population(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    _population(50)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/").status_code == 200
    assert len(small) == len(large)


def test_each_card_links_to_the_list_of_exactly_what_it_counts(client, office, known):
    """Every count card and every row of "Enrollments by status" is a link; the list it opens holds as many rows as
    the number shown (students for the students card, enrollments for the others: one student has two)."""
    client.force_login(office)
    html = client.get("/").content.decode()
    links = re.findall(r'data-count="([\w-]+)"><a [^>]*href="([^"]+)">(\d+)</a>', html)
    links += re.findall(r'<tr data-status="(\w+)"><td>[^<]*</td><td class="text-end"><a href="([^"]+)">(\d+)</a>', html)
    assert {name for name, _url, _n in links} == {
        "students", "enrollments", "to-decide", "without-diploma", "failed-renders", *S.values,
    }  # fmt: skip
    numbers = {}
    for name, url, number in links:
        listed = client.get(url.replace("&amp;", "&"))
        assert listed.status_code == 200, url
        assert listed.context["page_obj"].paginator.count == int(number), (name, url)
        numbers[name] = int(number)
    assert numbers["students"] == 11 and numbers["enrollments"] == 12
    assert (numbers["to-decide"], numbers["without-diploma"], numbers["failed-renders"]) == (2, 3, 1)
