"""The one access rule (``mobility.foundation.access`` and each entity's selector) for every role of the partnership:
which students, enrollments, results, cohorts, institutions and diplomas each viewer's queries return."""

import pytest
from django.contrib.auth.models import AnonymousUser

from diplomas.selectors import diplomas_visible_to
from mobility.foundation.access import (
    facilitator_institution_id,
    partner_can_write,
    partner_institution_id,
    teacher_id,
    viewer_role,
)
from mobility.tests.partnership import ROLES, partnership
from programs.selectors import cohorts_visible_to, institutions_visible_to, teaching_assignments_visible_to
from students.selectors import enrollment_list, result_list, student_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return partnership()


def _viewer(world, role):
    return world.user(role) or AnonymousUser()


def test_each_user_is_named_by_their_role(world):
    names = {role: viewer_role(_viewer(world, role)) for role in ROLES}
    assert names == {
        "office": "office",
        "office-admin": "office-admin",
        "coordinator-a": "coordinator",
        "observer-a": "observer",
        "coordinator-b": "coordinator",
        "facilitator": "facilitator",
        "teacher-m": "teacher",
        "teacher-n": "teacher",
        "student": "student",
        "other-student": "student",
        "anonymous": "anonymous",
    }


def test_the_membership_is_read_with_the_permissions_in_one_query(world, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=world.user("coordinator-a").pk)
    with django_assert_num_queries(1):
        assert partner_institution_id(user) == world.college_a.pk
        assert partner_can_write(user) is True
        assert not user.has_perm("students.view_student")
        assert facilitator_institution_id(user) is None and teacher_id(user) is None


def test_a_deactivated_member_is_nobody(world):
    user = world.user("coordinator-a")
    user.is_active = False
    assert partner_institution_id(user) is None and viewer_role(user) == "anonymous"


def test_only_coordinators_write_for_their_college(world):
    assert [role for role in ROLES if partner_can_write(_viewer(world, role))] == ["coordinator-a", "coordinator-b"]


def _pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_students_each_role_sees(world):
    a, b = world.student_a.pk, world.student_b.pk
    expected = {
        "office": [a, b],
        "office-admin": [a, b],
        "coordinator-a": [a],
        "observer-a": [a],
        "coordinator-b": [b],
        "facilitator": [a],
        "teacher-m": [a],
        "teacher-n": [a],
        "student": [a],
        "other-student": [b],
        "anonymous": [],
    }
    seen = {role: _pks(student_list(viewer=_viewer(world, role))) for role in ROLES}
    assert seen == {role: sorted(pks) for role, pks in expected.items()}


def test_a_facilitator_and_a_teacher_see_only_the_enrollments_of_their_cohorts(world):
    from programs.tests.factories import CohortFactory
    from students.tests.factories import EnrollmentFactory

    # Student A also applied to a cohort of another track that no facilitator or teacher of A's cohort is given.
    elsewhere = EnrollmentFactory(
        cohort=CohortFactory(host=world.host, partner=world.college_a), student=world.student_a
    )
    ea, eb = world.enrollment_a.pk, world.enrollment_b.pk
    seen = {role: _pks(enrollment_list(viewer=_viewer(world, role))) for role in ROLES}
    assert seen["facilitator"] == seen["teacher-m"] == seen["teacher-n"] == [ea]
    assert seen["coordinator-a"] == seen["observer-a"] == seen["student"] == sorted([ea, elsewhere.pk])
    assert seen["coordinator-b"] == seen["other-student"] == [eb]
    assert seen["office"] == sorted([ea, eb, elsewhere.pk])
    assert seen["anonymous"] == []


def test_a_teacher_sees_the_results_of_their_module_only(world):
    def modules(role):
        return sorted(
            (r.enrollment_id, r.module_id) for r in result_list(viewer=_viewer(world, role)).select_related(None)
        )

    ea, eb, m, n = world.enrollment_a.pk, world.enrollment_b.pk, world.module_m.pk, world.module_n.pk
    assert modules("teacher-m") == [(ea, m)]
    assert modules("teacher-n") == [(ea, n)]
    assert modules("facilitator") == sorted([(ea, m), (ea, n)])
    assert modules("coordinator-b") == sorted([(eb, m), (eb, n)])
    assert len(modules("office")) == 4
    assert modules("anonymous") == []


def test_cohorts_and_institutions_each_role_sees(world):
    ca, cb = world.cohort_a.pk, world.cohort_b.pk
    cohorts = {role: _pks(cohorts_visible_to(viewer=_viewer(world, role))) for role in ROLES}
    assert cohorts["office"] == sorted([ca, cb])
    assert cohorts["coordinator-a"] == cohorts["observer-a"] == cohorts["facilitator"] == [ca]
    assert cohorts["teacher-m"] == cohorts["teacher-n"] == [ca]
    assert cohorts["coordinator-b"] == [cb]
    assert cohorts["student"] == cohorts["anonymous"] == []
    institutions = {role: _pks(institutions_visible_to(viewer=_viewer(world, role))) for role in ROLES}
    assert institutions["coordinator-a"] == [world.college_a.pk]
    assert institutions["facilitator"] == [world.facilitator.pk]
    assert institutions["teacher-m"] == institutions["student"] == []


def test_teaching_assignments_are_the_teachers_own(world):
    def modules(role):
        return [t.module_id for t in teaching_assignments_visible_to(viewer=_viewer(world, role))]

    assert modules("teacher-m") == [world.module_m.pk]
    assert modules("teacher-n") == [world.module_n.pk]
    assert sorted(modules("office")) == sorted([world.module_m.pk, world.module_n.pk])
    assert modules("coordinator-a") == modules("facilitator") == modules("student") == []


def test_diplomas_only_the_office_the_college_and_the_holder_download(world):
    from diplomas.models import Diploma
    from diplomas.tests.factories import DiplomaFactory

    diplomas = {}
    for enrollment in (world.enrollment_a, world.enrollment_b):
        diplomas[enrollment.pk] = DiplomaFactory(enrollment=enrollment, status=Diploma.Status.ISSUED).pk
    da, db = diplomas[world.enrollment_a.pk], diplomas[world.enrollment_b.pk]
    seen = {role: _pks(diplomas_visible_to(viewer=_viewer(world, role))) for role in ROLES}
    assert seen["coordinator-a"] == seen["observer-a"] == seen["student"] == [da]
    assert seen["coordinator-b"] == seen["other-student"] == [db]
    assert seen["facilitator"] == seen["teacher-m"] == seen["anonymous"] == []
    assert seen["office"] == sorted([da, db])


def test_the_api_history_names_a_coordinators_nomination_as_the_partners(world):
    from mobility.tests.support import api_client
    from programs.tests.factories import CohortFactory
    from students.models import Enrollment
    from students.services.enrollments import enrollment_admit, enrollment_apply

    coordinator = world.user("coordinator-a")
    cohort = CohortFactory(host=world.host, partner=world.college_a)
    enrollment = enrollment_apply(
        student=world.student_a, cohort=cohort, by=coordinator, source=Enrollment.Source.PORTAL
    )
    enrollment_admit(enrollment=enrollment, by=world.user("office"))
    history = api_client(user=coordinator).get(f"/api/v1/enrollments/{enrollment.pk}/history/").json()
    assert [(h["to_status"], h["by"]) for h in history] == [("applied", "partner"), ("admitted", "office")]
