"""The demo's people of the partnership (mobility/demo/people.py): a coordinator per partner college, HUATEC's
facilitator, two teachers with modules of the demo's cohorts; their logins printed and working, each landing on
their area; a second run adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from mobility.demo.people import MEMBER_PASSWORDS, MEMBER_USERS
from mobility.foundation.models import AuditEntry
from mobility.foundation.people.models import Membership
from programs.models import Institution, TeachingAssignment

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HOMES = {"coordinator": "/partner/", "facilitator": "/facilitator/", "teacher": "/teaching/"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", allow_non_debug=True, stdout=out)
    return out.getvalue()


def test_the_demo_has_the_partnerships_people_and_prints_their_logins():
    printed = _seed()
    partners = Institution.objects.filter(kind=Institution.Kind.SENDING)
    coordinators = Membership.objects.filter(role=Membership.Role.COORDINATOR)
    assert sorted(m.institution_id for m in coordinators) == sorted(partners.values_list("pk", flat=True))
    facilitator = Membership.objects.get(role=Membership.Role.FACILITATOR)
    assert facilitator.institution.code == "HUATEC"
    assert facilitator.institution.agreements_as_facilitator.exists()
    teachers = Membership.objects.filter(role=Membership.Role.TEACHER)
    assert teachers.count() == 2
    for teacher in teachers:
        assignments = TeachingAssignment.objects.filter(teacher=teacher.user).select_related("cohort", "module")
        assert assignments.exists()
        assert all(a.module.track_id == a.cohort.track_id for a in assignments)
        assert all(f"{a.cohort.code} {a.module.code}" in printed for a in assignments)

    for username, password in MEMBER_PASSWORDS.items():
        role, _name, email, _place, _sees = MEMBER_USERS[username]
        assert f"{username}  " in printed and password in printed and f"or e-mail {email}\n" in printed
        client = Client()
        response = client.post("/accounts/login/", {"username": email, "password": password}, follow=True)
        assert response.redirect_chain[-1][0] == HOMES[role], username
        assert response.status_code == 200

    assignments = AuditEntry.objects.filter(action="teaching.assign").count()
    _seed()  # a second run adds no member, no assignment, no entry
    assert Membership.objects.count() == len(MEMBER_USERS)
    assert AuditEntry.objects.filter(action="teaching.assign").count() == assignments
