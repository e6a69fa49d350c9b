"""The product in Russian, English and Simplified Chinese (Django's gettext).

The catalogs: every message of locale/ru and locale/zh_Hans translated, none fuzzy, placeholders kept, and the
catalogs up to date with the code (a string marked in the code but missing from a .po fails here, naming it). The
pages: the language switcher (cookie, next page, a student's choice kept on their record), the browser's language
when nothing was chosen, API errors, dates and institution names in the page's language.

The pages are rendered from .mo files compiled here from the project's .po files (polib), so these tests check the
catalogs as they are in the tree, whether or not ``./dev setup`` compiled them.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from mobility.foundation.access import OFFICE
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import CohortFactory, InstitutionFactory
from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
# The catalogs we ship and how many plural forms each language has.
LANGUAGES = {"ru": 3, "zh_Hans": 1}
CATALOGS = sorted(path for lang in LANGUAGES for path in (LOCALE / lang / "LC_MESSAGES").glob("*.po"))
# What makemessages reads; the same list as ./dev and the translators use.
IGNORED = [".venv", "bench", "staticfiles", "media", "var", "node_modules"]
# Python %-format placeholders (named or not) and str.format's named ones.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX]|\{[A-Za-z_]\w*\}")


def _key(entry) -> tuple[str, str]:
    return entry.msgctxt or "", entry.msgid


def _label(entry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} ({where})"


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _catalog_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name}"


# --- the catalogs ------------------------------------------------------------------------------------------------


def test_the_catalogs_exist():
    assert {path.parent.parent.name for path in CATALOGS} == set(LANGUAGES), CATALOGS


@pytest.mark.parametrize("path", CATALOGS, ids=_catalog_id)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalog = polib.pofile(str(path))
    language = path.parent.parent.name
    assert f"nplurals={LANGUAGES[language]};" in catalog.metadata.get("Plural-Forms", "").replace(" ", ""), (
        f"{path}: Plural-Forms must have nplurals={LANGUAGES[language]}"
    )
    untranslated, fuzzy = [], []
    for entry in catalog:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            fuzzy.append(_label(entry))
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if sorted(forms) != list(range(LANGUAGES[language])) or not all(forms.values()):
                untranslated.append(_label(entry))
        elif not entry.msgstr:
            untranslated.append(_label(entry))
    problems = [f"untranslated: {label}" for label in untranslated] + [f"fuzzy: {label}" for label in fuzzy]
    assert not problems, f"{path}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGS, ids=_catalog_id)
def test_translations_keep_the_placeholders(path):
    mismatches = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            # Every form (Russian's "one" form also serves 21, 31…) carries what the English plural carries.
            wanted = sorted(set(_placeholders(entry.msgid)) | set(_placeholders(entry.msgid_plural)))
            translations = [text for text in entry.msgstr_plural.values() if text]
            found = [sorted(set(_placeholders(text))) for text in translations]
        else:
            wanted = _placeholders(entry.msgid)
            found = [_placeholders(entry.msgstr)] if entry.msgstr else []
        for placeholders in found:
            if placeholders != wanted:
                mismatches.append(f"{_label(entry)}: msgid has {wanted}, msgstr has {placeholders}")
    assert not mismatches, f"{path}:\n" + "\n".join(mismatches)


def test_the_catalogs_hold_every_message_of_the_code(tmp_path, monkeypatch, settings):
    """makemessages over a copy of the project's sources: each msgid it extracts must be in each .po file.

    This keeps new strings translated: mark a string, run ``makemessages -l ru -l zh_Hans`` (ignoring .venv, bench,
    staticfiles, media, var) and translate what it adds. A copy, because makemessages writes next to the nearest
    LOCALE_PATHS entry and puts temporary files beside the templates: the project's tree is only read.
    """
    for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib"):
        assert shutil.which(tool), f"{tool} is missing: install Debian's gettext (./dev setup does)"
    base = Path(settings.BASE_DIR)
    sources = tmp_path / "project"
    suffixes = {".py", ".html", ".txt"} | ({".js"} if any(path.stem == "djangojs" for path in CATALOGS) else set())
    skipped = {"locale", ".git", *IGNORED}
    tops = [entry for entry in base.iterdir() if entry.name not in skipped]
    for path in [*tops, *(path for top in tops if top.is_dir() for path in top.rglob("*"))]:
        relative = path.relative_to(base)
        if path.suffix in suffixes and path.is_file() and not skipped & set(relative.parts):
            (sources / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, sources / relative)
    output = tmp_path / "locale"
    settings.LOCALE_PATHS = [output]
    monkeypatch.chdir(sources)
    missing = []
    for domain in sorted({path.stem for path in CATALOGS}):
        call_command(
            "makemessages",
            locale=["ru"],
            domain=domain,
            ignore_patterns=IGNORED,
            keep_pot=True,
            verbosity=0,
        )
        extracted = {_key(entry): entry for entry in polib.pofile(str(output / f"{domain}.pot"))}
        assert len(extracted) > 100, "makemessages extracted next to nothing"
        for path in (path for path in CATALOGS if path.stem == domain):
            present = {_key(entry) for entry in polib.pofile(str(path)) if not entry.obsolete}
            missing += [f"{_catalog_id(path)}: {_label(e)}" for key, e in extracted.items() if key not in present]
    assert not missing, (
        f"{len(missing)} messages of the code are not in the catalogs; run makemessages and translate them:\n"
        + "\n".join(missing)
    )


# --- the pages ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory):
    """The project's .po files compiled into a temporary LOCALE_PATHS folder."""
    root = tmp_path_factory.mktemp("locale")
    for path in CATALOGS:
        target = root / path.parent.parent.name / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        polib.pofile(str(path)).save_as_mofile(str(target / f"{path.stem}.mo"))
    return root


@pytest.fixture
def translated(settings, compiled_locale):
    # Changing LOCALE_PATHS resets Django's loaded translations (and the fixture's undo resets them again).
    settings.LOCALE_PATHS = [compiled_locale]


def zh(msgid: str, context: str | None = None) -> str:
    """The Chinese translation in locale/zh_Hans, which another translator writes: asserted present, not guessed."""
    catalog = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    entry = catalog.find(msgid, msgctxt=context)
    assert entry is not None and entry.msgstr, f"locale/zh_Hans has no translation of {msgid!r}"
    return entry.msgstr


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _h1(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


def test_the_switcher_on_the_login_and_verification_pages_posts_to_set_language(client, translated):
    html = client.get("/accounts/login/?next=/students/").content.decode()
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S).group(0)
    assert 'name="next" value="/accounts/login/?next=/students/"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    buttons = re.findall(r'<button name="language" value="([^"]+)"[^>]*>([^<]+)</button>', form)
    assert buttons == [("ru", "Русский"), ("en", "English"), ("zh-hans", "中文")]
    assert "<script" not in form and "onclick" not in form and "onchange" not in form
    # A page's own form is found by "form button[type=submit]" (the browser tests): the switcher's never match.
    assert 'type="submit"' not in form


@pytest.mark.parametrize(
    ("language", "lang", "expected"),
    [("ru", "ru", lambda: "Войти"), ("zh-hans", "zh-hans", lambda: zh("Log in")), ("en", "en", lambda: "Log in")],
)
def test_the_choice_sets_the_cookie_and_the_next_page_speaks_it(client, translated, language, lang, expected):
    response = client.post("/i18n/setlang/", {"language": language, "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == language and int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE == 365 * 24 * 3600
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _lang(html) == lang
    assert f">{expected()}</button>" in html


def test_the_browser_language_counts_until_a_choice_is_made(client, translated):
    assert "Войти" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9").content.decode()
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert _lang(html) == "zh-hans" and zh("Log in") in html
    assert _lang(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()) == "en"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert _lang(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()) == "en"


def test_the_switcher_never_sends_elsewhere(client, translated):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_students_choice_is_kept_on_their_record(client, translated):
    student = StudentFactory(user=make_user("li.na@cq.example.cn"))
    client.force_login(student.user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
    student.refresh_from_db()
    assert student.language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/portal/"})
    student.refresh_from_db()
    assert student.language == "zh-hans"


def test_a_students_language_follows_them_to_a_new_device(client, translated):
    student = StudentFactory(user=make_user("li.na@cq.example.cn", password="pw-1"), language="zh-hans")
    # A new device: no cookie. Logging in sets the stored choice as this device's language.
    response = client.post("/accounts/login/", {"username": "li.na@cq.example.cn", "password": "pw-1"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert client.get("/portal/").wsgi_request.LANGUAGE_CODE == "zh-hans"
    client.post("/accounts/logout/")
    # A choice made on the login page before logging in is the newest one: it becomes the stored choice.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post("/accounts/login/", {"username": "li.na@cq.example.cn", "password": "pw-1"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    student.refresh_from_db()
    assert student.language == "ru"


def test_a_staff_users_choice_touches_no_student(client, translated):
    student = StudentFactory()
    client.force_login(make_user("clerk", OFFICE))
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert Student.objects.get(pk=student.pk).language == ""


@pytest.mark.usefixtures("empty_cache")
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ru", lambda: "Недействительный ключ API."),
        ("zh-CN", lambda: zh("The API key is not valid.")),
        ("en", lambda: "The API key is not valid."),
    ],
)
def test_api_errors_speak_the_callers_language(college, translated, accept, expected):
    make_api_key(college)
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Api-Key abcdefgh.wrongsecret")
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key" and response.json()["message"] == expected()


@pytest.mark.usefixtures("empty_cache")
def test_api_validation_errors_speak_the_callers_language(college, translated):
    _key, plain = make_api_key(college)
    response = api_client(plain).get("/api/v1/diplomas/lookup/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json()["fields"] == {"number": ["Этот параметр обязателен."]}
    response = api_client(plain).get("/api/v1/diplomas/lookup/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.json()["fields"] == {"number": [zh("This parameter is required.")]}


@pytest.mark.parametrize(
    ("accept", "dates"),
    [
        ("en", "2026-03-01 – 2026-12-20"),
        ("ru", "01.03.2026 – 20.12.2026"),
        ("zh-Hans", "2026年3月1日 – 2026年12月20日"),
    ],
)
def test_dates_on_a_staff_page_follow_the_language(client, translated, accept, dates):
    cohort = CohortFactory()
    client.force_login(make_user("clerk", OFFICE))
    html = client.get(f"/students/cohorts/{cohort.pk}/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert dates in html
    switcher = r'<footer[^>]*>\s*<form method="post" action="/i18n/setlang/"'
    assert re.search(switcher, html), "staff pages have the language switcher at their foot"


@pytest.mark.parametrize(
    ("accept", "main", "others"),
    [
        ("en", "Chongqing College", ["Колледж Чунцина", "重庆学院"]),
        ("ru", "Колледж Чунцина", ["Chongqing College", "重庆学院"]),
        ("zh-Hans", "重庆学院", ["Chongqing College", "Колледж Чунцина"]),
    ],
)
def test_institution_names_follow_the_language(client, translated, accept, main, others):
    college = InstitutionFactory(code="CQ", name_en="Chongqing College", name_ru="Колледж Чунцина", name_zh="重庆学院")
    client.force_login(make_user("clerk", OFFICE))
    html = client.get(f"/institutions/{college.pk}/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    heading = _h1(html)
    assert main in heading and not any(name in heading for name in others)
    listing = client.get("/institutions/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    cell = re.search(
        r'>CQ</a></td>\s*<td>\s*([^<]+?)\s*<div class="small text-body-secondary">(.*?)</div>', listing, re.S
    )
    assert cell.group(1) == main and all(name in cell.group(2) for name in others)


def test_the_verification_page_speaks_the_visitors_language(client, translated, issued):
    html = client.get(f"/verify/{issued.verification_code}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert _lang(html) == "ru" and "Проверка диплома" in html and 'action="/i18n/setlang/"' in html
    track = issued.enrollment.track
    assert f"<div>{track.name_ru}</div>" in html
    assert issued.issued_at.astimezone().strftime("%d.%m.%Y") in html
