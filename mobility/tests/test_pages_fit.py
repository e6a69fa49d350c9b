"""Every page fits its screen, speaks the visitor's language and runs without a console error: a headless chromium
crawls every staff page (enumerated from the URL resolver, like test_access.py), the student portal's pages and the
public ones (login, password reset, the verification of a real diploma and of an unknown code, a page that does not
exist) at 1280 and 360 px wide in Russian, English and Simplified Chinese, over the demo's data plus a student in
their widest state (a revoked and a reissued diploma, results, a correction request).

Each page is checked for:
- no page-level horizontal scroll (``scrollWidth <= innerWidth``; wide tables scroll inside their own box);
- no console error (a script error, a resource refused by the Content-Security-Policy, a failed request);
- in Russian and Chinese, no English message of the catalog (msgids of 12 characters or more, translated to
  something else) shown as visible text.

A new staff page is crawled the day it is added to a urls.py: its URL parameters take their values from
``PAGE_OBJECTS`` below (by the path segment before the parameter, as test_access.py does) or test_access's
``VALUES`` (by the parameter's name); a route that is not an HTML page to a GET (POST-only, a file, an htmx
fragment) is named in test_page_languages.NOT_PAGES with its reason. Overflowing pages are saved as screenshots
(``var/screenshots/fit-*.png``); ``FIT_SCREENSHOTS=1`` saves every page.

Run alone with ``pytest -m e2e mobility/tests/test_pages_fit.py``.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from mobility.foundation.people.models import Membership
from mobility.tests.partnership import make_member
from mobility.tests.test_access import OWN_ACCOUNT, STAFF_PATTERNS, _url
from mobility.tests.test_page_languages import NOT_PAGES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("ru", "en", "zh-hans")
WIDTHS = (1280, 360)
CATALOGS = {"ru": "ru", "zh-hans": "zh_Hans"}
MIN_MSGID_LENGTH = 12
TIMEOUT_MS = 15000
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PARTNER_CRAWLER = "fit-coordinator"

# The elements that stick out of the window, outermost first (an element whose parent still fits): what to fix.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const culprits = [];
  for (const element of document.body.querySelectorAll('*')) {
    const right = element.getBoundingClientRect().right;
    const parent = element.parentElement;
    if (right > width + 1 && parent && parent.getBoundingClientRect().right <= width + 1) {
      const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (element.className && typeof element.className === 'string'
           ? '.' + element.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
      culprits.push(name + ' →' + Math.round(right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 6)};
}"""

# The staff menu at a laptop's width: its rows (the tops of its entries), where "Log out" ends, and the room left
# between the menu and the user's name (where the notifications' bell goes).
MENU_JS = """() => {
  // Every link and caret of the row (a split button's caret too): their vertical centres, 10 px apart or more, are
  // rows.
  const links = [...document.querySelectorAll('#main-nav > .navbar-nav > .nav-item > .nav-link')];
  const centres = links.map((link) => { const box = link.getBoundingClientRect(); return box.top + box.height / 2; });
  centres.sort((a, b) => a - b);
  const rows = centres.filter((centre, i) => i === 0 || centre - centres[i - 1] >= 10).length;
  const items = [...document.querySelectorAll('#main-nav > .navbar-nav > .nav-item')];
  const logout = document.querySelector('.app-navbar .navbar-user button').getBoundingClientRect();
  const menu = document.querySelector('#main-nav > .navbar-nav').getBoundingClientRect();
  const user = document.querySelector('.app-navbar .navbar-user').getBoundingClientRect();
  const last = items.length ? items[items.length - 1].getBoundingClientRect().right : menu.left;
  return {rows: rows, right: Math.round(logout.right), room: Math.round(user.left - last)};
}"""


@dataclass
class Crawl:
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def check(self, page, label: str, errors: list[str], english: list[str] | None, shot: str) -> None:
        self.pages += 1
        fit = page.evaluate(OVERFLOW_JS)
        overflowing = fit["scrollWidth"] > fit["innerWidth"]
        if overflowing:
            self.problems.append(f"{label}: {fit['scrollWidth']} px wide in {fit['innerWidth']}: {fit['culprits']}")
        if overflowing or os.environ.get("FIT_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"fit-{shot}.png"), full_page=True)
        if "popova" in shot and fit["innerWidth"] >= 1280:
            menu = page.evaluate(MENU_JS)
            if menu["rows"] != 1 or menu["right"] > fit["innerWidth"]:
                self.problems.append(f"{label}: the menu takes {menu['rows']} rows, ends at {menu['right']} px")
        if errors:
            self.problems.append(f"{label}: console errors {errors}")
            errors.clear()
        if english:
            text = page.evaluate("document.body.innerText")
            shown = [msgid for msgid in english if msgid in text]
            if shown:
                self.problems.append(f"{label}: untranslated {shown}")


# Pages that show a text in each of the three languages on purpose (a consent text's preview and its published
# version, the documents' designs and their current titles): English words there are the English version, not a
# missing translation.
SHOWS_EVERY_LANGUAGE = {"text-preview", "text-detail", "design-list", "design-detail"}


def _english_msgids(language: str) -> list[str]:
    """The catalog's English messages that the language shows differently, long enough not to be a word that data
    may contain; messages with placeholders or markup are left out (they never appear verbatim)."""
    path = Path(settings.BASE_DIR) / "locale" / CATALOGS[language] / "LC_MESSAGES" / "django.po"
    msgids = set()
    for entry in polib.pofile(str(path)):
        text = entry.msgid
        translation = entry.msgstr or entry.msgstr_plural.get(0, "")
        if entry.obsolete or not translation or translation == text or len(text) < MIN_MSGID_LENGTH:
            continue
        if re.search(r"%[(\w]|\{|<|\n", text):
            continue
        msgids.add(text)
    return sorted(msgids)


@pytest.fixture
def demo(settings):
    """The demo's data, with the demo student (Guo Tao, completed) at their widest: a diploma issued, revoked and
    reissued (both rows with every button), a correction request open."""
    from django.contrib.auth import get_user_model

    from diplomas import services as diploma_services
    from students.messaging.services import message_send
    from students.models import CorrectionRequest, Student
    from students.services.corrections import correction_request_create
    from students.tests.factories import consents_answered

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", allow_non_debug=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    student = Student.objects.get(user__username="student")
    consents_answered(student)  # the portal's pages themselves, not the consent screen they send to first
    enrollment = student.enrollments.get()

    def issue_and_reissue():
        # Committed (a transactional test): the eager render task runs when each service's transaction commits.
        try:
            first = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
            first.refresh_from_db()
            return diploma_services.diploma_reissue(diploma=first, by=None, reason="Misspelt name in the Latin script")
        finally:
            connection.close()

    # In a thread of its own: pyHanko signs with asyncio.run(), and Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(issue_and_reissue).result()
    second.refresh_from_db()
    assert second.status == "issued", second.failure_reason
    correction_request_create(student=student, message="护照号码已更换：E12345678。")
    assert CorrectionRequest.objects.filter(student=student).exists()
    message = message_send(
        by=get_user_model().objects.get(username="popova"),
        token=uuid.uuid4(),
        audience="cohort",
        cohort=enrollment.cohort,
        versions={
            "ru": ("Вручение дипломов", "Вручение дипломов состоится в конференц-зале колледжа."),
            "en": ("Diploma ceremony", "The diplomas are handed over in the college's conference hall."),
            "zh-hans": ("证书颁发仪式", "证书将在学院会议厅颁发。"),
        },
    )
    # The partner portal's pages are crawled as a coordinator of the demo student's college (office staff are sent
    # to their dashboard from them).
    make_member(PARTNER_CRAWLER, Membership.Role.COORDINATOR, student.home_institution, full_name="王丽 Wang Li Ван Ли")
    return {"student": student, "enrollment": enrollment, "diploma": second, "message": message}


# Values for the URL parameters of staff pages, by the path segment before the parameter (as in test_access.py);
# a new kind of segment gets its line here. Each picks the demo's richest object of its kind.
def _page_objects(demo: dict) -> dict:

    from diplomas.designs.models import Signatory
    from diplomas.designs.services import design_draft
    from mobility.foundation.models import PartnerAPIKey, WebhookDelivery, WebhookEndpoint
    from mobility.foundation.people.models import Membership
    from programs.models import Agreement, Contact, Module, TeachingAssignment, Track
    from students.consent.models import Purpose
    from students.consent.services import consent_text_draft
    from students.models import Continuation, Thread

    enrollment = demo["enrollment"]
    partner = enrollment.cohort.partner
    hook = WebhookEndpoint.objects.filter(institution=partner).first() or WebhookEndpoint.objects.create(
        institution=partner, url="https://sis.cqcollege.example.cn/hooks", events=["diploma.issued"]
    )
    delivery = WebhookDelivery.objects.filter(endpoint=hook).first()
    if delivery is None:
        import uuid

        delivery = WebhookDelivery.objects.create(
            endpoint=hook, event=WebhookEndpoint.Event.DIPLOMA_ISSUED, event_id=uuid.uuid4(), payload={"a": 1}
        )
    message = demo["message"]
    return {
        "messages": message.pk,
        "students": demo["student"].pk,
        "enrollments": enrollment.pk,
        "institutions": partner.pk,
        "contacts": Contact.objects.filter(institution=partner).first().pk,
        "agreements": Agreement.objects.filter(partner=partner).first().pk,
        "tracks": Track.objects.get(pk=enrollment.track_id).pk,
        "modules": Module.objects.filter(track_id=enrollment.track_id).first().pk,
        "cohorts": enrollment.cohort_id,
        "diplomas": demo["diploma"].pk,
        "api-keys": PartnerAPIKey.objects.filter(institution=partner).first().prefix,
        "webhooks": hook.pk,
        "webhook-deliveries": delivery.pk,
        "continuations": Continuation.objects.first().pk,
        "threads": Thread.objects.get_or_create(institution=partner, student=demo["student"])[0].pk,
        # The demo's first teacher (seed_demo) and one of their modules of a cohort.
        "people": (teacher := Membership.objects.filter(role=Membership.Role.TEACHER).first()).pk,
        "assignments": TeachingAssignment.objects.filter(teacher_id=teacher.user_id).first().pk,
        "users": demo["student"].user_id,  # two-factor/users/<id>/reset/
        # A draft of the processing's consent text, prefilled from the published one (its editor, preview, publish).
        "consents": consent_text_draft(purpose=Purpose.PROCESSING, by=None).pk,
        # A draft of the diploma's design, prefilled from version 1 (its editor with the live preview, publish), and
        # the first signatory of the migration.
        "designs": design_draft(kind="diploma", by=None).pk,
        "signatories": Signatory.objects.order_by("pk").first().pk,
    }


def _session_cookie(live_server, username: str) -> dict:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def _crawled(route: str, name: str) -> bool:
    """Whether a route is a page to crawl: not named in NOT_PAGES, or a page of the student portal, or of the partner
    portal (named there for the staff's checks: names like "home" are shared with the student portal; its files are
    not pages)."""
    if name not in NOT_PAGES or route.startswith("portal/"):
        return True
    return route.startswith("partner/") and NOT_PAGES[name] in ("partner portal", "student portal")


def _pages(demo: dict) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the pages to open, by who opens them: the office admin, the student, a partner college's
    coordinator, an anonymous visitor."""
    objects = _page_objects(demo)
    staff, portal, partner = [], [], []
    for route, name in STAFF_PATTERNS:
        if not _crawled(route, name):
            continue
        # The portal shows the student's own copy of a message (its recipient row), the staff pages the message.
        portal_objects = objects | {"messages": demo["message"].recipients.get(student=demo["student"]).pk}
        try:
            path = _url(route, portal_objects if route.startswith("portal/") else objects)
        except KeyError as missing:
            raise AssertionError(
                f"{route} ({name}): no value for the URL parameter after the segment {missing}: add one to "
                "_page_objects in test_pages_fit.py (or to VALUES in test_access.py)"
            ) from None
        if route.startswith("partner/"):
            partner.append((name, path))
        else:
            (portal if route.startswith("portal/") else staff).append((name, path))
    staff.append(("not-found", "/no-such-page/"))
    portal.append(("not-found", "/portal/no-such-page/"))
    # One's own two-factor sign-in (any logged-in person, on the light layout the staff menu's check does not fit):
    # its state, the set-up, new recovery codes, turning it off.
    portal += [(name, url) for name, url in OWN_ACCOUNT.items() if name.startswith("two-factor")]
    public = [
        ("login", "/accounts/login/"),
        ("password-reset", "/accounts/password_reset/"),
        ("verify", f"/verify/{demo['diploma'].verification_code}/"),
        ("verify-unknown", "/verify/no-such-code-0000000000000000/"),
        ("not-found", "/no-such-page/"),
    ]
    return {"popova": staff, "student": portal, PARTNER_CRAWLER: partner, "": public}


def test_every_page_fits_and_speaks_the_language(browser, live_server, demo):
    started = time.monotonic()
    crawl = Crawl()
    english = {language: _english_msgids(language) for language in CATALOGS}
    pages = _pages(demo)
    for language in LANGUAGES:
        for width in WIDTHS:
            for who, paths in pages.items():
                context = browser.new_context(
                    viewport={"width": width, "height": 800}, locale={"zh-hans": "zh-CN"}.get(language, language)
                )
                context.set_default_timeout(TIMEOUT_MS)
                cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
                if who:
                    cookies.append(_session_cookie(live_server, who))
                context.add_cookies(cookies)
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
                page.on(
                    "console",
                    lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None,
                )
                for name, path in paths:
                    response = page.goto(live_server.url + path)
                    label = f"{language} {width}px {who or 'anonymous'} {name} {path}"
                    expected = 404 if "no-such" in path else 200
                    if response is None or response.status != expected:
                        crawl.problems.append(f"{label}: status {response and response.status}, not {expected}")
                        errors.clear()
                        continue
                    if expected == 404:
                        errors[:] = [e for e in errors if "404" not in e]  # the browser reports the 404 itself
                    words = None if name in SHOWS_EVERY_LANGUAGE else english.get(language)
                    crawl.check(page, label, errors, words, f"{language}-{width}-{who}-{name}")
                context.close()
    elapsed = time.monotonic() - started
    print(f"{crawl.pages} pages crawled in {elapsed:.0f} s")
    assert crawl.problems == [], "\n".join(crawl.problems)
    assert crawl.pages >= 6 * 50


# The entries other parts of the office's tools add to the menu, as NAVIGATION will hold them (mobility/views.py):
# stand-ins with the Russian labels on pages that exist here, so that the row is measured at its full length.
def test_the_full_menu_holds_on_one_row_in_russian_at_1280_px(browser, live_server):
    """Every entry office-admin has, the bell with a two-digit count and a long name, in Russian."""
    from mobility.foundation.access import OFFICE_ADMIN
    from mobility.foundation.notifications.services import staff_notify
    from mobility.tests.support import make_user

    popova = make_user("popova", OFFICE_ADMIN, first_name="Александра", last_name="Ковалевская-Попова")
    for n in range(12):
        staff_notify(kind="students.correction_requested", params={"student": {"en": f"S{n}"}}, key=str(n))
    assert popova.staff_notifications.filter(read_at__isnull=True).count() == 12
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru")
    context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url},
            _session_cookie(live_server, "popova"),
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert page.locator("#main-nav").get_by_text("Журнал аудита").count() == 1  # in the Administration dropdown
    menu = page.evaluate(MENU_JS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "fit-menu-ru-1280.png"))
    context.close()
    assert menu["rows"] == 1 and menu["right"] <= 1280 and menu["room"] >= 0, menu
