"""Two-factor sign-in (mobility/foundation/two_factor/): the set-up with a real code from the device's key, the
sign-in's second step, recovery codes that work once, and the office's policy that requires it of staff and of
partner coordinators. Codes are computed here as an authenticator app would (``django_otp.oath.totp``) at a frozen
time, moved on by a time step where a second code is needed (django-otp accepts each code once)."""

from __future__ import annotations

import datetime
import re
from binascii import unhexlify

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mobility.foundation.access import COORDINATOR, OFFICE, OFFICE_ADMIN, TEACHER
from mobility.foundation.models import AuditEntry
from mobility.foundation.two_factor.services import two_factor_policy_update
from mobility.tests.partnership import make_member
from mobility.tests.support import make_user
from programs.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kraftwerk-2026-Moskva"
NOW = datetime.datetime(2026, 12, 7, 10, 0, 0, tzinfo=datetime.UTC)
STEP = datetime.timedelta(seconds=30)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code_of(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device``'s key."""
    return f"{totp(unhexlify(device.key), step=device.step, t0=device.t0, digits=device.digits):06d}"


def with_authenticator(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = ["abcd2345", "efgh6723"]
    for code in codes:
        StaticToken.objects.create(device=recovery, token=code)
    return device, codes


def login(client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def policy(*, staff: bool = False, coordinators: bool = False) -> None:
    two_factor_policy_update(require_office_staff=staff, require_coordinators=coordinators, by=None)


# --- the set-up ----------------------------------------------------------------------------------------------------


def test_anyone_logged_in_sets_it_up_with_a_code_from_the_qr_codes_key(client, clock):
    user = make_user("guo", password=PASSWORD)
    client.force_login(user)
    page = client.get("/two-factor/setup/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html  # the QR code inline: nothing from another host
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.search(r">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</p>", html)  # the key in text, in groups of four

    wrong = client.post("/two-factor/setup/", {"token": "000000" if code_of(device) != "000000" else "111111"})
    assert "This code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    clock.shift(STEP * 2)  # django-otp throttles a device for a second after a wrong code
    answer = client.post("/two-factor/setup/", {"token": code_of(device)})
    assert answer.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", answer.content.decode())
    assert len(codes) == 10 and "shown only on this page" in answer.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    assert AuditEntry.objects.filter(action="two_factor.enable", actor=user).exists()
    # This session has just given a code: it goes on; the page says it is on and the codes are not shown again.
    assert client.get("/two-factor/recovery-codes/").status_code == 200  # not sent to the code step
    account = client.get("/two-factor/").content.decode()
    assert "recovery codes left" in account and codes[0] not in account

    # The next sign-in asks for the code.
    client.logout()
    assert login(client, "guo")["Location"] == "/accounts/login/code/"
    clock.shift(STEP)
    assert client.post("/accounts/login/code/", {"token": code_of(device)}).status_code == 302
    assert logged_in(client)


def test_new_recovery_codes_void_the_old_ones(client, clock):
    user = make_user("guo", password=PASSWORD)
    _device, old = with_authenticator(user)
    client.force_login(user)
    client.post("/accounts/login/code/", {"token": old[0]})
    answer = client.post("/two-factor/recovery-codes/")
    new = re.findall(r"<li>([a-z2-7]{8})</li>", answer.content.decode())
    assert len(new) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
    assert AuditEntry.objects.filter(action="two_factor.recovery_codes").count() == 1


def test_turning_it_off_needs_a_current_code(client, clock):
    user = make_user("guo", password=PASSWORD)
    device, codes = with_authenticator(user)
    client.force_login(user)
    client.post("/accounts/login/code/", {"token": codes[0]})
    refused = client.post("/two-factor/remove/", {"token": "12345678"})
    assert "This code is not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    clock.shift(STEP * 2)
    assert client.post("/two-factor/remove/", {"token": code_of(device)})["Location"] == "/two-factor/"
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="two_factor.remove", actor=user).exists()


# --- the sign-in ---------------------------------------------------------------------------------------------------


def test_with_an_authenticator_the_password_alone_opens_no_page_and_no_api(client, clock):
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    with_authenticator(clerk)
    answer = login(client, "clerk")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/code/"
    assert not logged_in(client)
    for url in ("/", "/students/", "/two-factor/"):
        assert client.get(url)["Location"].startswith("/accounts/login/?next="), url
    api = client.get("/api/v1/students/")
    assert api.status_code in (401, 403)
    page = client.get("/accounts/login/code/")
    assert page.status_code == 200 and "authenticator app" in page.content.decode()


def test_the_right_code_lets_in_and_a_wrong_one_is_refused(client, clock):
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    device, _codes = with_authenticator(clerk)
    login(client, "clerk", PASSWORD)
    wrong = client.post("/accounts/login/code/", {"token": "999999" if code_of(device) != "999999" else "888888"})
    assert wrong.status_code == 200 and "This code is not right" in wrong.content.decode()
    assert not logged_in(client)
    # At once again: django-otp throttles the device, and says so.
    throttled = client.post("/accounts/login/code/", {"token": code_of(device)})
    assert "Too many wrong codes" in throttled.content.decode() and not logged_in(client)
    clock.shift(STEP)
    answer = client.post("/accounts/login/code/", {"token": code_of(device), "next": "/students/"})
    assert answer.status_code == 302 and answer["Location"] == "/students/"
    assert logged_in(client)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/students/").status_code == 200


def test_wrong_codes_count_as_failed_logins_and_lock_out(client, clock, settings):
    settings.AXES_FAILURE_LIMIT = 3
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    device, _codes = with_authenticator(clerk)
    login(client, "clerk")
    for _attempt in range(3):
        clock.shift(datetime.timedelta(seconds=10))  # past django-otp's throttle (1, 2, 4 s): axes counts
        answer = client.post("/accounts/login/code/", {"token": "1234567"})
    assert answer.status_code == 429 or "Too many failed logins" in answer.content.decode()
    clock.shift(STEP)
    # The pending sign-in is over, and the password is locked out.
    assert client.post("/accounts/login/code/", {"token": code_of(device)})["Location"].startswith("/accounts/login/")
    assert not logged_in(client)
    assert "Too many failed logins" in login(client, "clerk").content.decode()


def test_a_recovery_code_works_once(client, clock):
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    _device, codes = with_authenticator(clerk)
    login(client, "clerk")
    answer = client.post("/accounts/login/code/", {"token": codes[0].upper()[:4] + "-" + codes[0][4:]})
    assert answer.status_code == 302 and logged_in(client)
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    client.logout()
    clock.shift(STEP * 4)
    login(client, "clerk")
    again = client.post("/accounts/login/code/", {"token": codes[0]})
    assert again.status_code == 200 and "This code is not right" in again.content.decode()
    assert not logged_in(client)


def test_a_session_logged_in_without_the_code_is_sent_to_it(client, clock):
    """The admin's own login page, or a session older than the authenticator: every page asks for the code first."""
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    device, _codes = with_authenticator(clerk)
    client.force_login(clerk)
    assert client.get("/students/")["Location"] == "/accounts/login/code/?next=/students/"
    api = client.get("/api/v1/students/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_code_required"
    assert client.post("/accounts/login/code/", {"token": code_of(device), "next": "/students/"}).status_code == 302
    assert client.get("/students/").status_code == 200


# --- the policy ----------------------------------------------------------------------------------------------------


def test_where_required_staff_without_an_authenticator_reach_only_the_set_up(client, clock):
    make_user("clerk", OFFICE, password=PASSWORD)
    policy(staff=True)
    assert login(client, "clerk").status_code == 302 and logged_in(client)
    assert client.get("/")["Location"] == "/two-factor/setup/?next=/"
    assert client.get("/students/")["Location"].startswith("/two-factor/setup/")
    api = client.get("/api/v1/students/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_setup_required"
    assert client.get("/two-factor/setup/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "ru", "next": "/"}).status_code == 302
    device = TOTPDevice.objects.get(user__username="clerk")
    client.post("/two-factor/setup/", {"token": code_of(device)})
    assert client.get("/students/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_where_required_a_coordinator_is_refused_without_the_code(client, clock):
    college = InstitutionFactory()
    coordinator = make_member("liu", COORDINATOR, college, password=PASSWORD)
    policy(coordinators=True)
    login(client, "liu")
    assert client.get("/partner/")["Location"].startswith("/two-factor/setup/")
    device, _codes = with_authenticator(coordinator)
    client.logout()
    assert login(client, "liu")["Location"] == "/accounts/login/code/"
    assert client.get("/partner/")["Location"].startswith("/accounts/login/")
    client.post("/accounts/login/code/", {"token": code_of(device)})
    assert client.get("/partner/").status_code == 200


def test_people_not_required_and_without_an_authenticator_log_in_as_before(client, clock):
    policy(coordinators=True)  # staff not required; a teacher never is
    make_user("clerk", OFFICE, password=PASSWORD)
    make_member("wang", TEACHER, password=PASSWORD)
    make_user("student", password=PASSWORD)
    assert login(client, "clerk")["Location"] == "/"
    assert client.get("/").status_code == 200
    client.logout()
    login(client, "wang")
    assert client.get("/teaching/").status_code == 200
    client.logout()
    login(client, "student")
    assert logged_in(client)
    assert client.get("/accounts/password_change/").status_code == 200


def test_the_policy_page_is_office_admins_and_audited(client):
    clerk = make_user("clerk", OFFICE)
    admin = make_user("popova", OFFICE_ADMIN)
    client.force_login(clerk)
    assert client.get("/two-factor/policy/").status_code == 403
    assert client.post("/two-factor/policy/", {"require_office_staff": "on"}).status_code == 403
    client.force_login(admin)
    page = client.get("/two-factor/policy/")
    assert page.status_code == 200 and "require two-factor sign-in for office staff" in page.content.decode().lower()
    assert client.post("/two-factor/policy/", {"require_coordinators": "on"})["Location"] == "/two-factor/policy/"
    entry = AuditEntry.objects.get(action="two_factor_policy.update")
    assert entry.actor == admin and entry.changes == {"require_coordinators": [False, True]}
    # Saved with staff off: the office-admin's own session goes on.
    assert client.get("/").status_code == 200


def test_the_office_admin_resets_a_lost_phone(client, clock):
    admin = make_user("popova", OFFICE_ADMIN)
    coordinator = make_member("liu", COORDINATOR, InstitutionFactory(), password=PASSWORD)
    with_authenticator(coordinator)
    client.force_login(admin)
    listed = client.get("/two-factor/policy/").content.decode()
    assert "liu" in listed and f"/two-factor/users/{coordinator.pk}/reset/" in listed
    assert client.get(f"/two-factor/users/{coordinator.pk}/reset/").status_code == 200
    answer = client.post(f"/two-factor/users/{coordinator.pk}/reset/", {"reason": "lost phone"})
    assert answer["Location"] == "/two-factor/policy/"
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    entry = AuditEntry.objects.get(action="two_factor.reset")
    assert entry.actor == admin and entry.object_id == str(coordinator.pk) and entry.reason == "lost phone"
    # They sign in with the password again.
    client.logout()
    login(client, "liu")
    assert logged_in(client)
    # A clerk may not reset.
    client.force_login(make_user("clerk", OFFICE))
    assert client.post(f"/two-factor/users/{admin.pk}/reset/").status_code == 403


def test_the_code_step_without_a_pending_sign_in_goes_to_the_login(client):
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/code/", {"token": "123456"})["Location"] == "/accounts/login/"


def test_a_pending_sign_in_expires(client, clock):
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    device, _codes = with_authenticator(clerk)
    login(client, "clerk")
    clock.shift(datetime.timedelta(minutes=11))
    assert client.post("/accounts/login/code/", {"token": code_of(device)})["Location"] == "/accounts/login/"
    assert not logged_in(client)
    assert timezone.now() > NOW


# --- what it costs -------------------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/", "/students/", "/two-factor/policy/"])
def test_two_factor_adds_no_query_to_a_page(client, clock, url):
    """The policy and the devices are read with the permissions; a verified session's device is not loaded."""
    plain = make_user("plain", OFFICE_ADMIN, password=PASSWORD)
    with_authenticator(make_user("listed"))  # the policy page's list of people is not empty either way
    client.force_login(plain)
    client.get(url)  # warm: the content types, the site's caches
    before = _queries(client, url)
    policy(staff=True, coordinators=True)
    verified = make_user("verified", OFFICE_ADMIN, password=PASSWORD)
    device, _codes = with_authenticator(verified)
    client.logout()
    login(client, "verified")
    client.post("/accounts/login/code/", {"token": code_of(device)})
    assert logged_in(client)
    assert _queries(client, url) == before


def test_a_reset_ends_the_verified_sessions_second_factor(client, clock):
    clerk = make_user("clerk", OFFICE, password=PASSWORD)
    device, _codes = with_authenticator(clerk)
    login(client, "clerk")
    client.post("/accounts/login/code/", {"token": code_of(device)})
    assert client.get("/students/").status_code == 200
    policy(staff=True)
    TOTPDevice.objects.filter(user=clerk).delete()
    StaticDevice.objects.filter(user=clerk).delete()
    assert client.get("/students/")["Location"].startswith("/two-factor/setup/")


def test_the_admin_resets_from_the_users_list(client, clock):
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    coordinator = make_member("liu", COORDINATOR, InstitutionFactory())
    with_authenticator(coordinator)
    client.force_login(root)
    answer = client.post(
        "/admin/auth/user/", {"action": "two_factor_reset", "_selected_action": [coordinator.pk], "index": 0}
    )
    assert answer.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert AuditEntry.objects.get(action="two_factor.reset").actor == root
