"""Security headers, cookies, the templates' compliance with the Content-Security-Policy, and uploads checked by their
content with size limits (docs/security.md). The browser test at the end visits the main pages in chromium and fails
on any CSP violation: that is what proves the pages still work under the policy."""

import datetime
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.tests.samples import EXE, HTML, tiny_pdf, xlsx, zip_of
from mobility.tests.support import api_client, make_api_key, make_user
from programs.models import Agreement
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    HostFactory,
    InstitutionFactory,
    TrackFactory,
)
from students.imports.base import ImportFileError, read_table
from students.models import ModuleResult, Student
from students.tests.factories import EnrollmentFactory, StudentFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

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


# --- headers on every kind of page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_staff_page_has_the_security_headers(client):
    client.force_login(make_user("clerk", OFFICE))
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_portal_has_the_security_headers(client):
    student = StudentFactory(user=make_user("wei"))
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


# --- production: cookies and HSTS -----------------------------------------------------------------------------------


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


# --- templates within the policy -----------------------------------------------------------------------------------

# What the Content-Security-Policy would block in a served page. A <script> may carry data (type application/json,
# as Django's json_script writes it) but never code; a tag may not hold an event handler or a style attribute.
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
# Template comments are not rendered: what they say about <style> or scripts is not in the page.
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
# Not served as pages: WeasyPrint renders the diploma templates to PDF (their <style> is fine), e-mails are e-mails.
NOT_PAGES = ("diplomas/pdf/", "emails/")


def csp_problems(text: str) -> list[str]:
    text = TEMPLATE_COMMENT.sub("", text)
    found = []
    for attributes, body in SCRIPT.findall(text):
        if body.strip() and "application/json" not in attributes:
            found.append("inline <script> with code")
    for tag in TAG.findall(text):
        if EVENT_HANDLER.search(tag):
            found.append(f"event handler attribute in {tag[:60]!r}")
        if STYLE_ATTRIBUTE.search(tag):
            found.append(f"style attribute in {tag[:60]!r}")
    if STYLE_BLOCK.search(text):
        found.append("<style> block")
    if JAVASCRIPT_URL.search(text):
        found.append("javascript: URL")
    return found


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


# --- uploads: checked by content, not by name; size limits ---------------------------------------------------------


def media_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def zip_bomb() -> bytes:
    """A ZIP holding an XLSX's parts whose sheet is 50 MB of zeros compressed to about 50 KB."""
    return zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024),
        }
    )


@pytest.fixture
def agreement_world():
    track = TrackFactory(code="MECH")
    return {"host": HostFactory(), "partner": InstitutionFactory(code="CQEVTC"), "track": track}


def _agreement_post(world, document) -> dict:
    return {
        "number": "STK-SEC",
        "title": "Mobility",
        "host": world["host"].pk,
        "partner": world["partner"].pk,
        "facilitator": "",
        "status": "draft",
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "quotas-TOTAL_FORMS": "0",
        "quotas-INITIAL_FORMS": "0",
        "quotas-MIN_NUM_FORMS": "0",
        "quotas-MAX_NUM_FORMS": "1000",
        "signed_document": document,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agreement.pdf", EXE, "The file is not a PDF document"),
        ("agreement.pdf", HTML, "The file is not a PDF document"),
        ("agreement.pdf", b"%PDF-1.7\nonly a header, no document", "a PDF reader cannot open it"),
        ("agreement.pdf", tiny_pdf()[:300], "a PDF reader cannot open it"),  # truncated
        ("agreement.pdf", tiny_pdf() + b"%" + b"0" * (2 * 1024 * 1024), "the limit is 2 MB"),
    ],
)
def test_a_signed_agreement_is_refused_unless_it_is_a_pdf_within_the_limit(
    client, agreement_world, settings, name, content, message
):
    settings.UPLOAD_MAX_PDF_MB = 2
    client.force_login(make_user("head", OFFICE_ADMIN))
    response = client.post("/agreements/new/", _agreement_post(agreement_world, SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["signed_document"])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Agreement.objects.filter(number="STK-SEC").exists() and media_files() == []


@pytest.mark.django_db
def test_a_real_pdf_is_accepted_whatever_its_name_and_content_type(client, agreement_world):
    client.force_login(make_user("head", OFFICE_ADMIN))
    document = SimpleUploadedFile("scan.bin", tiny_pdf(), content_type="application/octet-stream")
    response = client.post("/agreements/new/", _agreement_post(agreement_world, document))
    assert response.status_code == 302
    agreement = Agreement.objects.get(number="STK-SEC")
    assert agreement.signed_document.read() == tiny_pdf()


@pytest.mark.django_db
def test_the_admin_checks_an_agreement_upload_too(client):
    agreement = AgreementFactory()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = f"/admin/programs/agreement/{agreement.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "signed_document"}
    data.update({name: getattr(value, "pk", value) for name, value in data.items()})
    data.update(
        {f"{prefix}-{key}": "0" for prefix in ("quotas",) for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        signed_on="",
        valid_from=agreement.valid_from.isoformat(),
        valid_until=agreement.valid_until.isoformat(),
        facilitator=agreement.facilitator_id or "",
    )
    response = client.post(url, {**data, "signed_document": SimpleUploadedFile("scan.pdf", EXE)})
    assert response.status_code == 200
    assert "The file is not a PDF document" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.signed_document and media_files() == []
    accepted = client.post(url, {**data, "signed_document": SimpleUploadedFile("scan.pdf", tiny_pdf())})
    assert accepted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_document.read() == tiny_pdf()


ROSTER_HEADERS = ["home student id", "family name (Latin)", "given name (Latin)"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (tiny_pdf(), "wrong_type"),  # a PDF (renamed .xlsx or .csv)
        (EXE, "wrong_type"),
        (HTML, "wrong_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "wrong_type"),  # an old .xls
        (zip_of({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}), "wrong_type"),
        (b"id,name\n1,Li\x07Wei\n", "wrong_type"),  # a control character
        (b"id,name\n1,Li Wei\n\x00", "wrong_type"),  # a NUL byte far from the start
    ],
)
def test_read_table_refuses_what_is_neither_xlsx_nor_csv(data, code):
    with pytest.raises(ImportFileError) as refused:
        read_table(data)
    assert refused.value.code == code and refused.value.message


def _xlsx_with(member: str, content: bytes) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx([["a", "b"], [1, 2]])))
    return zip_of(
        {info.filename: content if info.filename == member else source.read(info) for info in source.infolist()}
    )


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row r='1'><c r='A1'><v>1</v></c></row>"),  # cut short
        ("xl/worksheets/sheet1.xml", b"garbage"),
        ("xl/workbook.xml", b"garbage"),
    ],
)
def test_read_table_refuses_a_workbook_with_a_malformed_part(member, content):
    with pytest.raises(ImportFileError) as refused:
        read_table(_xlsx_with(member, content))
    assert refused.value.code == "broken_xlsx"


def test_read_table_refuses_a_zip_bomb_before_unpacking_it():
    with pytest.raises(ImportFileError) as refused:
        read_table(zip_bomb())
    assert refused.value.code == "zip_bomb" and "unpacks to 50 MB" in refused.value.message


def test_read_table_reads_real_files_whatever_their_kind():
    assert read_table(xlsx([ROSTER_HEADERS, ["2026001", "Zhang", "Wei"]])).kind == "xlsx"
    csv = read_table("home student id,family name (Latin)\n2026001,张\n".encode("gb18030"))
    assert csv.kind == "csv" and csv.rows == [(2, ["2026001", "张"])]


def test_the_table_limit_follows_the_setting(settings):
    settings.UPLOAD_MAX_TABLE_MB = 1
    with pytest.raises(ImportFileError) as refused:
        read_table(b"a,b\n" + b"1,2\n" * (300 * 1024))
    assert refused.value.code == "too_big" and "larger than 1 MB" in refused.value.message


@pytest.fixture
def roster_cohort():
    college = InstitutionFactory(code="CQEVTC")
    track = TrackFactory(code="MECH")
    agreement = AgreementFactory(partner=college)
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=30)
    return CohortFactory(code="MECH26", track=track, partner=college, agreement=agreement, capacity=30)


def _named(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("roster.xlsx", tiny_pdf(), "neither an XLSX workbook nor a CSV"),  # a PDF renamed .xlsx
        ("roster.csv", HTML, "an HTML or XML document, not a CSV"),
        ("roster.csv", EXE, "neither an XLSX workbook nor a CSV"),
        ("roster.xlsx", zip_bomb(), "unpacks to 50 MB"),
    ],
)
def test_the_roster_import_refuses_files_by_their_content_and_stores_nothing(
    client, roster_cohort, name, data, message
):
    client.force_login(make_user("head", OFFICE_ADMIN))
    response = client.post(
        "/students/import/", {"file": _named(data, name), "cohort": roster_cohort.pk, "encoding": "auto"}
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors["file"])
    assert message in response.content.decode()
    assert media_files() == [] and not default_storage.exists("imports/tmp")
    assert Student.objects.count() == 0


@pytest.mark.django_db
def test_an_oversized_gradebook_gets_a_message_on_the_form_and_nothing_is_stored(client):
    track = TrackFactory(code="MECH")
    cohort = CohortFactory(track=track)
    EnrollmentFactory(cohort=cohort)
    client.force_login(make_user("clerk", OFFICE))
    url = f"/students/cohorts/{cohort.pk}/gradebook/"
    big = b"Email address,Course total (Real)\n" + b"a@b.cn,90\n" * (11 * 1024 * 1024 // 10)
    response = client.post(url, {"file": _named(big, "grades.csv"), "encoding": "auto"})
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    exe = client.post(url, {"file": _named(EXE, "grades.csv"), "encoding": "auto"})
    assert exe.status_code == 400 and "neither an XLSX workbook nor a CSV" in exe.content.decode()
    assert media_files() == [] and not ModuleResult.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("diploma.pdf", EXE, "The file is not a PDF document"),
        ("diploma.pdf", HTML, "The file is not a PDF document"),
        ("diploma.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), "larger than 2 MB"),
    ],
)
def test_the_verification_page_refuses_a_non_pdf_or_oversized_copy(
    client, issued, empty_cache, settings, name, data, message
):
    settings.UPLOAD_MAX_PDF_MB = 2
    url = reverse("diplomas:verify", args=[issued.verification_code])
    response = client.post(url, {"pdf": SimpleUploadedFile(name, data, "application/pdf")})
    assert response.status_code == (413 if "larger" in message else 200)
    html = response.content.decode()
    assert message in html and "data-match" not in html
    assert 'data-max-size="2097152"' in html


@pytest.mark.django_db
def test_a_big_results_grid_posts_more_than_a_thousand_fields(client):
    """60 students x 20 modules: one score field a cell, 1,200 fields in one POST, read by the view (not a 400, which
    Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS of 1,000 gave)."""
    cohort = CohortFactory()
    client.force_login(make_user("head", OFFICE_ADMIN))
    fields = {f"score_{student}_{module}": "" for student in range(60) for module in range(20)}
    response = client.post(f"/students/cohorts/{cohort.pk}/results/", {"assessed_on": "2026-06-01", **fields})
    assert len(fields) == 1200 and response.status_code in (200, 302)


# --- in the browser: no CSP violation on the main pages ------------------------------------------------------------

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
