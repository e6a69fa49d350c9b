"""The teacher's workspace (students/teaching/): their modules per cohort, a module's results grid (the office
grid's form and service, all or nothing, audited as the teacher), their history; nothing of other modules or other
cohorts; every list in a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from mobility.foundation.models import AuditEntry
from mobility.tests.partnership import partnership
from programs.models import TeachingAssignment
from students.models import Enrollment, ModuleResult
from students.services import result_record

from .factories import EnrollmentFactory, ModuleResultFactory

pytestmark = pytest.mark.django_db

DAY = "2026-06-20"


@pytest.fixture
def world():
    return partnership()


@pytest.fixture
def teacher_m(client, world):
    client.force_login(world.user("teacher-m"))
    return client


def _assignment(world, role="teacher-m"):
    return TeachingAssignment.objects.get(teacher=world.user(role))


def _grid(world, role="teacher-m"):
    return reverse("teaching:grid", args=[_assignment(world, role).pk])


def _score(enrollment, module):
    return f"score_{enrollment.pk}_{module.pk}"


# --- who may open the pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("office", "/"),
        ("office-admin", "/"),
        ("coordinator-a", "/partner/"),
        ("observer-a", "/partner/"),
        ("facilitator", "/facilitator/"),
        ("student", "/portal/"),
    ],
)
def test_everyone_else_is_sent_to_their_own_home(client, world, role, home):
    client.force_login(world.user(role))
    for url in (reverse("teaching:home"), _grid(world), reverse("teaching:history")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == home, (role, url)
    response = client.post(_grid(world), {"assessed_on": DAY, _score(world.enrollment_a, world.module_m): "10"})
    assert response.status_code == 403
    assert ModuleResult.objects.get(enrollment=world.enrollment_a, module=world.module_m).score == 80


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in (reverse("teaching:home"), _grid(world), reverse("teaching:history")):
        assert client.get(url)["Location"].startswith("/accounts/login/?next=")


# --- the first page -----------------------------------------------------------------------------------------------


def test_the_teacher_sees_their_own_modules_with_figures(teacher_m, world):
    failing = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    ModuleResultFactory(enrollment=failing, module=world.module_m, score=30, grade=ModuleResult.Grade.UNSATISFACTORY)
    EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)  # no result yet
    response = teacher_m.get(reverse("teaching:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.module_m.code in html and world.module_n.code not in html
    assert world.cohort_a.title() in html and world.cohort_b.code not in html
    [group] = response.context["groups"]
    [figures] = group.modules
    assert (figures.students, figures.recorded, figures.passed, figures.failed) == (3, 2, 1, 1)
    assert reverse("teaching:grid", args=[figures.assignment.pk]) in html


def test_a_teacher_without_assignments_is_told_so(client, world):
    TeachingAssignment.objects.filter(teacher=world.user("teacher-m")).delete()
    client.force_login(world.user("teacher-m"))
    assert "not assigned you a module" in client.get(reverse("teaching:home")).content.decode()


# --- the grid -------------------------------------------------------------------------------------------------------


def test_the_grid_shows_the_module_s_students_in_three_scripts_and_their_attempts(teacher_m, world):
    student = world.student_a
    ModuleResultFactory(
        enrollment=world.enrollment_a, module=world.module_m, attempt=2, score=91, grade=ModuleResult.Grade.EXCELLENT
    )
    response = teacher_m.get(_grid(world))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (student.full_name_han, student.full_name_latin, student.full_name_cyrillic):
        assert name in html
    assert "#1: <strong>80</strong>" in html and "#2: <strong>91</strong>" in html
    assert world.student_b.full_name_latin not in html  # cohort B
    assert _score(world.enrollment_a, world.module_m) in html
    assert _score(world.enrollment_a, world.module_n) not in html


def test_another_teacher_s_assignment_is_not_found(client, world):
    client.force_login(world.user("teacher-n"))
    url = _grid(world, "teacher-m")
    assert client.get(url).status_code == 404
    post = client.post(url, {"assessed_on": DAY, _score(world.enrollment_a, world.module_m): "10"})
    assert post.status_code == 404
    assert client.get(reverse("teaching:gradebook", args=[_assignment(world).pk])).status_code == 404
    assert ModuleResult.objects.get(enrollment=world.enrollment_a, module=world.module_m).score == 80


def test_recording_a_result_is_audited_as_the_teacher_and_seen_by_the_office(teacher_m, client, world):
    newcomer = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    response = teacher_m.post(
        _grid(world),
        {"assessed_on": DAY, _score(newcomer, world.module_m): "67.5", _score(world.enrollment_a, world.module_m): ""},
    )
    assert response.status_code == 302 and response["Location"] == _grid(world)
    result = ModuleResult.objects.get(enrollment=newcomer, module=world.module_m)
    assert (result.attempt, result.score, result.grade, result.assessed_on) == (
        1,
        Decimal("67.50"),
        ModuleResult.Grade.SATISFACTORY,
        datetime.date(2026, 6, 20),
    )
    assert result.recorded_by == world.user("teacher-m")
    entry = AuditEntry.objects.get(action="result.record", object_id=str(newcomer.pk))
    assert entry.actor == world.user("teacher-m")

    history = teacher_m.get(reverse("teaching:history")).content.decode()
    assert newcomer.student.full_name_latin in history and world.module_m.code in history

    client.force_login(world.user("office"))
    page = client.get(reverse("students:student-detail", args=[newcomer.student_id])).content.decode()
    assert world.module_m.code in page and "67.5" in page


def test_a_retake_records_the_next_attempt(teacher_m, world):
    ModuleResult.objects.filter(enrollment=world.enrollment_a, module=world.module_m).update(
        score=20, grade=ModuleResult.Grade.UNSATISFACTORY
    )
    cell = f"{world.enrollment_a.pk}_{world.module_m.pk}"
    response = teacher_m.post(_grid(world), {"assessed_on": DAY, f"score_{cell}": "75", f"retake_{cell}": "on"})
    assert response.status_code == 302
    attempts = ModuleResult.objects.filter(enrollment=world.enrollment_a, module=world.module_m).order_by("attempt")
    assert [(r.attempt, r.score) for r in attempts] == [(1, Decimal("20.00")), (2, Decimal("75.00"))]


@pytest.mark.parametrize("target", ["module-n", "cohort-b"])
def test_a_post_naming_another_module_or_cohort_changes_nothing(teacher_m, world, target):
    enrollment, module = {
        "module-n": (world.enrollment_a, world.module_n),
        "cohort-b": (world.enrollment_b, world.module_m),
    }[target]
    before = list(ModuleResult.objects.order_by("pk").values_list("pk", "score", "grade"))
    audit = AuditEntry.objects.count()
    response = teacher_m.post(
        _grid(world),
        {
            "assessed_on": DAY,
            _score(world.enrollment_a, world.module_m): "55",  # a legitimate cell beside: refused with the rest
            _score(enrollment, module): "12",
        },
    )
    assert response.status_code == 400
    assert "not in this grid" in response.content.decode()
    assert list(ModuleResult.objects.order_by("pk").values_list("pk", "score", "grade")) == before
    assert AuditEntry.objects.count() == audit


def test_the_teacher_cannot_post_to_the_office_grid(teacher_m, world):
    url = reverse("students:cohort-results", args=[world.cohort_a.pk])
    response = teacher_m.post(url, {"assessed_on": DAY, _score(world.enrollment_a, world.module_n): "12"})
    assert response.status_code == 403
    assert ModuleResult.objects.get(enrollment=world.enrollment_a, module=world.module_n).score == 80


def test_validation_errors_are_shown_at_their_cells_in_the_teacher_s_language(teacher_m, world):
    newcomer = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    response = teacher_m.post(
        _grid(world),
        {"assessed_on": DAY, _score(newcomer, world.module_m): "70", _score(world.enrollment_a, world.module_m): "140"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Убедитесь, что это значение меньше либо равно 100" in html
    assert not ModuleResult.objects.filter(enrollment=newcomer).exists()  # all or nothing


def test_the_service_s_refusals_roll_back_the_whole_grid(teacher_m, world):
    """A retake of a passed attempt is refused by ``results_record_grid``: the other cell is not saved either."""
    newcomer = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    ModuleResultFactory(enrollment=newcomer, module=world.module_m, score=20, grade=ModuleResult.Grade.UNSATISFACTORY)
    cell = f"{newcomer.pk}_{world.module_m.pk}"
    other = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    grid = teacher_m.get(_grid(world))
    assert f"retake_{cell}" in grid.content.decode()
    # attempt 1 of the newcomer passes meanwhile (the office corrected it): the retake is refused at its cell
    ModuleResult.objects.filter(enrollment=newcomer).update(score=90, grade=ModuleResult.Grade.EXCELLENT)
    response = teacher_m.post(
        _grid(world),
        {"assessed_on": DAY, f"score_{cell}": "60", f"retake_{cell}": "on", _score(other, world.module_m): "70"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert not ModuleResult.objects.filter(enrollment=other).exists()


def test_a_withdrawn_student_is_shown_but_not_editable(teacher_m, world):
    gone = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.WITHDRAWN)
    html = teacher_m.get(_grid(world)).content.decode()
    assert gone.student.full_name_latin in html and _score(gone, world.module_m) not in html


# --- history ----------------------------------------------------------------------------------------------------------


def test_the_history_holds_only_the_teacher_s_own_results_newest_first(teacher_m, world):
    teacher = world.user("teacher-m")
    day = datetime.date(2026, 6, 1)
    result_record(enrollment=world.enrollment_a, module=world.module_m, by=teacher, assessed_on=day, score=61)
    result_record(enrollment=world.enrollment_a, module=world.module_m, by=teacher, assessed_on=day, score=62)
    result_record(
        enrollment=world.enrollment_a, module=world.module_n, by=world.user("office"), assessed_on=day, score=63
    )
    response = teacher_m.get(reverse("teaching:history"))
    entries = [row["entry"] for row in response.context["entries"]]
    key = f"{world.module_m.code}#1.score"
    assert [e.changes[key][1] for e in entries] == ["62", "61"]
    assert all(e.actor == teacher for e in entries)
    assert "teacher-m corrected the result of" in response.content.decode()


# --- queries ------------------------------------------------------------------------------------------------------


def _students(world, count):
    for _ in range(count):
        enrollment = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
        ModuleResultFactory(enrollment=enrollment, module=world.module_m, score=40, grade="2")
        ModuleResultFactory(enrollment=enrollment, module=world.module_m, attempt=2, score=70, grade="3")
        result_record(
            enrollment=enrollment,
            module=world.module_m,
            by=world.user("teacher-m"),
            assessed_on=datetime.date(2026, 6, 2),
            score=71,
            attempt=2,
        )


@pytest.mark.parametrize("extra", [0, 29])
def test_the_pages_read_in_a_fixed_number_of_queries(teacher_m, world, extra, django_assert_max_num_queries):
    _students(world, extra)
    for url in (reverse("teaching:home"), _grid(world), reverse("teaching:history")):
        with django_assert_max_num_queries(10):
            response = teacher_m.get(url)
        assert response.status_code == 200
    assert len(response.context["entries"]) == min(extra, 25)


@pytest.mark.parametrize(("language", "heading"), [("ru", "Мои модули"), ("zh-hans", "我的模块"), ("en", "My modules")])
def test_the_pages_speak_the_teacher_s_language(teacher_m, world, language, heading):
    teacher_m.cookies["django_language"] = language
    html = teacher_m.get(reverse("teaching:home")).content.decode()
    assert f'lang="{language}"' in html and heading in html
    history = teacher_m.get(reverse("teaching:history")).content.decode()
    assert {"ru": "Моя история", "zh-hans": "我的记录", "en": "My history"}[language] in history
