"""Students' accounts: invitations (one student, a cohort), the one-time link, password reset, login lockout, and who
may invite."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from students import accounts
from students.accounts import invitation_path, invitation_token_generator
from students.models import Enrollment, Student
from students.services import accounts as account_services
from students.services.accounts import cohort_invite, student_invite

from .factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Kraftwerk-2026-Moskva"
LINK = re.compile(r"https?://\S+/accounts/invitation/[^/\s]+/[^/\s]+/")


@pytest.fixture
def li(cohort):
    student = StudentFactory(
        home_institution=cohort.partner,
        family_name_latin="Li",
        given_name_latin="Na",
        email="Li.Na@CQ.example.cn",
    )
    EnrollmentFactory(student=student, cohort=cohort)
    return student


def invite(student, by, capture) -> mail.EmailMessage:
    """Invite with the e-mail sent as after a commit; returns the one e-mail."""
    sent = len(mail.outbox)
    with capture(execute=True):
        student_invite(student=student, by=by)
    assert len(mail.outbox) == sent + 1
    return mail.outbox[-1]


def link_path(message) -> str:
    url = LINK.search(message.body).group(0)
    assert url.startswith(settings.SITE_URL.rstrip("/") + "/accounts/invitation/")
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def accept(client, path: str, password: str = PASSWORD):
    """Open the link and set the password; returns the final answer."""
    opened = client.get(path)
    assert opened.status_code == 302  # the token moves into the session, off the address bar
    form_url = opened["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# --- the service ----------------------------------------------------------------------------------------------------


def test_invite_creates_the_account_stamps_audits_and_mails_only_after_commit(
    li, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        student_invite(student=li, by=office)
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1

    li.refresh_from_db()
    user = li.user
    assert user.username == "li.na@cq.example.cn" and user.email == "Li.Na@cq.example.cn"
    assert not user.has_usable_password()
    assert li.invited_at is not None
    entry = AuditEntry.objects.get(action="student.invite", object_id=str(li.pk))
    assert entry.actor == office and entry.changes["user"] == [None, user.pk]

    callbacks[0]()
    (message,) = mail.outbox
    assert message.to == ["Li.Na@CQ.example.cn"]
    assert LINK.search(message.body) and LINK.search(message.alternatives[0][0])
    assert "li.na" in message.body.lower()


def test_invite_again_reuses_the_account_keeps_the_e_mail_in_sync_and_voids_the_older_link(
    li, office, client, django_capture_on_commit_callbacks
):
    first = link_path(invite(li, office, django_capture_on_commit_callbacks))
    user_id = li.user_id
    Student.objects.filter(pk=li.pk).update(email="na.li@cq.example.cn")
    li.refresh_from_db()
    later = timezone.now() + datetime.timedelta(seconds=5)
    with django_capture_on_commit_callbacks(execute=True):
        student_invite(student=li, by=office, now=later)
    second = link_path(mail.outbox[-1])

    li.refresh_from_db()
    assert li.user_id == user_id and li.invited_at == later
    assert (li.user.email, li.user.username) == ("na.li@cq.example.cn", "na.li@cq.example.cn")
    assert User.objects.filter(student__isnull=False).count() == 1
    # The first link was replaced by the second.
    assert client.get(first).context["validlink"] is False
    assert client.get(second).status_code == 302


@pytest.mark.parametrize("case", ["no_email", "erased", "account_active", "account_disabled", "email_taken"])
def test_refusals_write_nothing(li, office, case, django_capture_on_commit_callbacks):
    if case == "no_email":
        Student.objects.filter(pk=li.pk).update(email="")
    elif case == "erased":
        Student.objects.filter(pk=li.pk).update(erased_at=timezone.now())
    elif case in ("account_active", "account_disabled"):
        user = User.objects.create_user("li.na@cq.example.cn", password=PASSWORD, is_active=case == "account_active")
        Student.objects.filter(pk=li.pk).update(user=user)
    else:
        User.objects.create_user("li.na@cq.example.cn")  # someone else's account
    li.refresh_from_db()
    users, before = User.objects.count(), li.invited_at

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        student_invite(student=li, by=office)

    assert refused.value.code == case
    li.refresh_from_db()
    assert li.invited_at == before and User.objects.count() == users
    assert not AuditEntry.objects.filter(action="student.invite").exists()
    assert mail.outbox == []


def test_cohort_invite_invites_only_the_eligible(cohort, office, django_capture_on_commit_callbacks):
    def member(email, **fields):
        student = StudentFactory(home_institution=cohort.partner, email=email, **fields)
        EnrollmentFactory(student=student, cohort=cohort)
        return student

    new = member("new@example.cn")
    pending = member("pending@example.cn")
    member("")  # no e-mail
    member("erased@example.cn", erased_at=timezone.now())
    active = member("active@example.cn")
    active.user = User.objects.create_user("active@example.cn", password=PASSWORD)
    active.save()
    withdrawn = member("withdrawn@example.cn")
    Enrollment.objects.filter(student=withdrawn).update(status=Enrollment.Status.REJECTED, closed_on="2026-02-02")
    StudentFactory(email="other-cohort@example.cn")  # not in the cohort
    with django_capture_on_commit_callbacks(execute=True):
        student_invite(student=pending, by=office)  # invited before, never accepted: sent again
    mail.outbox.clear()

    assert {s.email for s in account_services.cohort_invitation_candidates(cohort=cohort)} == {
        "new@example.cn",
        "pending@example.cn",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert cohort_invite(cohort=cohort, by=office) == 2

    assert sorted(message.to[0] for message in mail.outbox) == ["new@example.cn", "pending@example.cn"]
    new.refresh_from_db()
    assert new.user.username == "new@example.cn" and new.invited_at is not None
    assert AuditEntry.objects.filter(action="student.invite").count() == 3


# --- the link -------------------------------------------------------------------------------------------------------


def test_the_link_sets_the_password_logs_in_to_the_portal_and_works_once(
    li, office, client, django_capture_on_commit_callbacks
):
    path = link_path(invite(li, office, django_capture_on_commit_callbacks))

    done = accept(client, path)

    assert done.status_code == 302 and done["Location"] == accounts.portal_path()
    li.refresh_from_db()
    assert li.user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(li.user.pk)
    assert AuditEntry.objects.filter(action="student.account_activate", object_id=str(li.pk)).exists()
    # Used up: the same link now shows the page that says how to get a new one.
    client.logout()
    again = client.get(path)
    assert again.status_code == 200 and again.context["validlink"] is False
    assert "International Office" in again.content.decode()
    # The student logs in with the e-mail as user name.
    logged_in = client.post("/accounts/login/", {"username": "li.na@cq.example.cn", "password": PASSWORD})
    assert logged_in.status_code == 302 and client.session["_auth_user_id"] == str(li.user.pk)


def test_invitation_path_is_a_working_link(li, office, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        student_invite(student=li, by=office)
    stale = Student.objects.get(pk=li.pk)
    stale.invited_at = None  # a stale object still gives the link of the stored invitation
    assert accept(client, invitation_path(stale)).status_code == 302


def test_a_weak_password_is_refused_on_the_page_and_nothing_changes(
    li, office, client, django_capture_on_commit_callbacks
):
    path = link_path(invite(li, office, django_capture_on_commit_callbacks))
    refused = accept(client, path, password="12345678")
    assert refused.status_code == 200 and refused.context["form"].errors
    li.user.refresh_from_db()
    assert not li.user.has_usable_password()


def test_an_expired_link_is_refused(li, office, client, monkeypatch, django_capture_on_commit_callbacks):
    path = link_path(invite(li, office, django_capture_on_commit_callbacks))
    days = settings.STUDENT_INVITATION_DAYS
    real_now = invitation_token_generator._now

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: real_now() + datetime.timedelta(days=days - 1))
    assert client.get(path).status_code == 302  # still valid the day before

    monkeypatch.setattr(invitation_token_generator, "_now", lambda: real_now() + datetime.timedelta(days=days + 1))
    expired = client.get(path)
    assert expired.status_code == 200 and expired.context["validlink"] is False
    assert "can no longer be used" in expired.content.decode()


def test_wrong_tokens_are_refused(li, office, client, django_capture_on_commit_callbacks):
    path = link_path(invite(li, office, django_capture_on_commit_callbacks))
    uid = urlsafe_base64_encode(force_bytes(li.user_id))
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    reset_token = default_token_generator.make_token(li.user)  # a password-reset token is no invitation
    staff = make_user("someone", OFFICE)
    staff_path = f"/accounts/invitation/{urlsafe_base64_encode(force_bytes(staff.pk))}/"
    for bad in (
        tampered,
        f"/accounts/invitation/{uid}/{reset_token}/",
        f"/accounts/invitation/{uid}/nonsense/",
        "/accounts/invitation/bm9wZQ/1-abc/",
        staff_path + invitation_token_generator.make_token(staff) + "/",  # not a student's account
    ):
        answer = client.get(bad)
        assert answer.status_code == 200 and answer.context["validlink"] is False, bad
    assert "_auth_user_id" not in client.session


def test_an_erased_students_link_is_refused(li, office, client, django_capture_on_commit_callbacks):
    path = link_path(invite(li, office, django_capture_on_commit_callbacks))
    Student.objects.filter(pk=li.pk).update(erased_at=timezone.now())
    assert client.get(path).context["validlink"] is False


# --- password reset and the login page -----------------------------------------------------------------------------


def test_a_student_resets_a_forgotten_password(li, office, client, django_capture_on_commit_callbacks):
    accept(client, link_path(invite(li, office, django_capture_on_commit_callbacks)))
    client.logout()
    login_page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login_page and "Forgot your password?" in login_page

    asked = client.post("/accounts/password_reset/", {"email": "li.na@cq.example.cn"})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password_reset/done/"
    message = mail.outbox[-1]
    reset_path = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", message.body).group(0)
    opened = client.get(reset_path)
    form_url = opened["Location"]
    done = client.post(form_url, {"new_password1": "Other-Pass-2027", "new_password2": "Other-Pass-2027"})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert client.get(reset_path).context["validlink"] is False  # used up
    logged_in = client.post("/accounts/login/", {"username": "li.na@cq.example.cn", "password": "Other-Pass-2027"})
    assert logged_in.status_code == 302 and client.session["_auth_user_id"] == str(li.user.pk)


def test_password_pages_render_in_the_light_public_layout(client):
    # Students reach these from a phone: the portal's cut of Bootstrap, no script (public_base.html).
    for url in (
        "/accounts/login/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
    ):
        page = client.get(url).content.decode()
        assert "bootstrap-portal.min.css" in page and "bootstrap.min.css" not in page, url
        assert "<script" not in page, url
    assert 'class="form-control' in client.get("/accounts/password_reset/").content.decode()


# --- lockout --------------------------------------------------------------------------------------------------------


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_after_five_failures_even_with_the_right_password(client):
    make_user("victim@example.cn", password=PASSWORD)
    make_user("bystander@example.cn", password=PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "victim@example.cn", "wrong").status_code == 200  # the form again, with its error
    locked = _login(client, "victim@example.cn", "wrong")  # the fifth failure locks
    assert locked.status_code == 429

    refused = _login(client, "victim@example.cn", PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page
    assert "registration/locked_out.html" in [t.name for t in refused.templates]
    assert "_auth_user_id" not in client.session

    # Another user from the same computer is not affected.
    assert _login(client, "bystander@example.cn", PASSWORD).status_code == 302
    client.logout()

    # After the cool-off time the lock is gone.
    AccessAttempt.objects.filter(username="victim@example.cn").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    assert _login(client, "victim@example.cn", PASSWORD).status_code == 302


def test_the_office_lifts_a_lock_with_axes_reset(client):
    make_user("victim@example.cn", password=PASSWORD)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "victim@example.cn", "wrong")
    assert _login(client, "victim@example.cn", PASSWORD).status_code == 429
    assert axes_reset(username="victim@example.cn") == 1
    assert _login(client, "victim@example.cn", PASSWORD).status_code == 302


# --- who may invite -------------------------------------------------------------------------------------------------


def test_the_student_page_shows_the_account_and_the_invite_button(
    li, office, office_client, django_capture_on_commit_callbacks
):
    detail = f"/students/{li.pk}/"
    page = office_client.get(detail).content.decode()
    assert "No account yet." in page and f'action="/accounts/students/{li.pk}/invite/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = office_client.post(f"/accounts/students/{li.pk}/invite/", follow=True)
    assert answer.redirect_chain[-1][0] == detail
    page = answer.content.decode()
    assert "Invitation sent to Li.Na@CQ.example.cn" in page and "Re-send invitation" in page and "invited" in page
    assert len(mail.outbox) == 1

    accept(Client(), link_path(mail.outbox[0]))  # the student, in their own browser
    page = office_client.get(detail).content.decode()
    assert "active" in page and "Last login" in page and "Re-send invitation" not in page


def test_a_refused_invitation_is_a_message_on_the_page(office_client, cohort):
    student = StudentFactory(home_institution=cohort.partner, email="")
    page = office_client.post(f"/accounts/students/{student.pk}/invite/", follow=True).content.decode()
    assert "no e-mail address" in page
    student.refresh_from_db()
    assert student.user is None and student.invited_at is None


def test_the_cohort_page_invites_after_a_confirmation(office_client, cohort, li, django_capture_on_commit_callbacks):
    page = office_client.get(f"/students/cohorts/{cohort.pk}/").content.decode()
    assert f'href="/accounts/cohorts/{cohort.pk}/invite/"' in page
    confirm = office_client.get(f"/accounts/cohorts/{cohort.pk}/invite/")
    assert [s.pk for s in confirm.context["candidates"]] == [li.pk] and "Send 1 invitation" in confirm.content.decode()
    assert mail.outbox == [] and Student.objects.get(pk=li.pk).user is None  # GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = office_client.post(f"/accounts/cohorts/{cohort.pk}/invite/", follow=True)
    assert "1 student of cohort MECH26 invited." in done.content.decode()
    assert [m.to for m in mail.outbox] == [["Li.Na@CQ.example.cn"]]


def test_staff_without_the_permission_get_403(client, li, cohort):
    group = Group.objects.get(name=OFFICE)
    group.permissions.remove(Permission.objects.get(codename="change_student", content_type__app_label="students"))
    clerk = make_user("viewer", OFFICE)
    client.force_login(clerk)
    assert client.post(f"/accounts/students/{li.pk}/invite/").status_code == 403
    assert client.get(f"/accounts/cohorts/{cohort.pk}/invite/").status_code == 403
    assert client.post(f"/accounts/cohorts/{cohort.pk}/invite/").status_code == 403
    assert "/invite/" not in client.get(f"/students/{li.pk}/").content.decode()  # no button either
    li.refresh_from_db()
    assert li.user is None and mail.outbox == []


def test_a_student_cannot_invite(client, li, cohort, office, django_capture_on_commit_callbacks):
    accept(client, link_path(invite(li, office, django_capture_on_commit_callbacks)))
    other = StudentFactory(home_institution=cohort.partner, email="other@example.cn")
    assert client.post(f"/accounts/students/{other.pk}/invite/").status_code == 403
    assert client.post(f"/accounts/cohorts/{cohort.pk}/invite/").status_code == 403
    other.refresh_from_db()
    assert other.user is None


def test_anonymous_visitors_are_sent_to_the_login_page(client, li, cohort):
    answer = client.post(f"/accounts/students/{li.pk}/invite/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert client.get(f"/accounts/cohorts/{cohort.pk}/invite/")["Location"].startswith("/accounts/login/")


def test_a_student_logs_in_with_the_e_mail_however_it_is_typed(client):
    student = make_user("li.na@cq.example.cn", password=PASSWORD)
    staff = make_user("Popova", password=PASSWORD)
    assert _login(client, " Li.Na@CQ.example.cn ", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)
    client.logout()
    assert _login(client, "popova", PASSWORD).status_code == 200  # staff user names keep their case
    assert _login(client, "Popova", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_changing_the_case_of_the_e_mail_buys_no_fresh_attempts(client):
    make_user("victim@example.cn", password=PASSWORD)
    for typed in (
        "victim@example.cn",
        "Victim@example.cn",
        "VICTIM@example.cn",
        "victim@Example.cn",
        " victim@example.cn",
    ):
        _login(client, typed, "wrong")
    assert _login(client, "Victim@Example.CN", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().username == "victim@example.cn"


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_invitation_of_a_cn_student_is_in_chinese(li, office, django_capture_on_commit_callbacks):
    message = invite(li, office, django_capture_on_commit_callbacks)
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert CJK.search(message.subject) and CJK.search(message.body)  # the catalog's zh-Hans wording
    assert LINK.search(message.body)


def test_a_students_reset_e_mail_is_in_their_language(li, office, client, django_capture_on_commit_callbacks):
    accept(client, link_path(invite(li, office, django_capture_on_commit_callbacks)))
    client.logout()
    Student.objects.filter(pk=li.pk).update(language="ru")
    client.post("/accounts/password_reset/", {"email": "li.na@cq.example.cn"}, HTTP_ACCEPT_LANGUAGE="en")
    message = mail.outbox[-1]
    assert re.search(r"[а-яё]", message.subject, re.IGNORECASE)
    assert "/accounts/reset/" in message.body
