"""Logging in with the e-mail address (mobility.foundation.logins): students and staff alike, in any case of
letters; an address two users share logs nobody in; the lockout counts the address and the user name together."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from mobility.foundation.access import OFFICE_ADMIN
from mobility.tests.support import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Kraftwerk-2026-Moskva"


def _login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _logged_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_the_demo_student_logs_in_with_the_e_mail_shown_on_the_login_page(client):
    # The demo's student: the user name "student", the address of the student record.
    student = make_user("student", password=PASSWORD, email="Guo.Tao@stu.cqevtc.example")
    page = client.get("/accounts/login/").content.decode()
    assert "User name or e-mail" in page and "your user name or your e-mail address" in page
    assert _login(client, " guo.tao@STU.cqevtc.example ").status_code == 302
    assert _logged_in_as(client) == str(student.pk)
    client.logout()
    assert _login(client, "student").status_code == 302


def test_staff_log_in_with_the_e_mail_too(client):
    popova = make_user("popova", OFFICE_ADMIN, password=PASSWORD, email="n.popova@stankin.example")
    assert _login(client, "N.Popova@stankin.example").status_code == 302
    assert _logged_in_as(client) == str(popova.pk)
    assert client.get("/").status_code == 200


def test_a_wrong_password_or_an_unknown_address_logs_nobody_in(client):
    make_user("popova", password=PASSWORD, email="n.popova@stankin.example")
    assert _login(client, "n.popova@stankin.example", "wrong").status_code == 200
    assert _login(client, "nobody@stankin.example").status_code == 200
    assert _logged_in_as(client) is None


def test_an_inactive_user_cannot_log_in_by_e_mail(client):
    make_user("gone", password=PASSWORD, email="gone@stankin.example", is_active=False)
    assert _login(client, "gone@stankin.example").status_code == 200
    assert _logged_in_as(client) is None


def test_an_address_two_users_share_logs_nobody_in_by_e_mail(client):
    first = make_user("first", password=PASSWORD, email="shared@stankin.example")
    make_user("second", password="Other-Pass-2027", email="SHARED@stankin.example")
    for password in (PASSWORD, "Other-Pass-2027"):
        answer = _login(client, "shared@stankin.example", password)
        assert answer.status_code == 200 and _logged_in_as(client) is None
        assert "correct username and password" in answer.content.decode()
    assert _login(client, "first").status_code == 302  # the user name still works
    assert _logged_in_as(client) == str(first.pk)


def test_the_user_whose_name_is_the_address_wins_over_another_with_that_e_mail(client):
    # An invited student's user name is their address; a staff account that happens to list it too is not asked.
    student = make_user("li.na@cq.example.cn", password=PASSWORD, email="Li.Na@CQ.example.cn")
    make_user("helper", password="Other-Pass-2027", email="li.na@cq.example.cn")
    assert _login(client, "Li.Na@CQ.example.cn").status_code == 302
    assert _logged_in_as(client) == str(student.pk)
    client.logout()
    assert _login(client, "li.na@cq.example.cn", "Other-Pass-2027").status_code == 200


def test_the_address_and_the_user_name_share_one_lockout_count(client):
    make_user("popova", password=PASSWORD, email="n.popova@stankin.example")
    typed = ["popova", "N.Popova@stankin.example", "popova", "n.popova@STANKIN.example", "popova"]
    assert len(typed) == settings.AXES_FAILURE_LIMIT
    for name in typed:
        _login(client, name, "wrong")
    assert _login(client, "popova").status_code == 429
    assert _login(client, "n.popova@stankin.example").status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["popova"]
