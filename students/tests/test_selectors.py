"""Reads behind the staff pages: scoping of ``student_list``, progress and history."""

import pytest
from django.contrib.auth.models import AnonymousUser

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.tests.support import make_user
from students import selectors, services

from .factories import EnrollmentFactory, StudentFactory

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


def test_history_holds_student_and_enrollment_entries_newest_first():
    enrollment = EnrollmentFactory()
    staff = make_user("popova", OFFICE_ADMIN)
    services.student_update(student=enrollment.student, by=staff, data={"phone": "123"})
    services.enrollment_admit(enrollment=enrollment, by=staff)
    EnrollmentFactory()  # someone else's history stays out
    actions = [entry.action for entry in selectors.student_audit_history(student=enrollment.student)]
    assert actions == ["enrollment.admitted", "student.change"]
