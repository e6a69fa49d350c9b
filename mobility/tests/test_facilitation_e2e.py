"""The facilitator's view in a real headless chromium against the live server: a facilitator's staff member logs in
with their e-mail address on a phone (360 px) in Chinese, reads the figures of the cohorts their institution
facilitates and a cohort's students with their progress, and finds none of a student's passport, birth date or
contact data; then the same on a desk (1280 px) in Russian. No page scrolls sideways or asks another host.
Screenshots go to /tmp/facil-*.png for a person to look at.

Run alone with ``pytest -m e2e mobility/tests/test_facilitation_e2e.py``; skipped where Debian chromium is not
installed."""

import re

import pytest
from django.urls import reverse

from mobility.tests.support import recorded_page
from mobility.tests.test_facilitation import SECRETS, _renderings, world  # noqa: F401 - world is a fixture
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 20000  # the machine may be busy: a wait, not a budget


@pytest.fixture
def facilitated(world):  # noqa: F811 - the imported fixture
    """The world of test_facilitation.py, with names a person would read, and a student whose passport, birth date,
    e-mail, phone and home data are all filled with values the pages must never show."""
    track = world.track
    track.name_en, track.name_ru, track.name_zh = "Mechatronics", "Мехатроника", "机电一体化"
    track.save()
    world.college_a.name_zh = "重庆工业职业技术学院"
    world.college_a.name_ru = "Чунцинский индустриальный колледж"
    world.college_a.save()
    world.facilitator.name_zh, world.facilitator.name_ru = "华泰教育", "ХУАТЭК"
    world.facilitator.save()
    student = StudentFactory(
        home_institution=world.college_a,
        family_name_han="欧阳",
        given_name_han="娜娜",
        family_name_latin="Ouyang",
        given_name_latin="Nana",
        family_name_cyrillic="Оуян",
        given_name_cyrillic="Нана",
        **SECRETS,
    )
    EnrollmentFactory(cohort=world.cohort_a, student=student, status=Enrollment.Status.ENROLLED)
    return world


def _log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "pw")
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('facilitator:home')}")


def _shoot(page, name: str, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page is {scroll} px wide at a {width} px screen ({page.url})"
    page.screenshot(path=f"/tmp/facil-{name}.png", full_page=True)


def _assert_nothing_secret(html: str) -> None:
    for name, value in SECRETS.items():
        for text in _renderings(value):
            # A bare year is a secret as a number of its own, not as digits of a link's id ("/2031/") or a longer one.
            pattern = rf"(?<![\d/]){re.escape(text)}(?![\d/])" if text.isdigit() else re.escape(text)
            assert not re.search(pattern, html), (name, text)


@pytest.mark.parametrize(
    ("width", "locale", "language", "words"),
    [
        (360, "zh-CN", "zh", ["在读", "申请", "已签发证书", "机电一体化"]),
        (1280, "ru-RU", "ru", ["Учатся сейчас", "Заявки", "Выдано дипломов", "Мехатроника"]),
    ],
)
def test_a_facilitator_follows_the_cohorts_figures_and_students(
    browser, live_server, facilitated, width, locale, language, words
):
    phone = width < 600
    with recorded_page(
        browser,
        live_server,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": width, "height": 780},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        locale=locale,
    ) as page:
        _log_in(page, live_server, facilitated.user("facilitator").email)
        if language != "zh":
            # A facilitator who never chose a language is written to in Chinese, whatever the browser asks: the
            # switcher changes it (and remembers it on the membership).
            with page.expect_navigation():
                page.click(f'.language-switcher button[value="{language}"]')
        html = page.content()
        for word in words:
            assert word in html, word
        # The Mechatronics track's card (words[-1], its name here): the world's other track, named by a factory's
        # sequence, may sort before it.
        track = page.locator(".facilitated-track", has_text=words[-1]).first
        figures = track.locator(".facilitator-figures").first
        assert figures.locator(".figure-applications .figure-value").inner_text() == "13"
        assert figures.locator(".figure-studying .figure-value").inner_text() == "6"
        assert facilitated.cohort_b.code not in html
        _assert_nothing_secret(html)
        _shoot(page, f"home-{language}-{width}", width)

        page.locator(f"a[href='{reverse('facilitator:cohort', args=[facilitated.cohort_a.pk])}']").click()
        page.wait_for_selector(".facilitated-students")
        html = page.content()
        assert "欧阳娜娜" in html and "Ouyang Nana" in html and "Оуян Нана" in html
        assert page.locator(".student-row").count() == 13
        assert facilitated.diploma.number in html
        _assert_nothing_secret(html)
        _shoot(page, f"cohort-{language}-{width}", width)
