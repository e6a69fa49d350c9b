"""The partnership's people as accounts (mobility.foundation.people.services): the office invites, re-invites,
deactivates, reactivates and changes them; the one-time link sets the password once; teaching assignments."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.foundation.people import services
from mobility.foundation.people.accounts import member_account_state, member_language
from mobility.foundation.people.models import Membership
from mobility.tests.partnership import make_member, partnership
from programs.models import TeachingAssignment
from programs.services import teaching_assign, teaching_unassign
from programs.tests.factories import CohortFactory, ModuleFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
R = Membership.Role
PASSWORD = "Chongqing-2026-Stankin"
LINK = re.compile(r"https?://\S+(/accounts/people/invitation/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def world():
    return partnership()


@pytest.fixture
def office(world):
    return world.user("office")


def invite(capture, **fields):
    """``member_invite`` with the e-mail sent as after the commit; returns (membership, the one e-mail)."""
    sent = len(mail.outbox)
    with capture(execute=True):
        membership = services.member_invite(**fields)
    assert len(mail.outbox) == sent + 1
    return membership, mail.outbox[-1]


def link(message) -> str:
    return LINK.search(message.body).group(1)


def accept(path: str, password: str = PASSWORD):
    client = Client()
    page = client.get(path, follow=True)  # Django moves the token into the session and redirects
    return client, client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_invite_makes_an_account_and_sends_the_link_in_chinese_to_a_coordinator(
    world, office, django_capture_on_commit_callbacks
):
    membership, message = invite(
        django_capture_on_commit_callbacks,
        email="Zhang.Min@CQ.example.cn",
        full_name="Zhang Min",
        role=R.COORDINATOR,
        institution=world.college_a,
        language="",
        by=office,
    )
    user = membership.user
    assert user.username == "zhang.min@cq.example.cn" and user.email == "Zhang.Min@cq.example.cn"
    assert not user.has_usable_password() and user.is_active
    assert membership.invited_at is not None and membership.invited_by == office
    assert member_account_state(membership) == "invited"
    assert message.to == ["Zhang.Min@cq.example.cn"] and message.extra_headers["Content-Language"] == "zh-hans"
    assert "密码" in message.body  # the invitation reads in Chinese
    entry = AuditEntry.objects.get(action="member.invite")
    assert entry.actor == office and entry.object_id == str(membership.pk)
    with translation.override("en"):
        assert audit_sentence(entry).endswith("invited Zhang Min (partner coordinator)")


def test_a_teacher_is_written_to_in_russian_and_a_chosen_language_wins(
    world, office, django_capture_on_commit_callbacks
):
    teacher, message = invite(
        django_capture_on_commit_callbacks,
        email="ivanov@stankin.example", full_name="Иван Иванов", role=R.TEACHER, institution=None, language="",
        by=office,
    )  # fmt: skip
    assert member_language(teacher) == "ru" and message.extra_headers["Content-Language"] == "ru"
    facilitator, message = invite(
        django_capture_on_commit_callbacks,
        email="wang@huatec.example", full_name="Wang Lei", role=R.FACILITATOR, institution=world.facilitator,
        language="en", by=office,
    )  # fmt: skip
    assert message.extra_headers["Content-Language"] == "en" and "Set your password" in message.body


def test_an_email_in_use_is_refused_and_nothing_is_written(world, office):
    users = User.objects.count()
    with pytest.raises(DomainError) as refused:
        services.member_invite(
            email="COORDINATOR-A@partners.example", full_name="Someone", role=R.OBSERVER,
            institution=world.college_a, language="", by=office,
        )  # fmt: skip
    assert refused.value.code == "email_taken" and refused.value.field == "email"
    assert "already used" in refused.value.message
    assert User.objects.count() == users and not AuditEntry.objects.filter(action="member.invite").exists()


@pytest.mark.parametrize(
    ("role", "place"),
    [
        (R.COORDINATOR, "facilitator"),  # a coordinator belongs to a sending college
        (R.OBSERVER, None),
        (R.FACILITATOR, "college_a"),  # the facilitator's staff to a facilitator
        (R.TEACHER, "college_a"),  # a teacher to none
    ],
)
def test_an_institution_of_the_wrong_kind_is_refused(world, office, role, place):
    with pytest.raises(DomainError) as refused:
        services.member_invite(
            email="new@example.cn", full_name="New Person", role=role,
            institution=getattr(world, place) if place else None, language="", by=office,
        )  # fmt: skip
    assert refused.value.field == "institution"
    assert not User.objects.filter(username="new@example.cn").exists()


def test_the_link_sets_the_password_once_and_lands_on_the_members_area(
    world, office, django_capture_on_commit_callbacks
):
    membership, message = invite(
        django_capture_on_commit_callbacks,
        email="zhang@cq.example.cn", full_name="Zhang Min", role=R.COORDINATOR, institution=world.college_a,
        language="", by=office,
    )  # fmt: skip
    path = link(message)
    client, response = accept(path)
    assert response.status_code == 302 and response["Location"] == "/partner/"
    membership.user.refresh_from_db()
    assert membership.user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="member.account_activate", actor=membership.user).exists()
    # Used once: the same link no longer works.
    again = Client().get(path, follow=True)
    assert again.context["validlink"] is False


def test_a_new_invitation_voids_the_old_link(world, office, django_capture_on_commit_callbacks):
    membership, first = invite(
        django_capture_on_commit_callbacks,
        email="zhang@cq.example.cn", full_name="Zhang Min", role=R.OBSERVER, institution=world.college_a,
        language="", by=office, now=timezone.now() - datetime.timedelta(hours=1),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.member_reinvite(membership=membership, by=office)
    second = mail.outbox[-1]
    assert link(first) != link(second)
    assert Client().get(link(first), follow=True).context["validlink"] is False
    assert accept(link(second))[1].status_code == 302
    assert AuditEntry.objects.filter(action="member.reinvite", actor=office).count() == 1
    # Active now: no more invitations (they reset a forgotten password themselves).
    with pytest.raises(DomainError, match="active already"):
        services.member_reinvite(membership=membership, by=office)


def test_a_students_link_does_not_open_a_members_page_nor_the_other_way(
    world, office, django_capture_on_commit_callbacks
):
    membership, message = invite(
        django_capture_on_commit_callbacks,
        email="zhang@cq.example.cn", full_name="Zhang Min", role=R.OBSERVER, institution=world.college_a,
        language="", by=office,
    )  # fmt: skip
    students_path = link(message).replace("/accounts/people/invitation/", "/accounts/invitation/")
    assert Client().get(students_path, follow=True).context["validlink"] is False


def test_deactivation_ends_access_and_reactivation_gives_it_back(world, office):
    coordinator = world.user("coordinator-a")
    client = Client()
    client.force_login(coordinator)
    assert client.get("/partner/").status_code == 200
    services.member_deactivate(membership=coordinator.membership, by=office)
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    # The open session ended, and the password no longer logs in.
    assert client.get("/partner/")["Location"].startswith("/accounts/login/")
    assert Client().post("/accounts/login/", {"username": coordinator.email, "password": "pw"}).status_code == 200
    services.member_deactivate(membership=coordinator.membership, by=office)  # idempotent: no second entry
    assert AuditEntry.objects.filter(action="member.deactivate").count() == 1

    services.member_reactivate(membership=coordinator.membership, by=office)
    coordinator.refresh_from_db()
    assert coordinator.is_active
    login = Client().post("/accounts/login/", {"username": coordinator.email, "password": "pw"})
    assert login.status_code == 302
    entry = AuditEntry.objects.get(action="member.reactivate")
    with translation.override("ru"):
        assert "Coordinator-A" in audit_sentence(entry)


def test_update_changes_name_language_and_role_within_the_institutions_kind(world, office):
    observer = world.user("observer-a").membership
    services.member_update(membership=observer, by=office, full_name="Li Na", role=R.COORDINATOR, language="ru")
    observer.refresh_from_db()
    assert (observer.full_name, observer.role, observer.language) == ("Li Na", R.COORDINATOR, "ru")
    assert observer.user.get_full_name() == "Li Na"
    entry = AuditEntry.objects.get(action="member.update")
    assert entry.changes["role"] == ["observer", "coordinator"]
    # Nothing changed: no entry.
    services.member_update(membership=observer, by=office, full_name="Li Na")
    assert AuditEntry.objects.filter(action="member.update").count() == 1
    with pytest.raises(DomainError) as refused:
        services.member_update(membership=observer, by=office, role=R.FACILITATOR)
    assert refused.value.field == "role"
    with pytest.raises(DomainError):
        services.member_update(membership=world.user("teacher-m").membership, by=office, role=R.OBSERVER)


# --- teaching assignments -------------------------------------------------------------------------------------------


def test_assigning_a_teacher_is_idempotent_and_audited(world, office):
    teacher = world.user("teacher-n")
    first = teaching_assign(teacher_membership_user=teacher, cohort=world.cohort_b, module=world.module_m, by=office)
    again = teaching_assign(teacher_membership_user=teacher, cohort=world.cohort_b, module=world.module_m, by=office)
    assert first.pk == again.pk
    assert AuditEntry.objects.filter(action="teaching.assign").count() == 1
    teaching_unassign(assignment=first, by=office)
    teaching_unassign(assignment=first, by=office)  # gone already: no error, no entry
    assert not TeachingAssignment.objects.filter(pk=first.pk).exists()
    entry = AuditEntry.objects.get(action="teaching.unassign")
    assert entry.changes["module"] == [world.module_m.code, None]
    with translation.override("en"):
        assert "removed the teaching assignment" in audit_sentence(entry)


def test_only_a_teacher_and_only_a_module_of_the_cohorts_track(world, office):
    with pytest.raises(DomainError) as refused:
        teaching_assign(
            teacher_membership_user=world.user("coordinator-a"), cohort=world.cohort_a, module=world.module_m, by=office
        )
    assert refused.value.code == "not_teacher"
    other_track_module = ModuleFactory()
    with pytest.raises(DomainError) as refused:
        teaching_assign(
            teacher_membership_user=world.user("teacher-m"), cohort=world.cohort_a, module=other_track_module, by=office
        )
    assert refused.value.code == "module_track"
    with pytest.raises(DomainError):
        teaching_assign(
            teacher_membership_user=world.user("office"), cohort=world.cohort_a, module=world.module_m, by=office
        )
    teacher = make_member("gone", R.TEACHER, is_active=False)
    with pytest.raises(DomainError):
        teaching_assign(
            teacher_membership_user=teacher, cohort=CohortFactory(track=world.track), module=world.module_m, by=office
        )
    assert not AuditEntry.objects.filter(action="teaching.assign").exists()
