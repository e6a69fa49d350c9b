"""End-to-end tests in a real headless chromium against the live server: log in, see the dashboard chart drawn,
find a student by Chinese name and admit an application. Screenshots go to ``var/screenshots/``.

Run alone with ``pytest -m e2e``; they skip (with the reason) where Debian chromium is not installed.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.tests.support import recorded_page
from programs.tests.factories import CohortFactory, TrackFactory
from students import services
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-office-1"
TIMEOUT_MS = 8000


def _office_user(username: str, group: str):
    user = get_user_model().objects.create_user(username, password=PASSWORD, first_name="Olga", last_name="Popova")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context with a laptop-sized window; no request to another host, no script error
    (``recorded_page``)."""
    with recorded_page(
        browser, live_server, timeout_ms=TIMEOUT_MS, viewport={"width": 1366, "height": 900}, locale="en-US"
    ) as page:
        yield page


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    # Anonymous visitors are sent to the login form.
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_log_in_and_see_the_dashboard_charts_drawn(page, live_server, screenshot):
    _office_user("clerk", OFFICE)
    mech, soft = TrackFactory(code="MECH"), TrackFactory(code="SOFT")
    cohorts = [CohortFactory(track=mech), CohortFactory(track=soft)]
    for i in range(8):
        enrollment = EnrollmentFactory(cohort=cohorts[i % 2], applied_on=datetime.date(2026, 1 + i % 4, 10))
        if i % 3:
            services.enrollment_admit(enrollment=enrollment, by=None, on=datetime.date(2026, 5, 1))
        if i % 3 == 2:
            services.enrollment_enroll(enrollment=enrollment, by=None, on=datetime.date(2026, 5, 2))

    _log_in(page, live_server, "clerk")

    assert page.locator("h1").inner_text() == "Dashboard"
    page.wait_for_selector("#funnel-chart[data-drawn='1']")
    page.wait_for_selector("#per-track-chart[data-drawn='1']")
    box = page.locator("#funnel-chart").bounding_box()
    assert box["width"] > 300 and 150 < box["height"] < 400
    assert page.locator("[data-count=enrollments]").inner_text() == "8"
    screenshot(page, "dashboard")

    # The card opens the list of the enrollments it counts; the menu leads to the reports, whose charts draw.
    page.click("[data-count=enrollments] a")
    page.wait_for_url(re.compile(r".*/reports/enrollments/$"))
    assert page.locator("[data-count=enrollments]").inner_text() == "8"
    page.click("nav >> text=Reports")
    page.wait_for_selector("#outcomes-chart[data-drawn='1']")
    assert page.locator("#report-figures tbody tr").count() == 2  # the two cohorts: one intake year each
    screenshot(page, "reports")


def test_find_a_student_by_chinese_name_and_admit_the_application(page, live_server, screenshot):
    try:
        reverse("students:student-detail", args=[1])
    except NoReverseMatch:
        pytest.skip("the students pages (students:student-list, students:student-detail) are not installed yet")
    _office_user("head", OFFICE_ADMIN)
    cohort = CohortFactory(code="MECH-2026", track=TrackFactory(code="MECH"))
    student = StudentFactory(
        home_institution=cohort.partner,
        family_name_han="张",
        given_name_han="晓明",
        family_name_latin="Zhang",
        given_name_latin="Xiaoming",
    )
    StudentFactory(
        home_institution=cohort.partner,
        family_name_han="李",
        given_name_han="娜",
        family_name_latin="Li",
        given_name_latin="Na",
    )
    enrollment = EnrollmentFactory(cohort=cohort, student=student)

    _log_in(page, live_server, "head")
    page.goto(f"{live_server.url}/students/")
    search = page.locator("input[name=q]")
    search.fill("张")
    search.press("Enter")
    page.wait_for_url("**/students/?*q=*")
    results = page.locator("main")
    assert "Xiaoming" in results.inner_text() and "Li Na" not in results.inner_text()

    # The row of the student found by the Han name; its link leads to the student page.
    page.locator("main tbody tr", has_text="张晓明").get_by_role("link").first.click()
    page.wait_for_url(f"**/students/{student.pk}/")
    card = page.locator(f"#enrollment-{enrollment.pk}")
    expect(card).to_contain_text("applied")
    admit = card.locator(f"form[action$='/students/enrollments/{enrollment.pk}/admit/']")
    with page.expect_navigation():
        admit.get_by_role("button", name="Admit").click()
    assert urlsplit(page.url).path == f"/students/{student.pk}/"
    expect(card).to_contain_text("admitted")
    expect(card.get_by_role("button", name="Admit")).to_have_count(0)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ADMITTED
    screenshot(page, "student")


def test_an_office_admin_makes_a_partner_key_and_a_webhook_endpoint_by_ticking_boxes(page, live_server, screenshot):
    from mobility.foundation.models import PartnerAPIKey, WebhookEndpoint
    from programs.tests.factories import InstitutionFactory

    college = InstitutionFactory(code="CQEVTC")
    _office_user("head", OFFICE_ADMIN)
    _log_in(page, live_server, "head")

    page.goto(f"{live_server.url}/api-keys/new/?institution={college.pk}")
    page.fill("input[name=name]", "College SIS")
    # One box per scope, each with its label.
    page.get_by_label("read", exact=True).check()
    page.get_by_label("write", exact=True).check()
    page.click("main form button[type=submit]")
    expect(page.locator("#raw-key")).to_have_value(re.compile(r"^\w+\.\S+$"))
    screenshot(page, "api-key-created")
    assert PartnerAPIKey.objects.get(institution=college).scopes == ["read", "write"]

    page.goto(f"{live_server.url}/institutions/{college.pk}/webhooks/new/")
    page.fill("input[name=url]", "https://sis.cqcollege.example.cn/hooks")
    boxes = page.locator("input[name=events]")
    assert boxes.count() == len(WebhookEndpoint.Event.choices)
    for index in range(boxes.count()):
        boxes.nth(index).uncheck()
    page.get_by_label("diploma issued").check()
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    screenshot(page, "webhook-created")
    assert WebhookEndpoint.objects.get(institution=college).events == ["diploma.issued"]


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_the_menu_fits_a_laptop_screen_in_every_language(page, live_server, screenshot, language):
    # Russian labels are the longest: the menu keeps "Log out" on the screen (one row: test_pages_fit.py).
    _office_user("admin-e2e", OFFICE_ADMIN)
    cohort = CohortFactory()
    _log_in(page, live_server, "admin-e2e")
    page.click(f"form.language-switcher button[value='{language}']")
    for path in ("/", reverse("students:cohort-detail", args=[cohort.pk]), reverse("students:student-list")):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        logout = page.locator(".app-navbar button[type=submit]").bounding_box()
        assert logout is not None and logout["x"] + logout["width"] <= 1366, path
    screenshot(page, f"menu-{language}")
