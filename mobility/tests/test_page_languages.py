"""Every staff page speaks the request's language: rendered in Russian and then in English in one process, its
<title> and <h1> change language with the request. A text translated when its module was imported (``gettext`` at
class level) stays in the language of that moment: the Russian page then shows the English title (or the reverse).
The architecture test that no module calls ``gettext`` at import time is in test_architecture.py."""

import html
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from mobility.tests.test_access import STAFF_PATTERNS, _url, objects  # noqa: F401 - objects is a fixture

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SITE_SUFFIX = re.compile(r"\s*·\s*(MSTU STANKIN|МГТУ «СТАНКИН»)$")

# Routes that are not a page to a GET with the objects of test_access.py, and why.
NOT_PAGES = {
    # actions: POST only (405 to a GET)
    "text-draft": "POST only (a consent text's new version)",
    "design-draft": "POST only (a design's new version)",
    "student-invite": "POST only",
    "cohort-request": "POST only",
    "cohort-archive": "POST only (a cohort's ZIP of issued PDFs)",
    "diploma-retry": "POST only",
    "enrollment-diploma-request": "POST only",
    "enrollment-bulk": "POST only",
    "cohort-complete": "POST only",
    "enrollment-certificate": "POST only (each certificate is numbered and registered)",
    "enrollment-transcript": "POST only (each transcript is numbered, rendered and signed)",
    "saved-filter-delete": "POST only",
    "member-deactivate": "POST only (people:member-deactivate)",
    "member-reactivate": "POST only (people:member-reactivate)",
    "member-reinvite": "POST only (people:member-reinvite)",
    "teaching-assign": "POST only (people:teaching-assign)",
    "teaching-unassign": "POST only (people:teaching-unassign)",
    "toggle": "POST only (webhooks:toggle)",
    "replay": "POST only (webhooks:replay)",
    "open": "POST only (notifications:open)",
    "read": "POST only (notifications:read)",
    "read-all": "POST only (notifications:read-all)",
    "cohort-detail-moved": "a permanent redirect to students:cohort-detail",
    # files
    "agreement-document": "a file (the fixture's agreement has none: 404)",
    "diploma-pdf": "a file (the fixture's diploma has none: 404)",
    "diploma-credential": "JSON (a diploma's verifiable credential)",
    "transcript-pdf": "a file (the fixture's transcript has none: 404)",
    "export-json": "JSON",
    "student-export": "CSV",
    "export": "CSV (diplomas:export, the register's)",
    "archive-download": "a file (the fixture's archive has none: 404)",
    "audit-export": "CSV",
    "transfer-export": "CSV (the register of transfers)",
    "roster-template": "XLSX",
    "cohort-grade-sheet": "PDF (diplomas/papers/)",
    "cohort-roster": "PDF (diplomas/papers/)",
    "report-export": "XLSX (reports:report-export)",
    "design-sample-pdf": "PDF (a design's sample diploma)",
    # htmx fragments (no <title>)
    "cohort-progress": "htmx fragment",
    "cohort-archive-progress": "htmx fragment",
    "student-messages": "htmx fragment",
    "saved-filters": "htmx fragment (the students list's saved filters)",
    "transliterate": "htmx fragment (the name fields' suggestions)",
    "design-preview": "htmx fragment (a design's live preview)",
    # the steps after an upload: they redirect to the upload form (or 404) without one in the session
    "gradebook-mapping": "needs an uploaded gradebook",
    "gradebook-preview": "needs an uploaded gradebook",
    "roster-preview": "needs an uploaded roster",
    # the student portal: for students only (superusers are redirected); its languages: students/tests/test_portal_*.py
    "home": "student portal",
    "enrollment": "student portal",
    "my-data": "student portal",
    "messages": "student portal",
    "message": "student portal",
    "consent": "student portal (the consent screen)",
    "my-consents": "student portal",
    "consent-purpose": "student portal (one consent: withdraw or give again)",
    # the teacher's workspace: for teachers only (others are sent to their home); its languages:
    # students/tests/test_teaching.py (its "home" is the partnership's pages' name above)
    "grid": "teacher's workspace",
    "history": "teacher's workspace",
    "gradebook": "teacher's workspace",
    # the facilitator's pages: for facilitators only (superusers are redirected); languages: test_facilitation.py
    "cohort": "the facilitator's cohort page",
    # the partner portal: for coordinators only (superusers are redirected); its languages:
    # mobility/tests/test_partner_nominations.py
    "nominate": "partner portal",
    "webhook-toggle": "POST only (partner:webhook-toggle)",
    "roster-import": "partner portal",
    # the partner portal: for coordinators and observers (staff are redirected to the dashboard); its languages:
    # mobility/tests/test_partner_portal.py
    "agreements": "partner portal",
    "cohorts": "partner portal",
    "applications": "partner portal",
    "students": "partner portal",
    "student": "partner portal",
    # the partner portal's self-service: for coordinators and observers (superusers are redirected); its languages:
    # test_partner_self_service.py
    **dict.fromkeys(
        ("api-keys", "api-key-create", "api-key-revoke", "webhooks", "webhook-create"),
        "partner portal",
    ),
    **dict.fromkeys(("threads", "thread-general", "thread-student"), "partner portal"),
}
# Titles or headings made of data only (a code, a name): the same in every language.
DATA_ONLY = {
    ("agreement-detail", "title"),
    ("cohort-detail", "title"),  # its h1 adds the cohort's title, in the page's language (Cohort.title)
    ("institution-detail", "title"),
    ("student-detail", "h1"),
    ("track-detail", "title"),
    ("message-detail", "title"),  # the message's subject
    ("message-detail", "h1"),
}


def _text(page: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", page, re.S)
    if match is None:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def _headings(client, url: str, language: str) -> dict | None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return None
    page = response.content.decode()
    title = _text(page, "title")
    if title is None:
        return None
    assert f'lang="{language}"' in page, url
    return {"title": SITE_SUFFIX.sub("", title), "h1": _text(page, "h1") or ""}


def test_every_staff_page_is_in_the_requests_language(client, objects):  # noqa: F811 - the imported fixture
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    checked, not_pages, wrong = set(), set(), []
    for route, name in STAFF_PATTERNS:
        url = _url(route, objects)
        russian = _headings(client, url, "ru")
        english = _headings(client, url, "en")
        if russian is None or english is None:
            not_pages.add(name)
            continue
        checked.add(name)
        for part in ("title", "h1"):
            if CYRILLIC.search(english[part]):
                wrong.append(f"{name} {part} in English: {english[part]!r}")
            same = russian[part] == english[part]
            if same != ((name, part) in DATA_ONLY):
                wrong.append(f"{name} {part}: ru {russian[part]!r}, en {english[part]!r}")
    assert wrong == []
    # Every route is checked or named above with its reason; a new page is checked the day it is added.
    assert not_pages == set(NOT_PAGES)
    assert {name for name, _ in DATA_ONLY} <= checked
    assert len(checked) >= 40
