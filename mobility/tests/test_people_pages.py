"""The office's pages about the partnership's people (mobility/people_views.py), and the people's own logins: by
e-mail, landing on their area, the language remembered, lockout."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from mobility.foundation.models import AuditEntry
from mobility.foundation.people.models import Membership
from mobility.tests.partnership import ROLES, make_member, partnership
from programs.models import TeachingAssignment
from programs.tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db

R = Membership.Role


@pytest.fixture
def world():
    return partnership()


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- who may open them ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_opens_the_people_pages(world, role):
    teacher = world.user("teacher-m").membership
    pages = ["/people/", "/people/invite/", f"/people/{teacher.pk}/", f"/people/{teacher.pk}/edit/"]
    client = client_of(world.user(role))
    for url in pages:
        response = client.get(url)
        if role in ("office", "office-admin"):
            assert response.status_code == 200, url
        elif role == "anonymous":
            assert response["Location"].startswith("/accounts/login/"), url
        else:
            assert response.status_code in (302, 403), url  # sent to their own area, or refused
            assert response.status_code == 403 or not response["Location"].startswith("/people/")
    deactivate = client.post(f"/people/{teacher.pk}/deactivate/")
    teacher.user.refresh_from_db()
    assert teacher.user.is_active == (role not in ("office", "office-admin"))
    if role not in ("office", "office-admin", "anonymous"):
        assert deactivate.status_code == 403


# --- the list -------------------------------------------------------------------------------------------------------


def test_the_list_filters_by_role_institution_status_and_text(world):
    client = client_of(world.user("office"))
    page = client.get("/people/").content.decode()
    for name in ("Coordinator-A", "Observer-A", "Facilitator", "Teacher-M"):
        assert name in page
    only = client.get("/people/", {"role": "teacher"}).context["object_list"]
    assert {m.user.username for m in only} == {"teacher-m", "teacher-n"}
    only = client.get("/people/", {"institution": world.college_a.pk}).context["object_list"]
    assert {m.user.username for m in only} == {"coordinator-a", "observer-a"}
    only = client.get("/people/", {"q": "OBSERVER-a@partners"}).context["object_list"]
    assert [m.user.username for m in only] == ["observer-a"]
    world.user("teacher-n").is_active = False
    world.user("teacher-n").save()
    only = client.get("/people/", {"active": "no"}).context["object_list"]
    assert [m.user.username for m in only] == ["teacher-n"]


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_reads_in_a_fixed_number_of_queries(world, count, django_assert_max_num_queries):
    for n in range(count):
        make_member(f"extra-{n}", R.COORDINATOR, world.college_b)
    client = client_of(world.user("office"))
    with django_assert_max_num_queries(10):
        assert client.get("/people/?per_page=200").status_code == 200


# --- invite, a person's page, actions ------------------------------------------------------------------------------


def test_the_office_invites_a_coordinator_from_the_form(world, django_capture_on_commit_callbacks):
    client = client_of(world.user("office"))
    data = {
        "full_name": "Zhang Min",
        "email": "zhang@cq.example.cn",
        "role": R.COORDINATOR,
        "institution": world.college_a.pk,
        "language": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/invite/", data)
    membership = Membership.objects.get(user__username="zhang@cq.example.cn")
    assert response["Location"] == f"/people/{membership.pk}/"
    assert len(mail.outbox) == 1
    page = client.get(response["Location"]).content.decode()
    assert "Zhang Min" in page and "Send the invitation again" in page
    # The same e-mail again: a message on the form, in the page's language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    again = client.post("/people/invite/", data)
    assert again.status_code == 200 and "уже" in again.content.decode()
    # A teacher with an institution: refused next to the field.
    wrong = client.post("/people/invite/", data | {"email": "t@stankin.example", "role": R.TEACHER})
    assert wrong.context["form"].errors["institution"]


def test_deactivate_reactivate_and_reinvite_buttons(world):
    client = client_of(world.user("office"))
    observer = world.user("observer-a").membership
    page = client.get(f"/people/{observer.pk}/").content.decode()
    assert "Deactivate" in page
    client.post(f"/people/{observer.pk}/deactivate/")
    page = client.get(f"/people/{observer.pk}/").content.decode()
    assert "Reactivate" in page and "deactivated" in page
    client.post(f"/people/{observer.pk}/reactivate/")
    # An active account (a password is set): re-inviting says why not.
    response = client.post(f"/people/{observer.pk}/reinvite/", follow=True)
    assert "active already" in response.content.decode()
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(observer.pk)).order_by("pk")] == [
        "member.deactivate",
        "member.reactivate",
    ]


def test_edit_page_changes_the_role_within_the_kind(world):
    client = client_of(world.user("office"))
    observer = world.user("observer-a").membership
    response = client.post(
        f"/people/{observer.pk}/edit/", {"full_name": "Li Na", "role": R.COORDINATOR, "language": "zh-hans"}
    )
    assert response.status_code == 302
    observer.refresh_from_db()
    assert (observer.role, observer.language) == (R.COORDINATOR, "zh-hans")
    refused = client.post(f"/people/{observer.pk}/edit/", {"full_name": "Li Na", "role": R.TEACHER})
    assert refused.status_code == 200 and refused.context["form"].errors["role"]


def test_a_teachers_page_assigns_and_removes_modules(world):
    client = client_of(world.user("office"))
    teacher = world.user("teacher-n")
    page = client.get(f"/people/{teacher.membership.pk}/").content.decode()
    assert world.cohort_a.code in page and "Assign to a module of a cohort" in page
    response = client.post(
        f"/people/{teacher.membership.pk}/assignments/", {"cohort": world.cohort_b.pk, "module": world.module_m.pk}
    )
    assert response.status_code == 302
    assignment = TeachingAssignment.objects.get(teacher=teacher, cohort=world.cohort_b)
    client.post(f"/people/{teacher.membership.pk}/assignments/{assignment.pk}/remove/")
    assert not TeachingAssignment.objects.filter(pk=assignment.pk).exists()
    # Another teacher's assignment cannot be removed through this teacher's page.
    other = TeachingAssignment.objects.get(teacher=world.user("teacher-m"))
    assert client.post(f"/people/{teacher.membership.pk}/assignments/{other.pk}/remove/").status_code == 404
    assert TeachingAssignment.objects.filter(pk=other.pk).exists()


def test_an_institutions_page_lists_its_members(world):
    page = client_of(world.user("office")).get(f"/institutions/{world.college_a.pk}/").content.decode()
    assert "Coordinator-A" in page and "Observer-A" in page and "Coordinator-B" not in page


def test_the_menu_has_people_under_administration(world):
    page = client_of(world.user("office")).get("/people/").content.decode()
    assert 'href="/people/"' in page


# --- the people's own logins ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("coordinator-a", "/partner/"),
        ("observer-a", "/partner/"),
        ("facilitator", "/facilitator/"),
        ("teacher-m", "/teaching/"),
    ],
)
def test_a_member_logs_in_by_email_and_lands_on_their_area(world, role, home):
    client = Client()
    user = world.user(role)
    response = client.post("/accounts/login/", {"username": user.email.upper(), "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_a_partners_first_login_is_in_chinese_and_a_choice_is_remembered(world):
    coordinator = world.user("coordinator-a")
    client = Client()
    response = client.post("/accounts/login/", {"username": coordinator.email, "password": "pw"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    client.post("/i18n/setlang/", {"language": "ru", "next": "/partner/"})
    assert Membership.objects.get(user=coordinator).language == "ru"
    # Another device, no cookie: the stored choice follows them.
    other = Client()
    response = other.post("/accounts/login/", {"username": coordinator.email, "password": "pw"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_a_teacher_without_a_choice_gets_no_forced_language_and_a_cookie_becomes_the_choice(world):
    teacher = world.user("teacher-m")
    response = Client().post("/accounts/login/", {"username": teacher.email, "password": "pw"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/accounts/login/", {"username": teacher.email, "password": "pw"})
    assert Membership.objects.get(user=teacher).language == "en"


def test_a_member_is_locked_out_after_the_failure_limit(world):
    coordinator = world.user("coordinator-a")
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": coordinator.email, "password": "wrong"}).status_code == 200
    assert client.post("/accounts/login/", {"username": coordinator.email, "password": "wrong"}).status_code == 429
    refused = client.post("/accounts/login/", {"username": coordinator.email, "password": "pw"})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_an_assignment_refused_shows_the_reason_on_the_teachers_page(world):
    client = client_of(world.user("office"))
    teacher = world.user("teacher-n")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    foreign = ModuleFactory()
    response = client.post(
        f"/people/{teacher.membership.pk}/assignments/", {"cohort": world.cohort_b.pk, "module": foreign.pk}
    )
    assert response.status_code == 400
    assert "不属于" in response.content.decode()
    assert not TeachingAssignment.objects.filter(teacher=teacher, cohort=world.cohort_b).exists()
