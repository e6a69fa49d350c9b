"""Services of results, completion and continuation: the grid saved all or nothing, completing many with mixed
eligibility, the continuation rules and their audit entries; and the selectors that read them."""

import datetime
from decimal import Decimal

import pytest

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.models import Institution
from programs.tests.factories import InstitutionFactory, ModuleFactory
from students import services
from students.models import Continuation, Enrollment, ModuleResult
from students.progress import cohort_results_grid
from students.selectors import continuation_list, continuation_report

from .factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
DAY = datetime.date(2026, 6, 15)


@pytest.fixture
def modules(cohort):
    return [
        ModuleFactory(track=cohort.track, code="CAD", order=1),
        ModuleFactory(track=cohort.track, code="CNC", order=2),
        ModuleFactory(track=cohort.track, code="RUS", order=3, is_required=False, credits=1, hours=36),
    ]


def record(enrollment, module, score, attempt=1):
    return services.result_record(
        enrollment=enrollment, module=module, by=None, assessed_on=DAY, score=Decimal(score), attempt=attempt
    )


# --- the results grid -------------------------------------------------------------------------------------------


def test_grid_corrects_the_latest_attempt_and_adds_one_only_when_asked(cohort, modules):
    cad, cnc, _ = modules
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    record(enrollment, cad, 40)
    record(enrollment, cad, 50, attempt=2)
    saved = services.results_record_grid(
        cells=[
            services.GridCell(enrollment_id=enrollment.pk, module=cad, score=Decimal(55)),  # corrects attempt 2
            services.GridCell(enrollment_id=enrollment.pk, module=cnc, score=Decimal(91)),  # attempt 1
        ],
        by=None,
        assessed_on=DAY,
    )
    assert [(r.module.code, r.attempt, r.grade) for r in saved] == [("CAD", 2, "2"), ("CNC", 1, "5")]
    assert ModuleResult.objects.filter(enrollment=enrollment, module=cad).count() == 2

    services.results_record_grid(
        cells=[services.GridCell(enrollment_id=enrollment.pk, module=cad, score=Decimal(70), new_attempt=True)],
        by=None,
        assessed_on=DAY,
    )
    latest = ModuleResult.objects.filter(enrollment=enrollment, module=cad).order_by("-attempt").first()
    assert (latest.attempt, latest.grade, latest.passed) == (3, "3", True)


def test_grid_is_all_or_nothing_and_names_every_refused_cell(cohort, modules):
    cad, cnc, _ = modules
    good, passed, withdrawn = EnrollmentFactory.create_batch(3, status=S.ENROLLED, cohort=cohort)
    record(passed, cad, 95)
    services.enrollment_withdraw(enrollment=withdrawn, by=None, reason="went home")
    entries_before = AuditEntry.objects.count()
    cells = [
        services.GridCell(enrollment_id=good.pk, module=cad, score=Decimal(80)),
        services.GridCell(enrollment_id=good.pk, module=cnc, score=Decimal(81)),
        services.GridCell(enrollment_id=passed.pk, module=cad, score=Decimal(70), new_attempt=True),
        services.GridCell(enrollment_id=withdrawn.pk, module=cad, score=Decimal(70)),
    ]
    with pytest.raises(DomainError) as refused:
        services.results_record_grid(cells=cells, by=None, assessed_on=DAY)
    assert refused.value.code == "grid_refused"
    assert set(refused.value.details["errors"]) == {f"{passed.pk}:{cad.pk}", f"{withdrawn.pk}:{cad.pk}"}
    # The two valid cells, written before the refusals, were rolled back with their audit entries.
    assert not ModuleResult.objects.filter(enrollment=good).exists()
    assert ModuleResult.objects.filter(enrollment=passed).count() == 1
    assert AuditEntry.objects.count() == entries_before


def test_grid_audits_each_change(cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    services.results_record_grid(
        cells=[services.GridCell(enrollment_id=enrollment.pk, module=modules[0], score=Decimal(77))],
        by=None,
        assessed_on=DAY,
    )
    entry = AuditEntry.objects.filter(action="result.record").get()
    assert entry.changes["CAD#1.score"] == [None, "77"]


def test_grid_refuses_an_eleventh_attempt(cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    for attempt in range(1, 11):
        record(enrollment, modules[0], 10, attempt=attempt)
    with pytest.raises(DomainError) as refused:
        services.results_record_grid(
            cells=[services.GridCell(enrollment_id=enrollment.pk, module=modules[0], score=Decimal(90), new_attempt=1)],
            by=None,
            assessed_on=DAY,
        )
    assert "10" in next(iter(refused.value.details["errors"].values()))


def test_grid_selector_latest_attempt_progress_and_eligibility(cohort, modules, django_assert_num_queries):
    cad, cnc, rus = modules
    ready, halfway = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    record(ready, cad, 90)
    record(ready, cnc, 40)
    record(ready, cnc, 65, attempt=2)
    record(halfway, cad, 30)
    record(halfway, rus, 100)
    EnrollmentFactory(cohort=cohort)  # only applied: not in the grid
    with django_assert_num_queries(4):
        grid = cohort_results_grid(cohort=cohort)
    assert [m.code for m in grid.modules] == ["CAD", "CNC", "RUS"]
    rows = {row.enrollment.pk: row for row in grid.rows}
    assert set(rows) == {ready.pk, halfway.pk}
    cnc_cell = rows[ready.pk].cells[1]
    assert (cnc_cell.latest.attempt, cnc_cell.attempts, cnc_cell.passed) == (2, 2, True)
    assert rows[ready.pk].eligible and not rows[ready.pk].missing
    assert rows[ready.pk].progress["required_passed"] == 2
    assert not rows[halfway.pk].eligible
    assert [m.code for m in rows[halfway.pk].missing] == ["CAD", "CNC"]
    assert (rows[halfway.pk].progress["hours_passed"], rows[halfway.pk].progress["credits_passed"]) == (36, 1)
    assert [row.enrollment.pk for row in grid.eligible] == [ready.pk]


# --- completing many ----------------------------------------------------------------------------------------------


def test_complete_many_completes_the_eligible_and_reports_the_others(cohort, modules):
    cad, cnc, _ = modules
    ready, missing_one = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    applied = EnrollmentFactory(cohort=cohort)
    for module in (cad, cnc):
        record(ready, module, 80)
    record(missing_one, cad, 80)
    record(missing_one, cnc, 20)
    done, refused = services.enrollments_complete_many(enrollments=[missing_one, ready, applied], by=None)
    assert [e.pk for e in done] == [ready.pk]
    assert set(refused) == {missing_one.pk, applied.pk}
    assert refused[missing_one.pk].details["missing"] == ["CNC"]
    assert refused[applied.pk].code == "invalid_transition"
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert (statuses[ready.pk], statuses[missing_one.pk], statuses[applied.pk]) == (S.COMPLETED, S.ENROLLED, S.APPLIED)
    # Run again: nothing changes, the completed one is now refused as it stands.
    done, refused = services.enrollments_complete_many(enrollments=[ready], by=None)
    assert done == [] and refused[ready.pk].code == "invalid_transition"
    assert AuditEntry.objects.filter(action="enrollment.completed").count() == 1


# --- continuation -------------------------------------------------------------------------------------------------


def _data(cohort, **changes):
    return {
        "university": cohort.host,
        "program_code": "15.03.06",
        "program_name": "Mechatronics and robotics",
        "applied_on": datetime.date(2026, 7, 10),
        "decision": "pending",
        "decided_on": None,
        **changes,
    }


def test_continuation_only_for_a_completed_enrollment(cohort, modules):
    enrollment = EnrollmentFactory(status=S.ENROLLED, cohort=cohort)
    with pytest.raises(DomainError) as refused:
        services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort))
    assert refused.value.code == "not_completed"
    assert not Continuation.objects.exists()


def test_continuation_record_and_decide_are_audited(cohort, modules):
    enrollment = EnrollmentFactory(completed=True, cohort=cohort)
    continuation = services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort))
    assert (continuation.decision, continuation.decided_on) == ("pending", None)
    entry = AuditEntry.objects.get(action="continuation.record")
    assert entry.object_id == str(enrollment.pk)
    assert entry.changes["continuation 15.03.06@STANKIN.program_name"] == [None, "Mechatronics and robotics"]

    services.continuation_decide(
        continuation=continuation, by=None, decision="accepted", decided_on=datetime.date(2026, 8, 1)
    )
    services.continuation_decide(  # the same again: idempotent, no second entry
        continuation=continuation, by=None, decision="accepted", decided_on=datetime.date(2026, 8, 1)
    )
    continuation.refresh_from_db()
    assert (continuation.decision, continuation.decided_on) == ("accepted", datetime.date(2026, 8, 1))
    decided = AuditEntry.objects.filter(action="continuation.decide").get()
    assert decided.changes["continuation 15.03.06@STANKIN.decision"] == ["pending", "accepted"]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"decision": "accepted"}, "decided_on", "required"),
        ({"decision": "rejected", "decided_on": datetime.date(2026, 7, 1)}, "decided_on", "date_out_of_order"),
        ({"university": "sending"}, "university", "not_host"),
    ],
)
def test_continuation_rules(cohort, modules, changes, field, code):
    enrollment = EnrollmentFactory(completed=True, cohort=cohort)
    if changes.get("university") == "sending":
        changes["university"] = InstitutionFactory(kind=Institution.Kind.SENDING)
    with pytest.raises(DomainError) as refused:
        services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort, **changes))
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Continuation.objects.exists()


def test_continuation_same_program_twice_is_refused_on_the_code(cohort, modules):
    enrollment = EnrollmentFactory(completed=True, cohort=cohort)
    services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort))
    with pytest.raises(DomainError) as refused:
        services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort, program_name="Again"))
    assert (refused.value.field, refused.value.code) == ("program_code", "duplicate_continuation")


def test_decision_date_not_before_application(cohort, modules):
    enrollment = EnrollmentFactory(completed=True, cohort=cohort)
    continuation = services.continuation_record(enrollment=enrollment, by=None, data=_data(cohort))
    with pytest.raises(DomainError) as refused:
        services.continuation_decide(
            continuation=continuation, by=None, decision="rejected", decided_on=datetime.date(2026, 1, 1)
        )
    assert refused.value.field == "decided_on"
    assert not AuditEntry.objects.filter(action="continuation.decide").exists()


def test_continuation_report_counts_students_once(cohort, modules, django_assert_num_queries):
    first, second, third = (EnrollmentFactory(completed=True, cohort=cohort) for _ in range(3))
    services.continuation_record(enrollment=first, by=None, data=_data(cohort))
    services.continuation_record(
        enrollment=first,
        by=None,
        data=_data(cohort, program_code="09.03.01", decision="accepted", decided_on=datetime.date(2026, 8, 1)),
    )
    services.continuation_record(
        enrollment=second,
        by=None,
        data=_data(cohort, decision="rejected", decided_on=datetime.date(2026, 8, 1)),
    )
    EnrollmentFactory(status=S.ENROLLED, cohort=cohort)  # not completed: not counted
    with django_assert_num_queries(1):
        rows = continuation_report()
    assert [(r["cohort"].code, r["completed"], r["applied"], r["accepted"]) for r in rows] == [("MECH26", 3, 2, 1)]
    assert (rows[0]["applied_rate"], rows[0]["accepted_rate"]) == (67, 33)
    assert continuation_list(decision="accepted").count() == 1
    assert third.pk not in {c.enrollment_id for c in continuation_list()}
