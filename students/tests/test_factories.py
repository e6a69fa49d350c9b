"""The factories' states are states the product can be in: valid by the model's rules, equal to what the state
machine's services leave, and accepted by the services as the source of every next transition."""

import datetime
import itertools

import pytest

from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment, ModuleResult
from students.selectors import completion_missing_modules

from .factories import STEP_DATES, STEPS, EnrollmentFactory, ModuleResultFactory, enrollment_move

pytestmark = pytest.mark.django_db

S = Enrollment.Status
# The walk from ``applied`` to each status that the factory's dates describe (STEPS in factories.py).
WALKS = {
    S.APPLIED: [],
    S.ADMITTED: [S.ADMITTED],
    S.REJECTED: [S.REJECTED],
    S.ENROLLED: [S.ADMITTED, S.ENROLLED],
    S.WITHDRAWN: [S.ADMITTED, S.ENROLLED, S.WITHDRAWN],
    S.FAILED: [S.ADMITTED, S.ENROLLED, S.FAILED],
    S.COMPLETED: [S.ADMITTED, S.ENROLLED, S.COMPLETED],
}
# Every move the state machine's table allows.
MOVES = sorted((source, t.target) for t in services.TRANSITIONS.values() for source in t.sources)
LATER = datetime.date(2027, 1, 15)  # after every date the factory writes


def _with_passing_results(enrollment):
    for module in completion_missing_modules(enrollment=enrollment):
        ModuleResultFactory(enrollment=enrollment, module=module)
    return enrollment


def _state(enrollment) -> dict:
    enrollment.refresh_from_db()
    return {
        "status": enrollment.status,
        **{field: getattr(enrollment, field) for field in Enrollment.DATE_FIELDS},
        "has_reason": bool(enrollment.status_reason),
    }


@pytest.fixture
def track():
    """A track with two required modules and an optional one, so that completion has a rule to meet."""
    track = TrackFactory(code="MECH")
    ModuleFactory(track=track, code="CAD", order=1)
    ModuleFactory(track=track, code="CNC", order=2)
    ModuleFactory(track=track, code="RUS", order=3, is_required=False)
    return track


def test_the_walks_cover_every_status_and_take_allowed_moves_only():
    assert set(WALKS) == set(S) == set(STEPS)
    for status, walk in WALKS.items():
        assert set(itertools.pairwise([S.APPLIED, *walk])) <= set(MOVES), status
        # Each step of the walk adds the one date its transition writes.
        for source, target in itertools.pairwise([S.APPLIED, *walk]):
            assert set(STEPS[target]) - set(STEPS[source]) == {services.TRANSITIONS[target].date_field}


@pytest.mark.parametrize("status", list(S))
def test_each_state_is_valid_by_the_models_rules(status, track):
    enrollment = EnrollmentFactory(status=status, cohort=CohortFactory(track=track))
    enrollment.full_clean()  # fields and every check constraint, in Python
    dates = [getattr(enrollment, field) for field in Enrollment.DATE_FIELDS if getattr(enrollment, field)]
    assert dates == sorted(dates)
    assert {field for field in Enrollment.DATE_FIELDS if getattr(enrollment, field)} == {"applied_on", *STEPS[status]}


@pytest.mark.parametrize("status", list(S))
def test_each_state_is_the_one_the_services_leave(status, track):
    cohort = CohortFactory(track=track)
    made = EnrollmentFactory(status=status, cohort=cohort)
    walked = EnrollmentFactory(cohort=cohort)
    for target in WALKS[status]:
        if target == S.COMPLETED:
            _with_passing_results(walked)
        enrollment_move(walked, target, on=getattr(made, services.TRANSITIONS[target].date_field))
    assert _state(made) == _state(walked)


@pytest.mark.parametrize(("source", "target"), MOVES)
def test_the_services_take_each_state_on_to_every_next_one(source, target, track):
    enrollment = EnrollmentFactory(status=source, cohort=CohortFactory(track=track))
    if target == S.COMPLETED:
        _with_passing_results(enrollment)
    assert enrollment_move(enrollment, target, on=LATER).status == target


def test_a_completed_enrollment_has_a_passing_result_of_every_required_module(track):
    enrollment = EnrollmentFactory(completed=True, cohort=CohortFactory(track=track))
    assert enrollment.status == S.COMPLETED
    assert not completion_missing_modules(enrollment=enrollment).exists()
    results = ModuleResult.objects.filter(enrollment=enrollment)
    assert sorted(results.values_list("module__code", "passed")) == [("CAD", True), ("CNC", True)]  # not RUS
    assert all(
        STEP_DATES["enrolled_on"] <= day <= enrollment.completed_on
        for day in results.values_list("assessed_on", flat=True)
    )


def test_a_completed_enrollment_keeps_the_results_it_is_given(track):
    cohort = CohortFactory(track=track)
    enrollment = EnrollmentFactory(completed=True, cohort=cohort, passing_results__grade=ModuleResult.Grade.EXCELLENT)
    assert set(enrollment.results.values_list("grade", flat=True)) == {ModuleResult.Grade.EXCELLENT}
    # status=completed is the same state as completed=True; a track without required modules needs no result.
    plain = EnrollmentFactory(status=S.COMPLETED)
    assert plain.status == S.COMPLETED and not plain.results.exists()


def test_other_states_get_no_results(track):
    assert not ModuleResult.objects.filter(
        enrollment=EnrollmentFactory(status=S.ENROLLED, cohort=CohortFactory(track=track))
    ).exists()
