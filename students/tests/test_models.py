import datetime

import pytest

from mobility.tests.support import refused_by_database
from programs.tests.factories import CohortFactory, InstitutionFactory, ModuleFactory
from students.models import Continuation, Enrollment, ModuleResult, Student

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_home_student_id_is_unique_per_institution():
    student = StudentFactory(home_student_id="20260001")
    StudentFactory(home_student_id="20260001")  # the same id at another college is another student
    with refused_by_database("student_unique_home_id_per_institution"):
        StudentFactory(home_student_id="20260001", home_institution=student.home_institution)


def test_email_is_unique_ignoring_case_but_may_be_blank_for_many():
    StudentFactory(email="Li.Na@example.cn")
    StudentFactory(email="")
    StudentFactory(email="")
    with refused_by_database("student_unique_email_ci"):
        StudentFactory(email="li.na@EXAMPLE.cn")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"home_student_id": ""}, "student_home_id_not_blank"),
        ({"family_name_latin": ""}, "student_latin_name_not_blank"),
        ({"given_name_latin": ""}, "student_latin_name_not_blank"),
        (
            {"passport_issued_on": datetime.date(2024, 1, 1), "passport_expires_on": datetime.date(2023, 1, 1)},
            "student_passport_dates_ordered",
        ),
        ({"birth_date": datetime.date(1899, 12, 31)}, "student_birth_date_plausible"),
    ],
)
def test_student_checks(fields, constraint):
    with refused_by_database(constraint):
        StudentFactory(**fields)


def test_names_in_three_scripts():
    student = StudentFactory(
        family_name_han="欧阳",
        given_name_han="晓东",
        family_name_latin="Ouyang",
        given_name_latin="Xiaodong",
        family_name_cyrillic="Оуян",
        given_name_cyrillic="Сяодун",
    )
    assert (student.full_name_han, student.full_name_latin, student.full_name_cyrillic) == (
        "欧阳晓东",
        "Ouyang Xiaodong",
        "Оуян Сяодун",
    )
    assert str(student) == "Ouyang Xiaodong"


def test_sensitive_fields_are_marked_and_gated_by_a_permission():
    field_names = {f.name for f in Student._meta.get_fields()}
    assert set(Student.SENSITIVE_FIELDS) <= field_names
    assert {"passport_number", "birth_date"} <= set(Student.SENSITIVE_FIELDS)
    assert ("view_sensitive", Student._meta.permissions[0][1]) in Student._meta.permissions


def test_one_current_enrollment_per_student_and_track():
    first = EnrollmentFactory()
    other_cohort = CohortFactory(track=first.cohort.track, partner=first.cohort.partner, host=first.cohort.host)
    for status in ("applied", "admitted", "enrolled", "completed"):
        Enrollment.objects.filter(pk=first.pk).update(
            status=status,
            admitted_on=first.applied_on,
            enrolled_on=first.applied_on,
            completed_on=first.applied_on,
        )
        with refused_by_database("enrollment_one_current_per_student_track"):
            Enrollment.objects.create(student=first.student, cohort=other_cohort, track=first.track)
    # Once the first is closed (rejected, withdrawn, failed), the student may apply again.
    Enrollment.objects.filter(pk=first.pk).update(status="rejected", completed_on=None, closed_on=first.applied_on)
    Enrollment.objects.create(student=first.student, cohort=other_cohort, track=first.track)
    # And a current enrollment in another track is independent.
    EnrollmentFactory(student=first.student, cohort__partner=first.student.home_institution)


D = datetime.date


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": "graduated"}, "enrollment_status_valid"),
        ({"applied_on": D(2026, 2, 1), "admitted_on": D(2026, 1, 31)}, "enrollment_admitted_after_applied"),
        ({"admitted_on": D(2026, 2, 2), "enrolled_on": D(2026, 2, 1)}, "enrollment_enrolled_after_admitted"),
        ({"enrolled_on": D(2026, 2, 2)}, "enrollment_enrolled_after_admitted"),
        (
            {"admitted_on": D(2026, 2, 2), "enrolled_on": D(2026, 3, 1), "completed_on": D(2026, 2, 28)},
            "enrollment_completed_after_enrolled",
        ),
        ({"closed_on": D(2026, 1, 1)}, "enrollment_closed_after_applied"),
        ({"status": "completed"}, "enrollment_completed_has_date"),
    ],
)
def test_enrollment_checks(fields, constraint):
    enrollment = EnrollmentFactory()
    with refused_by_database(constraint):
        Enrollment.objects.filter(pk=enrollment.pk).update(**fields)


def test_one_result_per_enrollment_module_and_attempt():
    result = ModuleResultFactory(attempt=1)
    ModuleResultFactory(enrollment=result.enrollment, module=result.module, attempt=2)
    with refused_by_database("result_unique_enrollment_module_attempt"):
        ModuleResultFactory(enrollment=result.enrollment, module=result.module, attempt=1)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"score": -1}, "result_score_0_100"),
        ({"score": "100.01"}, "result_score_0_100"),
        ({"attempt": 0}, "result_attempt_1_10"),
        ({"attempt": 11}, "result_attempt_1_10"),
        ({"grade": "A"}, "result_grade_valid"),
    ],
)
def test_result_checks(fields, constraint):
    with refused_by_database(constraint):
        ModuleResultFactory(**fields)


@pytest.mark.parametrize(
    ("grade", "passed"), [("5", True), ("4", True), ("3", True), ("2", False), ("pass", True), ("fail", False)]
)
def test_passed_is_computed_by_the_database_from_the_grade(grade, passed):
    result = ModuleResultFactory(grade=grade, score=None)
    assert ModuleResult.objects.get(pk=result.pk).passed is passed
    assert ModuleResult.objects.filter(pk=result.pk, passed=passed).exists()


def test_result_scores_at_the_bounds_are_accepted():
    ModuleResultFactory(score=0, grade="2")
    ModuleResultFactory(score=100, grade="5")


def _continuation(**fields):
    enrollment = EnrollmentFactory()
    values = {
        "enrollment": enrollment,
        "university": enrollment.cohort.host,
        "program_code": "15.03.06",
        "program_name": "Mechatronics and Robotics",
        "applied_on": D(2027, 7, 1),
    }
    return Continuation.objects.create(**{**values, **fields})


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"decision": "accepted", "decided_on": D(2027, 6, 30)}, "continuation_decided_after_applied"),
        ({"decision": "accepted"}, "continuation_decision_has_date"),
    ],
)
def test_continuation_checks(fields, constraint):
    with refused_by_database(constraint):
        _continuation(**fields)


def test_continuation_is_unique_per_program():
    first = _continuation()
    with refused_by_database("continuation_unique_program"):
        Continuation.objects.create(
            enrollment=first.enrollment,
            university=first.university,
            program_code="15.03.06",
            program_name="Same program",
            applied_on=D(2027, 7, 2),
        )


def test_enrollment_track_is_the_cohort_track_and_strings_read_well():
    enrollment = EnrollmentFactory(cohort__code="MECH-2026-CQ", student__family_name_latin="Li")
    assert enrollment.track_id == enrollment.cohort.track_id
    assert "MECH-2026-CQ" in str(enrollment) and "Li" in str(enrollment)
    assert str(ModuleResultFactory(module=ModuleFactory(code="MEC-01"), grade="5").module).startswith("MEC-01")
    assert InstitutionFactory().students.count() == 0
