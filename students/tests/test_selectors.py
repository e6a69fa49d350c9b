"""Reads behind the staff pages: scoping of ``student_list``, progress and history."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.testing import make_user
from programs.tests.factories import ModuleFactory
from students import selectors, services

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_student_list_is_scoped_by_viewer():
    mine, other = StudentFactory(), StudentFactory()
    assert set(selectors.student_list(viewer=make_user("clerk", OFFICE))) == {mine, other}
    owner = make_user("li")
    mine.user = owner
    mine.save()
    assert list(selectors.student_list(viewer=owner)) == [mine]
    assert list(selectors.student_list(viewer=make_user("nobody"))) == []
    assert list(selectors.student_list(viewer=AnonymousUser())) == []
    assert list(selectors.student_list(viewer=None)) == []


def test_enrollment_filters_apply_to_one_enrollment():
    """status and cohort must hold for the same enrollment, not for two different ones."""
    first = EnrollmentFactory()
    EnrollmentFactory(student=first.student, cohort__partner=first.student.home_institution)
    services.enrollment_admit(enrollment=first, by=None)
    staff = make_user("clerk", OFFICE)
    other_cohort = first.student.enrollments.exclude(pk=first.pk).get().cohort
    assert list(selectors.student_list(viewer=staff, filters={"status": "admitted", "cohort": first.cohort})) == [
        first.student
    ]
    assert list(selectors.student_list(viewer=staff, filters={"status": "admitted", "cohort": other_cohort})) == []


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
        progress = selectors.enrollment_progress(enrollment=enrollment)
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
    assert selectors.enrollment_progress(enrollment=enrollment) == {
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
    assert selectors.enrollment_progress(enrollment=enrollment) == empty
    ModuleFactory(track=enrollment.track, hours=30, credits="1.5")
    progress = selectors.enrollment_progress(enrollment=enrollment)
    # Nothing passed: plain zeros, as the SQL sums gave, not zero Decimals.
    assert progress["credits_passed"] == 0 and type(progress["credits_passed"]) is int
    assert progress["hours_passed"] == 0 and progress["percent"] == 0 and progress["credits_total"] == Decimal("1.5")


def test_history_holds_student_and_enrollment_entries_newest_first():
    enrollment = EnrollmentFactory()
    staff = make_user("popova", OFFICE_ADMIN)
    services.student_update(student=enrollment.student, by=staff, data={"phone": "123"})
    services.enrollment_admit(enrollment=enrollment, by=staff)
    EnrollmentFactory()  # someone else's history stays out
    actions = [entry.action for entry in selectors.student_audit_history(student=enrollment.student)]
    assert actions == ["enrollment.admitted", "student.change"]
