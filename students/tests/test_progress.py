"""The progress selector (``students/progress.py``): one enrollment, many, and the sums they share."""

from decimal import Decimal

import pytest

from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment, ModuleResult
from students.progress import (
    Progress,
    cohort_results_grid,
    enrollment_progress,
    progress_for,
    progress_for_many,
)
from students.selectors import completion_missing_modules

from .factories import EnrollmentFactory, ModuleResultFactory

pytestmark = pytest.mark.django_db


def test_enrollment_progress_counts_a_module_once_and_in_one_query(django_assert_num_queries):
    enrollment = EnrollmentFactory()
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    module = ModuleFactory(track=enrollment.track, hours=40, credits=3)
    ModuleFactory(track=enrollment.track, hours=20, credits=1, is_required=False)
    ModuleResultFactory(enrollment=enrollment, module=module, attempt=1, grade="2", score=10)
    ModuleResultFactory(enrollment=enrollment, module=module, attempt=2, grade="5", score=95)
    ModuleResultFactory(enrollment=enrollment, module=module, attempt=3, grade="4", score=80)
    with django_assert_num_queries(1):
        progress = enrollment_progress(enrollment=enrollment)
    assert progress["required_passed"] == 1 and progress["required"] == 1 and progress["percent"] == 100
    assert progress["hours_passed"] == 40 and progress["hours_total"] == 60
    assert progress["credits_passed"] == 3 and progress["credits_total"] == 4


def test_enrollment_progress_counts_only_this_enrollments_results_of_its_track():
    enrollment = EnrollmentFactory()
    required = ModuleFactory(track=enrollment.track, hours=40, credits="2.5")
    optional = ModuleFactory(track=enrollment.track, hours=20, credits="1.0", is_required=False)
    ModuleFactory(track=enrollment.track, hours=10, credits="0.5")
    ModuleResultFactory(enrollment=enrollment, module=optional, grade="5", score=95)
    ModuleResultFactory(enrollment=enrollment, module=required, grade="2", score=10)  # failed
    # Another enrollment's pass of the same module, and a module of another track, count for nothing here.
    ModuleResultFactory(enrollment=EnrollmentFactory(cohort=enrollment.cohort), module=required, grade="5", score=95)
    ModuleFactory(hours=500, credits=9)
    assert enrollment_progress(enrollment=enrollment) == {
        "required": 2,
        "required_passed": 0,
        "modules": 3,
        "modules_passed": 1,
        "hours_total": 70,
        "hours_passed": 20,
        "credits_total": Decimal("4.0"),
        "credits_passed": Decimal("1.0"),
        "percent": 0,
    }


def test_enrollment_progress_of_a_track_without_modules_or_passes():
    enrollment = EnrollmentFactory()
    empty = {"required": 0, "required_passed": 0, "modules": 0, "modules_passed": 0, "hours_total": 0}
    empty |= {"hours_passed": 0, "credits_total": 0, "credits_passed": 0, "percent": 100}
    assert enrollment_progress(enrollment=enrollment) == empty
    ModuleFactory(track=enrollment.track, hours=30, credits="1.5")
    progress = enrollment_progress(enrollment=enrollment)
    # Nothing passed: plain zeros, as the SQL sums gave, not zero Decimals.
    assert progress["credits_passed"] == 0 and type(progress["credits_passed"]) is int
    assert progress["hours_passed"] == 0 and progress["percent"] == 0 and progress["credits_total"] == Decimal("1.5")


def _enrolled(**kwargs) -> Enrollment:
    enrollment = EnrollmentFactory(**kwargs)
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    return enrollment


@pytest.fixture
def curriculum():
    """A track of two required modules and one elective, and a fourth required module nobody has a result in."""
    track = TrackFactory(code="MECH")
    return {
        "cad": ModuleFactory(track=track, code="CAD", order=1, hours=72, credits="2.0"),
        "cnc": ModuleFactory(track=track, code="CNC", order=2, hours=54, credits="1.5"),
        "rus": ModuleFactory(track=track, code="RUS", order=3, hours=36, credits="1.0", is_required=False),
        "safe": ModuleFactory(track=track, code="SAFE", order=4, hours=18, credits="0.5"),
    }


def _student_in(curriculum, cohort=None) -> Enrollment:
    cohort = cohort or CohortFactory(track=curriculum["cad"].track)
    return _enrolled(cohort=cohort)


def test_one_enrollment_with_an_elective_a_failed_then_passed_attempt_and_a_module_with_no_result(curriculum):
    enrollment = _student_in(curriculum)
    cad, cnc, rus = curriculum["cad"], curriculum["cnc"], curriculum["rus"]
    ModuleResultFactory(enrollment=enrollment, module=cad, attempt=1, grade="2", score=20)
    ModuleResultFactory(enrollment=enrollment, module=cad, attempt=2, grade="3", score=60)
    ModuleResultFactory(enrollment=enrollment, module=cnc, attempt=1, grade="fail", score=None)
    ModuleResultFactory(enrollment=enrollment, module=rus, attempt=1, grade="pass", score=None)
    # SAFE: no result at all.
    progress = progress_for(enrollment=enrollment)
    assert progress == Progress(
        enrollment_id=enrollment.pk,
        required=3,
        required_passed=1,
        modules=4,
        modules_passed=2,
        hours_total=180,
        hours_passed=108,
        credits_total=Decimal("5.0"),
        credits_passed=Decimal("3.0"),
        missing_module_ids=(cnc.pk, curriculum["safe"].pk),
        passed_module_ids=frozenset({cad.pk, rus.pk}),
    )
    assert progress.percent == 33
    # The completion rule and the progress name the same modules as missing.
    assert list(progress.missing_module_ids) == list(
        completion_missing_modules(enrollment=enrollment).order_by("order", "code").values_list("pk", flat=True)
    )


@pytest.mark.parametrize("grade", ModuleResult.Grade.values)
def test_a_module_is_passed_exactly_by_the_models_passing_grades(curriculum, grade):
    enrollment = _student_in(curriculum)
    ModuleResultFactory(enrollment=enrollment, module=curriculum["cad"], grade=grade, score=None)
    passed = grade in ModuleResult.PASSING_GRADES
    progress = progress_for(enrollment=enrollment)
    assert (curriculum["cad"].pk in progress.passed_module_ids) is passed
    assert progress.hours_passed == (72 if passed else 0)


def test_many_enrollments_each_as_alone_whatever_their_tracks(curriculum):
    cohort = CohortFactory(track=curriculum["cad"].track)
    done, halfway, nothing = (_student_in(curriculum, cohort) for _ in range(3))
    for module in ("cad", "cnc", "safe"):
        ModuleResultFactory(enrollment=done, module=curriculum[module])
    ModuleResultFactory(enrollment=halfway, module=curriculum["cnc"], attempt=1, grade="2", score=10)
    ModuleResultFactory(enrollment=halfway, module=curriculum["cnc"], attempt=2, grade="5", score=95)
    ModuleResultFactory(enrollment=halfway, module=curriculum["rus"])
    other_track = _enrolled()  # a track with one module of its own
    ModuleResultFactory(enrollment=other_track, module=ModuleFactory(track=other_track.track, hours=10))
    empty_track = _enrolled()  # a track with no modules
    enrollments = [done, halfway, nothing, other_track, empty_track]

    many = progress_for_many(enrollments=enrollments)

    assert list(many) == [enrollment.pk for enrollment in enrollments]
    for enrollment in enrollments:
        assert many[enrollment.pk] == progress_for(enrollment=enrollment)
    assert (many[done.pk].required_passed, many[done.pk].missing_module_ids) == (3, ())
    assert many[halfway.pk].passed_module_ids == {curriculum["cnc"].pk, curriculum["rus"].pk}
    assert (many[nothing.pk].modules_passed, many[nothing.pk].percent) == (0, 0)
    assert (many[other_track.pk].modules, many[other_track.pk].hours_passed) == (1, 10)
    assert (many[empty_track.pk].modules, many[empty_track.pk].percent) == (0, 100)


def test_many_runs_one_query_for_one_or_twenty_enrollments_and_none_for_none(curriculum, django_assert_num_queries):
    cohort = CohortFactory(track=curriculum["cad"].track)
    enrollments = [_student_in(curriculum, cohort) for _ in range(20)]
    for n, enrollment in enumerate(enrollments):
        for attempt in range(1, n % 3 + 2):
            ModuleResultFactory(enrollment=enrollment, module=curriculum["cad"], attempt=attempt)
        ModuleResultFactory(enrollment=enrollment, module=curriculum["rus"], grade="fail", score=None)
    enrollments += [_enrolled() for _ in range(2)]  # other tracks in the same call
    with django_assert_num_queries(1):
        one = progress_for_many(enrollments=enrollments[:1])
    with django_assert_num_queries(1):
        twenty = progress_for_many(enrollments=enrollments)
    with django_assert_num_queries(0):
        assert progress_for_many(enrollments=[]) == {}
    assert len(one) == 1 and len(twenty) == 22
    assert all(progress.hours_passed == 72 for progress in list(twenty.values())[:20])


def test_many_splits_a_long_list_into_statements_sqlite_accepts(curriculum, monkeypatch, django_assert_num_queries):
    import students.progress

    monkeypatch.setattr(students.progress, "_CHUNK", 2)
    cohort = CohortFactory(track=curriculum["cad"].track)
    enrollments = [_student_in(curriculum, cohort) for _ in range(5)]
    ModuleResultFactory(enrollment=enrollments[4], module=curriculum["cad"])
    with django_assert_num_queries(3):
        many = progress_for_many(enrollments=enrollments)
    assert [progress.required_passed for progress in many.values()] == [0, 0, 0, 0, 1]


def test_the_grid_and_the_numbers_the_api_shows_agree_with_the_selector(curriculum):
    cohort = CohortFactory(track=curriculum["cad"].track)
    first, second = _student_in(curriculum, cohort), _student_in(curriculum, cohort)
    ModuleResultFactory(enrollment=first, module=curriculum["cad"], attempt=1, grade="2", score=10)
    ModuleResultFactory(enrollment=first, module=curriculum["cad"], attempt=2, grade="4", score=80)
    ModuleResultFactory(enrollment=second, module=curriculum["rus"])
    for row in cohort_results_grid(cohort=cohort).rows:
        progress = progress_for(enrollment=row.enrollment)
        assert row.progress == progress.as_dict() == enrollment_progress(enrollment=row.enrollment)
        assert [module.pk for module in row.missing] == list(progress.missing_module_ids)
        assert {cell.module.pk for cell in row.cells if cell.passed} == progress.passed_module_ids
