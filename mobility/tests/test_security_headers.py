"""Security headers on every kind of page, and in production secure cookies and HSTS (docs/security.md)."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from mobility.foundation.access import OFFICE
from mobility.tests.support import api_client, make_api_key, make_user
from students.tests.factories import StudentFactory, consents_answered

from .security_support import ROOT, csp_problems

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    assert parse_csp(response["Content-Security-Policy"]) == POLICY
    assert "unsafe" not in response["Content-Security-Policy"] and "nonce-" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_staff_page_has_the_security_headers(client):
    client.force_login(make_user("clerk", OFFICE))
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_portal_has_the_security_headers(client):
    student = StudentFactory(user=make_user("wei"))
    consents_answered(student)
    client.force_login(student.user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_public_verification_page_has_the_security_headers(client, issued, empty_cache):
    response = client.get(reverse("diplomas:verify", args=[issued.verification_code]))
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_api_responses_and_swagger_ui_have_the_security_headers(college, empty_cache):
    _key, plain = make_api_key(college, scopes=["read"])
    response = api_client(plain).get("/api/v1/me/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert_security_headers(response)
    assert_security_headers(api_client().get("/api/v1/nothing-here/"))  # the API's JSON 404

    page = api_client().get("/api/docs/")
    assert_security_headers(page)
    html = page.content.decode()
    # No inline script nor <style>: the init script is a separate JavaScript response.
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script_url = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&")
    script = api_client().get(script_url)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@pytest.mark.django_db
def test_the_admin_login_has_the_security_headers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_a_csrf_failure_gets_the_sites_page_within_the_policy():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form could not be accepted" in html and csp_problems(html) == []
    assert_security_headers(response)


@pytest.fixture
def production(settings):
    """What the settings module gives without DJANGO_DEBUG (checked by the next test in a real production process)."""
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.mark.django_db
def test_in_production_cookies_are_secure_and_http_only_and_hsts_is_sent(client, production):
    make_user("clerk", OFFICE, password="pw-clerk-1")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"

    login_page = client.get("/accounts/login/", secure=True)
    assert login_page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_security_headers(login_page)
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

    logged_in = client.post("/accounts/login/", {"username": "clerk", "password": "pw-clerk-1"}, secure=True)
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"

    switched = client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, secure=True)
    language = switched.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert language.value == "ru" and language["secure"] and language["httponly"] and language["samesite"] == "Lax"

    api = api_client().get("/api/v1/me/", secure=True)
    assert api["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_security_headers(api)


def test_the_production_settings_turn_on_secure_cookies_and_hsts():
    """The settings module itself, loaded as a production run (DJANGO_DEBUG unset) in a separate process."""
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "ALLOWED_HOSTS"))}
    env.update(
        DJANGO_SETTINGS_MODULE="mobility.settings",
        DJANGO_SECRET_KEY="k3J9#vQ2!xR8@mT5$wZ1^pL7&nB4*cF6(hD0)yG3-sA9+eU2=iO5",
        ALLOWED_HOSTS="mobility.example.edu",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    }
