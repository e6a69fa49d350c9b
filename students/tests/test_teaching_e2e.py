"""The teacher's workspace in a real headless chromium against the live server: a teacher logs in, opens their
module's grid and records a result (Russian, 1280 px), then reads it on a phone (Chinese, 360 px) with no sideways
scroll and imports the module's gradebook column there. Screenshots go to /tmp/teach-*.png for a person to look at.

Run alone with ``pytest -m e2e students/tests/test_teaching_e2e.py``.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mobility.tests.partnership import partnership
from mobility.tests.support import recorded_page
from programs.models import TeachingAssignment
from students.models import Enrollment, ModuleResult

from .factories import EnrollmentFactory, StudentFactory
from .gradebook_files import gradebook_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 8000
# The first elements that reach past the screen's right edge (for the message of a failed width check).
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 361).slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _log_in(page, live_server, username="teacher-m", password="pw"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('teaching:home')}")


def test_a_teacher_records_a_module_s_result(browser, live_server):
    world = partnership()
    student = StudentFactory(
        home_institution=world.college_a,
        family_name_han="李",
        given_name_han="娜",
        family_name_latin="Li",
        given_name_latin="Na",
        family_name_cyrillic="Ли",
        given_name_cyrillic="На",
    )
    newcomer = EnrollmentFactory(cohort=world.cohort_a, student=student, status=Enrollment.Status.ENROLLED)
    later = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)  # no result yet
    assignment = TeachingAssignment.objects.get(teacher=world.user("teacher-m"))
    grid = f"{live_server.url}{reverse('teaching:grid', args=[assignment.pk])}"

    with recorded_page(
        browser, live_server, timeout_ms=TIMEOUT_MS, viewport={"width": 1280, "height": 900}, locale="ru-RU"
    ) as page:
        _log_in(page, live_server)
        expect(page.locator("h1")).to_have_text("Мои модули")
        page.click(f"a[href='{reverse('teaching:grid', args=[assignment.pk])}'].btn")
        page.wait_for_url(grid)
        row = page.locator(f"#enrollment-{newcomer.pk}")
        expect(row.locator(".student-names")).to_contain_text("李娜")
        expect(row.locator(".student-names")).to_contain_text("Ли На")
        row.locator(f"input[name=score_{newcomer.pk}_{world.module_m.pk}]").fill("72.5")
        page.click("#grid-form button[type=submit] >> nth=0")
        expect(page.locator(".alert-success")).to_be_visible()
        expect(row).to_contain_text("72,5")
        page.screenshot(path="/tmp/teach-grid-ru-1280.png", full_page=True)
    result = ModuleResult.objects.get(enrollment=newcomer, module=world.module_m)
    assert (result.score, result.recorded_by) == (Decimal("72.50"), world.user("teacher-m"))

    with recorded_page(
        browser,
        live_server,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        locale="zh-CN",
    ) as page:
        _log_in(page, live_server)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"home: {width} px wide at 360"
        page.screenshot(path="/tmp/teach-home-zh-360.png", full_page=True)
        for url, name in ((grid, "grid"), (f"{live_server.url}{reverse('teaching:history')}", "history")):
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(WIDEST)
            assert width <= 360, f"{name}: {width} px wide at 360: {wide}"
            page.screenshot(path=f"/tmp/teach-{name}-zh-360.png", full_page=True)

        expect(page.locator(".teaching-history")).to_contain_text(newcomer.student.full_name_latin)

        # the module's gradebook column on the phone: upload, preview, import
        page.goto(f"{live_server.url}{reverse('teaching:gradebook', args=[assignment.pk])}")
        item = f"{world.module_m.code} exam"
        data = gradebook_csv(
            [
                ["Na", "Li", "", student.email, "64", "99"],
                ["A", "B", "", later.student.email, "58", "1"],
                ["X", "Y", "", world.student_b.email, "10", "10"],  # cohort B: not imported
            ],
            header=["First name", "Last name", "ID number", "Email address", f"{item} (Percentage)", "Other (Real)"],
        )
        page.set_input_files("input[name=file]", files=[{"name": "grades.csv", "mimeType": "text/csv", "buffer": data}])
        page.click("form.gradebook-upload button[type=submit]")
        expect(page.locator(".gradebook-counts")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"gradebook preview: {width} px wide at 360: {page.evaluate(WIDEST)}"
        page.screenshot(path="/tmp/teach-gradebook-zh-360.png", full_page=True)
        page.click("form.gradebook-confirm button[name=confirm]")
        expect(page.locator(".gradebook-result")).to_be_visible()
    kept = ModuleResult.objects.get(enrollment=newcomer, module=world.module_m)  # passed: the LMS does not replace it
    assert (kept.score, kept.source) == (Decimal("72.50"), ModuleResult.Source.MANUAL)
    imported = ModuleResult.objects.get(enrollment=later, module=world.module_m)
    assert (imported.score, imported.source) == (Decimal("58.00"), ModuleResult.Source.LMS)
    assert ModuleResult.objects.get(enrollment=world.enrollment_b, module=world.module_m).score == 80
