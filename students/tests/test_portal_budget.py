"""The student portal (students/portal/): the first-load budget, no outside host, every class styled."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from .portal_support import PAGES, ZH, _portal_urls

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


BUDGET = 250 * 1024  # bytes of a first load: the page and every file it references


class _References(HTMLParser):
    """Every URL an HTML page references (href, src, action, srcset…)."""

    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []  # fetched on load: stylesheets, scripts, images, icons
        self.all: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "srcset", "poster", "data"):
            if attrs.get(name):
                self.all.append(attrs[name])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon", "preload", "manifest"):
            self.loaded.append(attrs["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.loaded.append(attrs["src"])


def _static_file(url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith("/" + settings.STATIC_URL.lstrip("/")), f"{url} is not a static file"
    found = finders.find(path.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
    assert found, f"{url} is referenced but does not exist"
    return Path(found)


def _first_load_bytes(html: bytes) -> tuple[int, dict[str, int]]:
    parser = _References()
    parser.feed(html.decode())
    sizes = {"(page)": len(html)}
    for url in parser.loaded:
        file = _static_file(url)
        sizes[url] = file.stat().st_size
        if file.suffix == ".css":  # what a stylesheet itself fetches (fonts, images; data: URIs are inline)
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", file.read_text(encoding="utf-8-sig")):
                assert ref.startswith("data:"), f"{url} fetches {ref}"
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["en", "ru", ZH])
def test_first_load_is_within_the_budget(me_client, me, page, language):
    me_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = me_client.get(_portal_urls(me)[page]).content
    total, sizes = _first_load_bytes(html)
    assert total <= BUDGET, sizes
    assert not any("bootstrap.min.css" in url or url.endswith(".js") for url in sizes), sizes


@pytest.mark.parametrize("language", ["en", "ru", ZH])
def test_the_way_into_the_portal_is_within_the_budget_too(client, me, language):
    """A student's first page is the invitation link or the login page (public_base.html), not the portal itself."""
    from students.accounts import invitation_path
    from students.services.accounts import student_invite

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    user = me.user
    user.set_unusable_password()
    user.save()
    student_invite(student=me, by=None)
    invitation = client.get(invitation_path(me), follow=True)
    assert invitation.status_code == 200 and b'name="new_password1"' in invitation.content
    for html in (invitation.content, client.get("/accounts/login/").content):
        total, sizes = _first_load_bytes(html)
        assert total <= BUDGET, sizes
        assert not any("bootstrap.min.css" in url or url.endswith(".js") for url in sizes), sizes


@pytest.mark.parametrize("page", PAGES)
def test_no_outside_host_in_the_html(me_client, me, page):
    parser = _References()
    parser.feed(me_client.get(_portal_urls(me)[page]).content.decode())
    assert parser.all
    for url in parser.all:
        parts = urlsplit(url)
        # The site itself: the test server, or its public address (the diplomas' verification links).
        assert parts.netloc in ("", "testserver", urlsplit(settings.MOBILITY_PUBLIC_URL).netloc), url
        # mailto: and tel: (the office's address in the footer) load nothing.
        assert parts.scheme in ("", "http", "https", "mailto", "tel"), url


def test_the_portal_stylesheet_is_the_cut_not_the_staff_bundle():
    cut = Path(finders.find("vendor/bootstrap/bootstrap-portal.min.css"))
    staff = Path(finders.find("vendor/bootstrap/bootstrap.min.css"))
    assert cut.stat().st_size < staff.stat().st_size / 2
    css = cut.read_text(encoding="utf-8-sig")
    for used in (".card{", ".btn-primary{", ".list-group-item{", ".progress-bar{", ".form-control{", ".w-100{"):
        assert used in css, used
    assert ".modal{" not in css and ".navbar{" not in css and ".carousel{" not in css


# Classes that only name things for tests and people (no style of their own).
HOOK_CLASSES = {
    "completion-left",
    "correction",
    "correction-answer",
    "correction-form",
    "correction-message",
    "credential-download",
    "credits-passed",
    "diploma",
    "diploma-download",
    "diploma-number",
    "diploma-verify",
    "enrollment",
    "enrollment-link",
    "hours-passed",
    "module",
    "module-title",
    "modules",
    "personal-data",
    "progress-summary",
    "required-passed",
    "track-name",
    # The enrollment page's transcripts of records (portal/_transcripts.html).
    "transcript",
    "transcript-download",
    "transcript-number",
    "transcript-verify",
    "transcripts",
    # The consent pages (portal/consent.html, my_consents.html, consent_purpose.html, _consent_text.html).
    "consent-categories",
    "consent-changes",
    "consent-contact",
    "consent-current",
    "consent-facts",
    "consent-form",
    "consent-history",
    "consent-outdated",
    "consent-recipient",
    "consent-row",
    "consent-text",
    "consent-title",
}


def test_every_class_of_the_portals_templates_is_styled():
    """The cut holds only the parts the portal imports: a class a template starts to use must be in it (import
    its part in static/vendor/bootstrap-portal.scss and run update.sh) or in portal.css."""
    css = "".join(
        Path(finders.find(name)).read_text(encoding="utf-8-sig")
        for name in ("vendor/bootstrap/bootstrap-portal.min.css", "css/portal.css")
    )
    templates = Path(settings.BASE_DIR) / "templates"
    files = [*(templates / "portal").glob("*.html"), templates / "includes" / "language_switcher.html"]
    files += [templates / "includes" / "field.html"]
    used = set()
    for file in files:
        if file.name == "staff_corrections.html":  # a part of the staff page, on the staff bundle
            continue
        for value in re.findall(r'class="([^"]*)"', file.read_text()):
            # Names built in the template (status-{{ … }}, alert-{% if … %}) are checked by their rules elsewhere.
            names = re.sub(r"\{[{%].*?[%}]\}", "\0", value).split()
            used |= {name for name in names if "\0" not in name}
    missing = {name for name in used - HOOK_CLASSES if not re.search(rf"\.{re.escape(name)}(?![\w-])", css)}
    assert missing == set()
