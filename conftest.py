import datetime
import importlib
import os
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from mobility.celery import app as celery_app

# --- the clock: `--clock 2027-12-06T23:30:00Z` runs the whole session at that moment -----------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="MOMENT",
        help="run the session with the clock set to MOMENT, an ISO 8601 date and time with a time zone "
        "(2027-12-06T23:30:00Z, 2027-12-07T02:30:00+03:00); time goes on from there (time-machine). CI runs the "
        "tests marked 'clock' at 23:30 UTC today and a year ahead.",
    )


def _clock_moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--clock {value!r} is not an ISO 8601 date and time (2027-12-06T23:30:00Z)") from None
    if moment.tzinfo is None:
        # A naive moment would be read in the machine's time zone: the very dependence the option is there to catch.
        raise pytest.UsageError(f"--clock {value!r} has no time zone: add Z (UTC) or an offset (+03:00)")
    return moment


def pytest_configure(config):
    value = config.getoption("clock")
    if value:
        import time_machine

        # Started here, before any test module is collected, and kept for the whole process: module-level dates,
        # fixtures, the live server's thread and the in-process Celery tasks all see the same moved clock.
        config._clock_traveller = time_machine.travel(_clock_moment(value), tick=True)
        config._clock_traveller.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_clock_traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    value = config.getoption("clock")
    if value:
        return f"clock: moved to {_clock_moment(value).isoformat()} (--clock), ticking"
    return None


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test writes files (agreements, diplomas) into its own folder, never into the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing strength is not under test; the fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request in Russian leaves Russian active in the thread (Django's
    LocaleMiddleware activates, nothing deactivates), and a later test's lazy strings would read Russian."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Unit tests run Celery tasks in-process even when a broker is configured (as in CI); only tests marked
    ``worker`` talk to the broker and a real worker process."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _designs_after_a_flush(request):
    """A transactional test (a live server's, ``transaction=True``) starts on a database the previous one flushed,
    without the rows migrations wrote; a diploma is issued only with a published design (diplomas/designs): give
    such a test version 1 and the first signatories again, as migration diplomas/0007 writes them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        {"live_server", "transactional_db"} & set(request.fixturenames)
    )
    if transactional:
        from django.apps import apps

        from diplomas.designs.models import DocumentDesign

        request.getfixturevalue("transactional_db")
        if not DocumentDesign.objects.exists():
            importlib.import_module("diplomas.migrations.0007_designs").first_versions(apps, None)
    yield


@pytest.fixture
def empty_cache():
    """The API's throttles and the verification page's rate limit count in the cache: a test that uses this starts
    and ends with it empty, so no count leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def broker_down():
    """Tasks go to a broker that is down (a closed local port) for the test, not run eagerly: the outbox keeps them."""
    from mobility.tests.support import broker_at, closed_port

    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        yield


# --- the staff roles and the partner: one definition each for every app's tests -----------------------------------
# pytest-django's own ``admin_user`` / ``admin_client`` are a Django superuser (the admin site's tests use them);
# the office's roles are these. ``office_client`` and ``office_admin_client`` are the same ``client`` logged in:
# a test that needs both roles at once logs a second client in itself.


@pytest.fixture
def office():
    """A clerk of the international office (the ``office`` group, username ``clerk``): the staff role most view
    tests act as."""
    from mobility.foundation.access import OFFICE
    from mobility.tests.support import make_user

    return make_user("clerk", OFFICE)


@pytest.fixture
def office_client(client, office):
    client.force_login(office)
    return client


@pytest.fixture
def office_admin():
    """The head of the office (the ``office-admin`` group, username ``popova``): passport data, deletions, partners'
    keys and webhooks, erasure."""
    from mobility.foundation.access import OFFICE_ADMIN
    from mobility.tests.support import make_user

    return make_user("popova", OFFICE_ADMIN)


@pytest.fixture
def office_admin_client(client, office_admin):
    client.force_login(office_admin)
    return client


@pytest.fixture
def college():
    """The partner institution of the API tests, CQEVTC."""
    from programs.tests.factories import InstitutionFactory

    return InstitutionFactory(code="CQEVTC")


# --- diplomas: the fake renderer and an issued diploma (diploma, portal and personal-data tests) -------------------


@pytest.fixture
def fake_render():
    """The renderers (the diploma's and its transcript's) replaced by one returning ``FAKE_PDF``: these tests are
    about the workflow, not the PDF."""
    from diplomas import services as diploma_services
    from diplomas.tests.factories import FAKE_PDF
    from diplomas.transcripts import services as transcript_services

    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF) as render,
        mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF),
    ):
        yield render


@pytest.fixture
def issued(fake_render, django_capture_on_commit_callbacks):
    """A completed enrollment's diploma, requested and issued (the eager task run on commit)."""
    from diplomas import services as diploma_services
    from diplomas.models import Diploma
    from students.tests.factories import EnrollmentFactory

    enrollment = EnrollmentFactory(completed=True)
    with django_capture_on_commit_callbacks(execute=True):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    return diploma


# --- browser tests: a headless Debian chromium driven by Playwright, screenshots saved as test artifacts ----------
# One definition for the whole suite: a session fixture imported into another test module would be a second
# definition, and a second Playwright started in the same process fails.

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session. Never ``playwright install``: it cannot download here, and the
    Debian package is the browser CI runs (DESIGN.md §9)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed; ./dev test installs it when run as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright for Python cannot be imported ({exc}); ./dev setup installs requirements-dev.lock")
    playwright = sync_playwright().start()
    # Playwright's sync API keeps an asyncio loop marked as running in this thread while it is started, and Django
    # refuses ORM calls from a thread with a running loop. The tests' ORM calls are synchronous all the same, so the
    # check is switched off while the browser lives; e2e tests run last (below), so no other test loses the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "name")`` saves ``var/screenshots/name.png`` (full page), prints and returns its path. The
    path goes into the test's report (``user_properties``), so the summary lists it under pytest-xdist too, where the
    test ran in another process."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        request.node.user_properties.append(("screenshot", str(path)))
        print(f"screenshot: {path}")
        return path

    return save


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run after every other test (after pytest-django's own ordering), since the session's browser
    stays up from the first of them to the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


def pytest_terminal_summary(terminalreporter):
    saved = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == "screenshot"
    ]
    if saved:
        terminalreporter.section("screenshots")
        for path in saved:
            terminalreporter.write_line(path)
