import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import AgreementQuotaFactory, CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment, ModuleResult
from students.selectors import (
    completion_missing_modules,
    enrollment_is_eligible_for_completion,
    enrollments_eligible_for_completion,
)

from .factories import EnrollmentFactory, StudentFactory, enrollment_move

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
ALL_STATUSES = [s.value for s in S]
ALLOWED = {(source, target) for target, transition in services.TRANSITIONS.items() for source in transition.sources}
REASON_NEEDED = {S.REJECTED, S.WITHDRAWN, S.FAILED}
# How to reach each status from "applied" through the services.
PATHS = {
    S.APPLIED: [],
    S.ADMITTED: [S.ADMITTED],
    S.REJECTED: [S.REJECTED],
    S.ENROLLED: [S.ADMITTED, S.ENROLLED],
    S.WITHDRAWN: [S.ADMITTED, S.WITHDRAWN],
    S.FAILED: [S.ADMITTED, S.ENROLLED, S.FAILED],
    S.COMPLETED: [S.ADMITTED, S.ENROLLED, S.COMPLETED],
}


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("popova", password="x")


def _move(enrollment, target, by):
    return enrollment_move(enrollment, target, by=by)


def _in_state(status, by) -> Enrollment:
    enrollment = EnrollmentFactory()  # a track without required modules: completion needs no results
    for step in PATHS[status]:
        _move(enrollment, step, by)
    assert enrollment.status == status
    return enrollment


def test_the_transition_table_is_the_designed_state_machine():
    assert {
        ("applied", "admitted"),
        ("admitted", "enrolled"),
        ("enrolled", "completed"),
        ("applied", "rejected"),
        ("admitted", "rejected"),
        ("admitted", "withdrawn"),
        ("enrolled", "withdrawn"),
        ("enrolled", "failed"),
    } == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_transition_writes_status_date_and_audit(source, target, staff):
    enrollment = _in_state(source, staff)
    entries_before = AuditEntry.objects.count()

    _move(enrollment, target, staff)

    enrollment.refresh_from_db()
    assert enrollment.status == target
    date_field = services.TRANSITIONS[target].date_field
    assert getattr(enrollment, date_field) is not None
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == entries_before + 1
    assert (entry.action, entry.object_id, entry.actor, entry.actor_label) == (
        f"enrollment.{target}",
        str(enrollment.pk),
        staff,
        "popova",
    )
    assert entry.changes["status"] == [source, target]
    assert entry.target == enrollment
    if target in REASON_NEEDED:
        assert entry.reason == enrollment.status_reason == "Documents incomplete"


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in ALL_STATUSES for t in services.TRANSITIONS if (s, t) not in ALLOWED],
)
def test_refused_transition_changes_nothing(source, target, staff):
    enrollment = _in_state(source, staff)
    entries_before = AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        _move(enrollment, target, staff)

    assert refused.value.code == "invalid_transition"
    assert refused.value.details == {"from": source, "to": target}
    enrollment.refresh_from_db()
    assert enrollment.status == source
    assert AuditEntry.objects.count() == entries_before


@pytest.mark.parametrize("target", sorted(REASON_NEEDED))
def test_reject_withdraw_and_fail_need_a_reason(target, staff):
    source = {S.REJECTED: S.APPLIED, S.WITHDRAWN: S.ADMITTED, S.FAILED: S.ENROLLED}[target]
    enrollment = _in_state(source, staff)
    with pytest.raises(DomainError) as refused:
        services.TRANSITIONS[target].run(enrollment, by=staff, text="   ")
    assert refused.value.code == "reason_required"
    enrollment.refresh_from_db()
    assert enrollment.status == source


def test_transition_records_the_given_date(staff):
    enrollment = EnrollmentFactory(applied_on=datetime.date(2026, 2, 1))
    services.enrollment_admit(enrollment=enrollment, by=staff, on=datetime.date(2026, 2, 10))
    enrollment.refresh_from_db()
    assert enrollment.admitted_on == datetime.date(2026, 2, 10)


# --- applications ------------------------------------------------------------------------------------------------


def test_apply_creates_an_application_with_the_cohort_track_and_an_audit_entry(staff):
    cohort = CohortFactory()
    student = StudentFactory(home_institution=cohort.partner)
    enrollment = services.enrollment_apply(student=student, cohort=cohort, by=staff, source="import")
    assert (enrollment.status, enrollment.track_id, enrollment.source) == ("applied", cohort.track_id, "import")
    entry = AuditEntry.objects.get(action="enrollment.apply")
    assert entry.changes == {"status": [None, "applied"]} and entry.object_id == str(enrollment.pk)


def test_apply_twice_in_the_same_track_is_refused_until_the_first_is_closed(staff):
    cohort = CohortFactory()
    other = CohortFactory(track=cohort.track, partner=cohort.partner, host=cohort.host)
    student = StudentFactory(home_institution=cohort.partner)
    first = services.enrollment_apply(student=student, cohort=cohort, by=staff)
    with pytest.raises(DomainError) as refused:
        services.enrollment_apply(student=student, cohort=other, by=staff)
    assert refused.value.code == "duplicate_enrollment"
    services.enrollment_reject(enrollment=first, by=staff, reason="Late")
    assert services.enrollment_apply(student=student, cohort=other, by=staff).status == "applied"


def test_apply_is_refused_for_a_closed_cohort_and_for_another_college(staff):
    closed = CohortFactory(accepts_applications=False)
    with pytest.raises(DomainError) as refused:
        services.enrollment_apply(student=StudentFactory(home_institution=closed.partner), cohort=closed, by=staff)
    assert refused.value.code == "cohort_closed"
    with pytest.raises(DomainError) as refused:
        services.enrollment_apply(student=StudentFactory(), cohort=CohortFactory(), by=staff)
    assert refused.value.code == "wrong_partner"
    assert Enrollment.objects.count() == 0


# --- places: capacity and quota ----------------------------------------------------------------------------------


def test_admission_stops_at_the_cohort_capacity(staff):
    cohort = CohortFactory(capacity=2)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(3)]
    services.enrollment_admit(enrollment=enrollments[0], by=staff)
    services.enrollment_admit(enrollment=enrollments[1], by=staff)
    with pytest.raises(DomainError) as refused:
        services.enrollment_admit(enrollment=enrollments[2], by=staff)
    assert refused.value.code == "cohort_full"
    assert "2" in refused.value.message


def test_admission_stops_at_the_agreement_quota_with_a_clear_message(staff):
    quota = AgreementQuotaFactory(year=2026, places=1)
    cohort = CohortFactory(
        agreement=quota.agreement,
        track=quota.track,
        partner=quota.agreement.partner,
        capacity=10,
        start_date=datetime.date(2026, 3, 1),
    )
    first, second = EnrollmentFactory(cohort=cohort), EnrollmentFactory(cohort=cohort)
    services.enrollment_admit(enrollment=first, by=staff)
    assert services.quota_used(quota) == 1
    with pytest.raises(DomainError) as refused:
        services.enrollment_admit(enrollment=second, by=staff)
    assert refused.value.code == "quota_exhausted"
    assert quota.agreement.number in refused.value.message and "1 of 1" in refused.value.message
    # A withdrawal frees the place.
    services.enrollment_withdraw(enrollment=first, by=staff, reason="Left the college")
    services.enrollment_admit(enrollment=second, by=staff)
    assert services.quota_used(quota) == 1


def test_admission_needs_a_quota_for_the_track_and_year(staff):
    quota = AgreementQuotaFactory(year=2025)
    cohort = CohortFactory(agreement=quota.agreement, track=quota.track, partner=quota.agreement.partner)
    with pytest.raises(DomainError) as refused:
        services.enrollment_admit(enrollment=EnrollmentFactory(cohort=cohort), by=staff)
    assert refused.value.code == "quota_missing"


# --- results and the completion rule -----------------------------------------------------------------------------


@pytest.fixture
def enrolled(staff):
    track = TrackFactory(pass_score=60, good_score=75, excellent_score=90)
    cohort = CohortFactory(track=track)
    enrollment = EnrollmentFactory(cohort=cohort)
    services.enrollment_admit(enrollment=enrollment, by=staff)
    services.enrollment_enroll(enrollment=enrollment, by=staff)
    return enrollment


def _record(enrollment, module, by, **kwargs):
    return services.result_record(
        enrollment=enrollment, module=module, by=by, assessed_on=datetime.date(2026, 6, 1), **kwargs
    )


@pytest.mark.parametrize(
    ("kind", "score", "grade"),
    [
        ("exam", "90", "5"),
        ("exam", "89.99", "4"),
        ("exam", "75", "4"),
        ("project", "60", "3"),
        ("exam", "59.5", "2"),
        ("credit", "60", "pass"),
        ("credit", "10", "fail"),
    ],
)
def test_grade_is_derived_from_the_score_on_the_track_scale(enrolled, staff, kind, score, grade):
    module = ModuleFactory(track=enrolled.track, assessment_kind=kind)
    result = _record(enrolled, module, staff, score=Decimal(score))
    assert result.grade == grade
    assert ModuleResult.objects.get(pk=result.pk).passed is (grade in ("5", "4", "3", "pass"))


def test_recording_the_same_result_twice_changes_nothing_and_a_correction_is_audited(enrolled, staff):
    module = ModuleFactory(track=enrolled.track)
    _record(enrolled, module, staff, score=Decimal("70"))
    _record(enrolled, module, staff, score=Decimal("70"))
    assert ModuleResult.objects.count() == 1
    assert AuditEntry.objects.filter(action="result.record").count() == 1
    _record(enrolled, module, staff, score=Decimal("80"))
    change = AuditEntry.objects.get(action="result.change")
    assert change.changes[f"{module.code}#1.score"] == ["70.00", "80"]
    assert change.changes[f"{module.code}#1.grade"] == ["3", "4"]


def test_results_are_refused_for_another_track_or_a_student_not_enrolled(enrolled, staff):
    with pytest.raises(DomainError) as refused:
        _record(enrolled, ModuleFactory(), staff, grade="5")
    assert refused.value.code == "wrong_track"
    applied = EnrollmentFactory()
    with pytest.raises(DomainError) as refused:
        _record(applied, ModuleFactory(track=applied.track), staff, grade="5")
    assert refused.value.code == "not_enrolled"
    with pytest.raises(DomainError) as refused:
        _record(enrolled, ModuleFactory(track=enrolled.track), staff)
    assert refused.value.field == "score"
    assert ModuleResult.objects.count() == 0


def test_completion_needs_every_required_module_passed(enrolled, staff):
    first = ModuleFactory(track=enrolled.track, code="MEC-01", is_required=True)
    second = ModuleFactory(track=enrolled.track, code="MEC-02", is_required=True)
    ModuleFactory(track=enrolled.track, code="MEC-EL1", is_required=False)  # an elective is not needed
    _record(enrolled, first, staff, grade="5")
    _record(enrolled, second, staff, grade="2")

    with pytest.raises(DomainError) as refused:
        services.enrollment_complete(enrollment=enrolled, by=staff)
    assert refused.value.code == "not_eligible"
    assert refused.value.details == {"missing": ["MEC-02"]}
    assert refused.value.message == "1 of 2 required modules passed; missing: MEC-02."
    # The staff pages ask the same check before offering the button (students.views.buttons_for).
    assert services.enrollment_complete_refusal(enrollment=enrolled).message == refused.value.message
    assert services.TRANSITIONS["completed"].refusal_for(enrolled).message == refused.value.message
    assert not enrollment_is_eligible_for_completion(enrollment=enrolled)
    assert list(enrollments_eligible_for_completion()) == []

    _record(enrolled, second, staff, grade="3", attempt=2)  # the retake passes
    assert list(completion_missing_modules(enrollment=enrolled)) == []
    assert list(enrollments_eligible_for_completion()) == [enrolled]
    services.enrollment_complete(enrollment=enrolled, by=staff)
    enrolled.refresh_from_db()
    assert enrolled.status == "completed" and enrolled.completed_on is not None


def test_the_set_wise_completion_rule_agrees_with_the_single_one(staff):
    track = TrackFactory()
    modules = [ModuleFactory(track=track) for _ in range(3)]
    cohort = CohortFactory(track=track)
    enrollments = []
    for passed_count in range(4):
        enrollment = EnrollmentFactory(cohort=cohort)
        services.enrollment_admit(enrollment=enrollment, by=staff)
        services.enrollment_enroll(enrollment=enrollment, by=staff)
        for module in modules[:passed_count]:
            _record(enrollment, module, staff, grade="pass")
        enrollments.append(enrollment)
    eligible = set(enrollments_eligible_for_completion(Enrollment.objects.filter(cohort=cohort)))
    assert eligible == {e for e in enrollments if enrollment_is_eligible_for_completion(enrollment=e)}
    assert eligible == {enrollments[3]}


def test_a_transition_dated_before_the_previous_step_is_refused(staff):
    enrollment = EnrollmentFactory(applied_on=datetime.date(2026, 2, 1))
    with pytest.raises(DomainError) as refused:
        services.enrollment_admit(enrollment=enrollment, by=staff, on=datetime.date(2026, 1, 31))
    assert refused.value.code == "date_out_of_order" and "2026-02-01" in refused.value.message
    services.enrollment_admit(enrollment=enrollment, by=staff, on=datetime.date(2026, 2, 5))
    with pytest.raises(DomainError):
        services.enrollment_enroll(enrollment=enrollment, by=staff, on=datetime.date(2026, 2, 4))
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.enrolled_on) == ("admitted", None)


def test_apply_after_the_application_deadline_is_refused(staff):
    cohort = CohortFactory(application_deadline=datetime.date(2026, 2, 15))
    student = StudentFactory(home_institution=cohort.partner)
    with pytest.raises(DomainError) as refused:
        services.enrollment_apply(student=student, cohort=cohort, by=staff, applied_on=datetime.date(2026, 2, 16))
    assert refused.value.code == "deadline_passed"
    services.enrollment_apply(student=student, cohort=cohort, by=staff, applied_on=datetime.date(2026, 2, 15))


# --- student records ---------------------------------------------------------------------------------------------


def _office_user(name, group):
    from mobility.tests.support import make_user

    return get_user_model().objects.get(pk=make_user(name, group).pk)  # fresh permission cache


def test_student_services_refuse_sensitive_fields_without_the_permission():
    from mobility.foundation.access import OFFICE

    student = StudentFactory()
    clerk = _office_user("clerk", OFFICE)
    with pytest.raises(DomainError) as refused:
        services.student_update(student=student, by=clerk, data={"passport_number": "X1"})
    assert refused.value.code == "sensitive_forbidden"
    with pytest.raises(DomainError):
        services.student_update(student=student, by=clerk, data={"user": None})
    with pytest.raises(DomainError) as duplicate:
        services.student_create(
            by=clerk,
            data={
                "home_institution": student.home_institution,
                "home_student_id": student.home_student_id,
                "family_name_latin": "A",
                "given_name_latin": "B",
            },
        )
    assert duplicate.value.field == "home_student_id"


def test_student_update_audits_changed_fields_and_masks_sensitive_values():
    from mobility.foundation.access import OFFICE_ADMIN

    student = StudentFactory(passport_number="E11111111", phone="")
    head = _office_user("head", OFFICE_ADMIN)
    services.student_update(student=student, by=head, data={"passport_number": "E22222222", "phone": "+86 23 1"})
    services.student_update(student=student, by=head, data={"phone": "+86 23 1"})  # unchanged: no entry
    entry = AuditEntry.objects.get(action__startswith="student.", object_id=str(student.pk))
    assert entry.changes["phone"] == ["", "+86 23 1"]
    assert "E11111111" not in str(entry.changes) and "E22222222" not in str(entry.changes)
    student.refresh_from_db()
    assert student.passport_number == "E22222222"
