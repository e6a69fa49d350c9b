"""The templates' compliance with the Content-Security-Policy (docs/security.md). The browser test at the end visits
the main pages in chromium and fails on any CSP violation: that is what proves the pages still work under the
policy."""

import datetime

import pytest

from mobility.foundation.access import OFFICE_ADMIN
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory, TrackFactory
from students.tests.factories import EnrollmentFactory, consents_answered

from .security_support import ROOT, csp_problems

TEMPLATES = ROOT / "templates"


# Not served as pages: WeasyPrint renders the diploma templates and the papers' frame to PDF (their <style> is
# fine), e-mails are e-mails.
NOT_PAGES = ("diplomas/pdf/", "diplomas/papers/_paper.html", "emails/")


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<button type="button" onclick="go()">', "event handler"),
        ("<body onload='x()'>", "event handler"),
        ('<div class="a" style="width: 5%">', "style attribute"),
        ("<style>p { color: red }</style>", "<style> block"),
        ('<a href="javascript:void(0)">', "javascript: URL"),
        ("{# a comment #}<p style='x'>", "style attribute"),
    ],
)
def test_the_template_scan_finds_what_the_policy_blocks(snippet, problem):
    assert any(problem in found for found in csp_problems(snippet))


def test_the_template_scan_lets_compliant_markup_pass():
    markup = (
        '<script src="/static/js/app.js"></script><script type="application/json" id="d">{"a": 1}</script>'
        '<div data-width="50" class="progress" aria-label="on time">Once = twice; styles=none</div>'
        "{# no <style> here #}{% comment %}nor <script>alert(1)</script>{% endcomment %}"
    )
    assert csp_problems(markup) == []


def test_no_served_template_has_inline_script_style_or_handlers():
    templates = [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.relative_to(TEMPLATES).as_posix().startswith(NOT_PAGES)
    ]
    assert len(templates) > 50
    problems = {
        path.relative_to(TEMPLATES).as_posix(): found
        for path in templates
        if (found := csp_problems(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


PASSWORD = "pw-e2e-security-1"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("securitypolicyviolation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def csp_page(browser, live_server):
    """A fresh browser context that records every CSP violation (Chrome's console message and the page's
    securitypolicyviolation events) and every uncaught script error, and asserts none at the end."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(10000)
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.violations = []
    page.script_errors = []

    def on_console(message):
        if "Content Security Policy" in message.text or "securitypolicyviolation" in message.text:
            page.violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.script_errors.append(f"{page.url}: {error}"))
    yield page
    context.close()
    assert page.violations == []
    assert page.script_errors == []


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_work_under_the_policy_without_a_violation(csp_page, live_server, fake_render):
    from playwright.sync_api import expect

    from diplomas import services as diploma_services
    from diplomas.models import Diploma, DiplomaBatch
    from students import services

    page = csp_page
    admin = make_user("head", OFFICE_ADMIN, password=PASSWORD, is_staff=True, is_superuser=True)
    track = TrackFactory(code="MECH")
    cohort = CohortFactory(code="MECH-2026", track=track)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(3)]
    for enrollment in enrollments:
        services.enrollment_admit(enrollment=enrollment, by=None, on=datetime.date(2026, 5, 1))
    student = enrollments[0].student
    # A batch still waiting: the cohort page polls its progress with htmx every 2 s.
    batch = DiplomaBatch.objects.create(cohort=cohort, requested_by=admin)
    Diploma.objects.create(enrollment=enrollments[1], batch=batch, status=Diploma.Status.REQUESTED)

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "head")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.wait_for_selector("#funnel-chart[data-drawn='1']")
    page.wait_for_selector("#per-track-chart[data-drawn='1']")
    # htmx's indicator rules come from app.css (no <style> of its own).
    assert page.evaluate("document.querySelectorAll('head style').length") == 0

    for path in (
        "/students/",
        f"/students/{student.pk}/",
        f"/students/{student.pk}/personal-data/",
        f"/students/cohorts/{cohort.pk}/results/",
        "/students/import/",
        f"/students/cohorts/{cohort.pk}/gradebook/",
        "/agreements/new/",
        "/api-keys/",
        "/api-keys/new/",
    ):
        page.goto(f"{base}{path}")
        _settle(page)
        assert page.locator("h1").count() >= 1, path

    # A design's editor: htmx posts the form as the admin types; the preview is a data: PNG (img-src 'self' data:).
    page.goto(f"{base}/administration/designs/")
    page.click("#kind-diploma form button")
    page.wait_for_selector("#design-preview img.design-sample")
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "POST"):
        page.fill("input[name=title_en]", "Certificate of the academic exchange")
    page.wait_for_function("document.querySelector('#design-preview img.design-sample').naturalWidth > 500")

    # The cohort page: htmx loads the batch's progress and keeps polling it; the bars get their widths from data-width.
    with page.expect_response(lambda r: "/diplomas/progress/" in r.url):
        page.goto(f"{base}/cohorts/{cohort.pk}/")
    expect(page.locator(".diploma-batch .batch-waiting")).to_have_text("1")
    page.wait_for_event("response", lambda r: "/diplomas/progress/" in r.url)  # the next poll
    width = page.evaluate("getComputedStyle(document.querySelector('.progress-stacked > .progress:last-child')).width")
    assert width not in ("0px", "auto"), width

    # Swagger UI renders the partner API's operations from the schema.
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")

    # The Django admin: index, a list, a change form with its widgets.
    for path in ("/admin/", "/admin/students/student/", f"/admin/students/student/{student.pk}/change/"):
        page.goto(f"{base}{path}")
        _settle(page)
        assert page.locator("#content").count() == 1, path

    # The student's portal (its own layout) and the public verification page.
    page.context.clear_cookies()
    student.user = make_user("wei", password=PASSWORD)
    student.save()
    consents_answered(student)  # the portal itself, past the consent screen
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "wei")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/portal/")
    _settle(page)
    page.goto(f"{base}/portal/enrollments/{enrollments[0].pk}/")
    _settle(page)
    # The progress bar's width comes from its .pct-N class: the track has no required module, so 100 %.
    bar = page.locator(".progress-summary .progress-bar").bounding_box()
    track_box = page.locator(".progress-summary .progress").bounding_box()
    assert bar is not None and abs(bar["width"] - track_box["width"]) < 2

    page.context.clear_cookies()
    issued = diploma_services.diploma_request(enrollment=EnrollmentFactory(completed=True), requested_by=None)
    issued.refresh_from_db()
    page.goto(f"{base}/verify/{issued.verification_code}/")
    _settle(page)
    with issued.pdf.open("rb") as handle:
        copy = {"name": "copy.pdf", "mimeType": "application/pdf", "buffer": handle.read()}
    page.set_input_files("form.diploma-check input[type=file]", files=[copy])
    page.click("form.diploma-check button[type=submit]")
    page.wait_for_selector("[data-match=true]")
