"""The facilitator's view (``/facilitator/``): the figures of the cohorts under the agreements the facilitator's
institution facilitates, by track, and each student's names and progress, nothing more about them; the cohorts of
other agreements answer 404; every other role is sent to its own pages."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from mobility.facilitation import selectors
from mobility.reports.figures import Period, report_data
from mobility.tests.partnership import ROLES, partnership
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students.models import Enrollment, ModuleResult
from students.progress import progress_for_many
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db

S = Enrollment.Status
FAIL = ModuleResult.Grade.FAIL


@pytest.fixture
def world():
    """The partnership, with two more required modules (O, P) and an elective one (E) in the track, so that the
    track requires four: student A (M and N passed) is at 50 %. Cohort A also holds an enrollment of each status
    and students at 0 %, 25 % (an edge), 25 % again (a failed attempt does not count, two passes count once, an
    elective counts nothing) and 75 %; one completed enrollment has an issued diploma, another a revoked one. A
    second facilitated cohort of another track and college B's cohort (not facilitated) hold one more each."""
    world = partnership()
    cohort = world.cohort_a
    m, n = world.module_m, world.module_n
    o, p = ModuleFactory(track=world.track), ModuleFactory(track=world.track)
    elective = ModuleFactory(track=world.track, is_required=False)
    world.module_o, world.module_p = o, p

    def enrolled(*passed, **results):
        enrollment = EnrollmentFactory(cohort=cohort, status=S.ENROLLED)
        for module in passed:
            ModuleResultFactory(enrollment=enrollment, module=module)
        return enrollment

    world.at_0 = enrolled()
    world.at_25 = enrolled(m)
    world.at_25_again = enrolled(n, elective)
    ModuleResultFactory(enrollment=world.at_25_again, module=m, grade=FAIL, score=20)
    ModuleResultFactory(enrollment=world.at_25_again, module=n, attempt=2)
    world.at_75 = enrolled(m, n, o)
    for status in (S.APPLIED, S.ADMITTED, S.REJECTED, S.WITHDRAWN, S.FAILED):
        EnrollmentFactory(cohort=cohort, status=status)
    world.with_diploma = EnrollmentFactory(cohort=cohort, status=S.COMPLETED)
    world.diploma = DiplomaFactory(enrollment=world.with_diploma, status=Diploma.Status.ISSUED)
    revoked = EnrollmentFactory(cohort=cohort, status=S.COMPLETED)
    DiplomaFactory(enrollment=revoked, status=Diploma.Status.REVOKED)
    EnrollmentFactory(cohort=world.cohort_b, status=S.COMPLETED)
    other_track = TrackFactory()
    world.cohort_other = CohortFactory(
        track=other_track, host=world.host, partner=world.college_a, agreement=world.agreement_a
    )
    EnrollmentFactory(cohort=world.cohort_other, status=S.APPLIED)
    return world


def _count_fields(figures):
    return {name: getattr(figures, name) for name in selectors.COUNTS} | {"bands": figures.bands}


def test_the_figures_of_a_facilitated_cohort(world):
    figures = selectors.cohort_figures(viewer=world.user("facilitator"), cohorts=[world.cohort_a])[world.cohort_a.pk]
    assert _count_fields(figures) == {
        # student A, four enrolled, five of the other statuses and two completed
        "applications": 12,
        # all but the applied and the rejected (at admission) ones reached admission; all but these and the admitted
        # one reached enrollment
        "admitted": 10,
        "enrolled": 9,
        "completed": 2,
        "withdrawn": 1,
        "failed": 1,
        "rejected": 1,
        "diplomas": 1,  # the revoked one does not count
        # 0 %; 25 % twice; 50 % (student A); 75 %
        "bands": [1, 2, 1, 1],
    }
    assert figures.studying == 5
    assert [share for *_, share in figures.distribution] == [20, 40, 20, 20]


def test_the_bands_follow_the_progress_rule_of_the_portal_and_the_staff_pages(world):
    studying = Enrollment.objects.filter(cohort=world.cohort_a, status=S.ENROLLED)
    banded = dict(selectors.with_progress_band(studying).values_list("pk", "progress_band"))
    for pk, progress in progress_for_many(enrollments=studying).items():
        fraction = progress.required_passed / progress.required
        expected = next(i for i, (low, high) in enumerate(selectors.BANDS) if fraction * 100 < high or high == 100)
        assert banded[pk] == expected, (progress, banded[pk])
    assert banded[world.at_25.pk] == banded[world.at_25_again.pk] == 1


def test_a_track_that_requires_nothing_counts_as_done(world):
    track = TrackFactory()
    ModuleFactory(track=track, is_required=False)
    cohort = CohortFactory(track=track, host=world.host, partner=world.college_a, agreement=world.agreement_a)
    EnrollmentFactory(cohort=cohort, status=S.ENROLLED)
    figures = selectors.cohort_figures(viewer=world.user("facilitator"), cohorts=[cohort])[cohort.pk]
    assert figures.bands == [0, 0, 0, 1]


def test_the_home_groups_the_cohorts_by_track_with_totals(world):
    tracks = selectors.facilitated_tracks(viewer=world.user("facilitator"))
    by_track = {group.track.pk: group for group in tracks}
    assert set(by_track) == {world.track.pk, world.cohort_other.track_id}
    main = by_track[world.track.pk]
    assert [row.cohort.pk for row in main.cohorts] == [world.cohort_a.pk]  # never college B's cohort
    assert main.totals.applications == 12 and main.totals.bands == [1, 2, 1, 1]
    other = by_track[world.cohort_other.track_id]
    assert other.totals.applications == 1 and other.totals.studying == 0


def test_the_figures_are_the_office_reports_for_the_same_cohort(world):
    """The office's report (every intake) groups by intake year, college and track: cohort A is alone in its row."""
    report = report_data(Period())
    row = next(r for r in report.rows if r.partner == world.college_a and r.track == world.track)
    mine = selectors.cohort_figures(viewer=world.user("facilitator"), cohorts=[world.cohort_a])[world.cohort_a.pk]
    for name in selectors.COUNTS:
        assert getattr(mine, name) == getattr(row, name), name


def test_other_viewers_get_no_figures_of_cohorts_they_may_not_see(world):
    """The selectors ask the one rule: a coordinator of college B sees no enrollment of cohort A in the figures."""
    figures = selectors.cohort_figures(viewer=world.user("coordinator-b"), cohorts=[world.cohort_a])
    assert figures[world.cohort_a.pk].applications == 0
    with pytest.raises(selectors.Cohort.DoesNotExist):
        selectors.facilitated_cohort(viewer=world.user("coordinator-b"), pk=world.cohort_a.pk)


# --- the pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def facilitator_client(client, world):
    client.force_login(world.user("facilitator"))
    return client


def test_the_home_shows_each_cohort_and_the_tracks_totals(facilitator_client, world):
    response = facilitator_client.get(reverse("facilitator:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.cohort_a.code in html and world.cohort_other.code in html
    assert world.cohort_b.code not in html
    assert reverse("facilitator:cohort", args=[world.cohort_a.pk]) in html
    assert response["Cache-Control"].count("no-store") == 1


def test_a_cohorts_page_lists_its_students_with_their_progress(facilitator_client, world):
    response = facilitator_client.get(reverse("facilitator:cohort", args=[world.cohort_a.pk]))
    assert response.status_code == 200
    rows = {row.enrollment_id: row for row in response.context["students"]}
    assert len(rows) == 12
    a = rows[world.enrollment_a.pk]
    student = world.student_a
    assert (a.name_han, a.name_latin, a.name_cyrillic) == (
        student.full_name_han,
        student.full_name_latin,
        student.full_name_cyrillic,
    )
    assert (a.required_passed, a.required, a.percent, a.diploma_number) == (2, 4, 50, None)
    done = rows[world.with_diploma.pk]
    assert done.diploma_number == world.diploma.number and done.completed_on == world.with_diploma.completed_on
    html = response.content.decode()
    assert student.full_name_latin in html and world.diploma.number in html
    assert 'class="progress-bar pct-50"' in html


def test_a_cohort_of_an_agreement_not_facilitated_is_not_found(facilitator_client, world):
    assert facilitator_client.get(reverse("facilitator:cohort", args=[world.cohort_b.pk])).status_code == 404
    assert facilitator_client.get(reverse("facilitator:cohort", args=[999999])).status_code == 404


def test_another_facilitators_staff_see_none_of_these_cohorts(client, world):
    from mobility.tests.partnership import make_member
    from programs.models import Institution
    from programs.tests.factories import InstitutionFactory

    other = make_member("facilitator-2", "facilitator", InstitutionFactory(kind=Institution.Kind.FACILITATOR))
    client.force_login(other)
    assert client.get(reverse("facilitator:cohort", args=[world.cohort_a.pk])).status_code == 404
    assert world.cohort_a.code not in client.get(reverse("facilitator:home")).content.decode()


HOMES = {
    "office": "/",
    "office-admin": "/",
    "coordinator-a": "/partner/",
    "observer-a": "/partner/",
    "coordinator-b": "/partner/",
    "teacher-m": "/teaching/",
    "teacher-n": "/teaching/",
    "student": "/portal/",
    "other-student": "/portal/",
}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "facilitator"])
@pytest.mark.parametrize("page", ["home", "cohort"])
def test_everyone_else_is_sent_to_their_own_pages(client, world, role, page):
    url = reverse(f"facilitator:{page}", args=[world.cohort_a.pk] if page == "cohort" else [])
    if role != "anonymous":
        client.force_login(world.user(role))
    response = client.get(url)
    assert response.status_code == 302
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response["Location"] == HOMES[role]
        assert client.post(url).status_code == 403


# Values of a student's data the facilitator must never see, each distinctive enough not to occur by chance.
SECRETS = {
    "passport_number": "PZ73915528",
    "birth_date": datetime.date(1997, 11, 23),
    "passport_issued_on": datetime.date(2019, 8, 14),
    "passport_expires_on": datetime.date(2031, 9, 27),
    "email": "qiu.secret.mail@leak.example.cn",
    "phone": "+86 177 3311 9482",
    "home_student_id": "HSID-8837215",
    "home_specialty": "Numerically Controlled Zither Tuning",
}


def _renderings(value) -> set[str]:
    if isinstance(value, datetime.date):
        return {value.isoformat(), value.strftime("%d.%m.%Y"), value.strftime("%d/%m/%Y"), str(value.year)}
    return {value, value.replace(" ", "")}


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_no_passport_birth_date_or_contact_data_in_the_pages(facilitator_client, world, language):
    student = StudentFactory(home_institution=world.college_a, **SECRETS)
    EnrollmentFactory(cohort=world.cohort_a, student=student, status=S.ENROLLED)
    facilitator_client.cookies["django_language"] = language
    for url in (reverse("facilitator:home"), reverse("facilitator:cohort", args=[world.cohort_a.pk])):
        html = facilitator_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for name, value in SECRETS.items():
            for text in _renderings(value):
                # As a word of its own: a year is also in a factory's institution code (COL2031).
                assert not re.search(rf"(?<!\w){re.escape(text)}(?!\w)", html), (url, name, text)
    assert student.full_name_latin in html


def _students(world, n):
    for _ in range(n):
        enrollment = EnrollmentFactory(cohort=world.cohort_a, status=S.ENROLLED)
        ModuleResultFactory(enrollment=enrollment, module=world.module_m)
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=world.cohort_a, status=S.COMPLETED), status="issued")


@pytest.mark.parametrize("n", [1, 30])
def test_a_cohorts_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    world = partnership()
    _students(world, n)
    client.force_login(world.user("facilitator"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("facilitator:cohort", args=[world.cohort_a.pk]))
    assert len(response.context["students"]) == 1 + 2 * n


@pytest.mark.parametrize("n", [1, 30])
def test_the_home_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries, n):
    world = partnership()
    for _ in range(n):
        cohort = CohortFactory(
            track=TrackFactory(), host=world.host, partner=world.college_a, agreement=world.agreement_a
        )
        EnrollmentFactory(cohort=cohort, status=S.ENROLLED)
    _students(world, n)
    client.force_login(world.user("facilitator"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("facilitator:home"))
    assert len(response.context["tracks"]) == 1 + n


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", ["在读", "已通过的必修课程模块", "学生"]), ("ru", ["Учатся сейчас", "Сдано обязательных модулей"])],
)
def test_the_pages_speak_the_viewers_language(facilitator_client, world, language, words):
    facilitator_client.cookies["django_language"] = language
    html = facilitator_client.get(reverse("facilitator:cohort", args=[world.cohort_a.pk])).content.decode()
    assert f'lang="{language}"' in html
    for word in words:
        assert word in html
    # The cohort is named in the reader's language (track, college, intake), not by the office's own label.
    assert escape(world.cohort_a.title(language)) in html
