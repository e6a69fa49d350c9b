"""The partnership as the access matrix sees it: two colleges (A with a facilitated agreement, B without), a
facilitator, one track with two modules (M and N), a cohort of each college, a student of each, and a user for every
role: office, office-admin, coordinator A, observer A, coordinator B, facilitator, teacher of M (in A's cohort),
teacher of N (in A's cohort), student (of A), other student (of B). Built with the factories, no services."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.foundation.people.models import Membership
from mobility.tests.support import make_user

# The roles of the matrix, in its order.
ROLES = (
    "office",
    "office-admin",
    "coordinator-a",
    "observer-a",
    "coordinator-b",
    "facilitator",
    "teacher-m",
    "teacher-n",
    "student",
    "other-student",
    "anonymous",
)


def make_member(username: str, role: str, institution=None, *, full_name: str = "", **fields):
    """A user of the partnership with a ``Membership`` of ``role`` (and ``institution`` for the partners' roles)."""
    user = make_user(username, email=f"{username}@partners.example", **fields)
    Membership.objects.create(user=user, role=role, institution=institution, full_name=full_name or username.title())
    return user


@dataclass
class Partnership:
    host: object
    college_a: object
    college_b: object
    facilitator: object
    track: object
    module_m: object
    module_n: object
    agreement_a: object
    cohort_a: object
    cohort_b: object
    enrollment_a: object
    enrollment_b: object
    users: dict = field(default_factory=dict)

    @property
    def student_a(self):
        return self.enrollment_a.student

    @property
    def student_b(self):
        return self.enrollment_b.student

    def user(self, role: str):
        """The user of a role of ``ROLES``; None for ``anonymous``."""
        return self.users.get(role)


def partnership() -> Partnership:
    from programs.models import Institution, TeachingAssignment
    from programs.tests.factories import (
        AgreementFactory,
        AgreementQuotaFactory,
        CohortFactory,
        HostFactory,
        InstitutionFactory,
        ModuleFactory,
        TrackFactory,
    )
    from students.models import Enrollment
    from students.tests.factories import EnrollmentFactory, ModuleResultFactory, consent_attested, consents_answered

    host = HostFactory()
    college_a, college_b = InstitutionFactory(), InstitutionFactory()
    facilitator = InstitutionFactory(kind=Institution.Kind.FACILITATOR)
    track = TrackFactory()
    module_m, module_n = ModuleFactory(track=track), ModuleFactory(track=track)
    agreement_a = AgreementFactory(host=host, partner=college_a, facilitator=facilitator)
    AgreementQuotaFactory(agreement=agreement_a, track=track)
    cohort_a = CohortFactory(track=track, host=host, partner=college_a, agreement=agreement_a)
    cohort_b = CohortFactory(
        track=track, host=host, partner=college_b, agreement=AgreementFactory(host=host, partner=college_b)
    )
    enrollment_a = EnrollmentFactory(cohort=cohort_a, status=Enrollment.Status.ENROLLED)
    enrollment_b = EnrollmentFactory(cohort=cohort_b, status=Enrollment.Status.ENROLLED)
    for enrollment in (enrollment_a, enrollment_b):
        for module in (module_m, module_n):
            ModuleResultFactory(enrollment=enrollment, module=module)

    world = Partnership(
        host, college_a, college_b, facilitator, track, module_m, module_n, agreement_a, cohort_a, cohort_b,
        enrollment_a, enrollment_b,
    )  # fmt: skip
    R = Membership.Role
    world.users = {
        "office": make_user("office", OFFICE),
        "office-admin": make_user("office-admin", OFFICE_ADMIN),
        "coordinator-a": make_member("coordinator-a", R.COORDINATOR, college_a),
        "observer-a": make_member("observer-a", R.OBSERVER, college_a),
        "coordinator-b": make_member("coordinator-b", R.COORDINATOR, college_b),
        "facilitator": make_member("facilitator", R.FACILITATOR, facilitator),
        "teacher-m": make_member("teacher-m", R.TEACHER),
        "teacher-n": make_member("teacher-n", R.TEACHER),
    }
    TeachingAssignment.objects.create(teacher=world.users["teacher-m"], cohort=cohort_a, module=module_m)
    TeachingAssignment.objects.create(teacher=world.users["teacher-n"], cohort=cohort_a, module=module_n)
    for role, student in (("student", enrollment_a.student), ("other-student", enrollment_b.student)):
        student.user = make_user(f"{role}-user", email=student.email)
        student.save(update_fields=["user"])
        # The portal's consent screen answered (its pages are reached, not the screen), the name on the public page
        # declined: the verification page shows initials, and no role may see a full name there.
        consents_answered(student)
        consent_attested(
            student, "public_name", decision="declined", given_by="student", channel="portal", collected_on=None
        )
        world.users[role] = student.user
    return world
