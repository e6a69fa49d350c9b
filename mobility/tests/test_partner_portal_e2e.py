"""The partner portal in a real headless chromium: a coordinator of college A reads every page on a phone (360 px)
in Chinese and on a laptop (1280 px) in Russian, with no sideways scroll, no script error and no request to another
host, and downloads a diploma from a student's page. Screenshots of the overview, the students list and a student's
page go to /tmp/pcore-<language>-<width>-<page>.png for a person to look at.

Run alone with ``pytest -m e2e mobility/tests/test_partner_portal_e2e.py``; skipped where Debian chromium is not
installed."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF, DiplomaFactory
from mobility.tests.partnership import partnership
from mobility.tests.support import recorded_page
from programs.models import Institution, Module, Track
from programs.tests.factories import CohortFactory, ModuleFactory
from students.models import Enrollment, ModuleResult
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
TIMEOUT_MS = 10000
S = Enrollment.Status
HAN = [("王", "小明"), ("李", "娜"), ("欧阳", "建国"), ("陈", "思远"), ("刘", "洋")]


@pytest.fixture
def world():
    """The partnership with names as a Chinese college's people read them, a track of three modules, students in
    every state (one with a failed module, one with a diploma), long Cyrillic and Han names."""
    world = partnership()
    Institution.objects.filter(pk=world.college_a.pk).update(
        name_en="Chongqing Industry Polytechnic College",
        name_ru="Чунцинский промышленный политехнический колледж",
        name_zh="重庆工业职业技术学院",
    )
    Track.objects.filter(pk=world.track.pk).update(
        name_en="Mechatronics", name_ru="Мехатроника и робототехника", name_zh="机电一体化技术"
    )
    Module.objects.filter(pk=world.module_m.pk).update(
        title_en="PLC programming", title_ru="Программирование ПЛК", title_zh="PLC编程", order=1
    )
    Module.objects.filter(pk=world.module_n.pk).update(
        title_en="Computer-aided design",
        title_ru="Автоматизированное проектирование",
        title_zh="计算机辅助设计",
        order=2,
    )
    ModuleFactory(track=world.track, code="SAFE", title_en="Industrial safety", title_zh="工业安全", order=3)
    ModuleResult.objects.filter(enrollment=world.enrollment_a, module=world.module_n).update(grade="2", score=41)
    today = timezone.localdate()
    cohort = CohortFactory(
        track=world.track, partner=world.college_a, host=world.host, agreement=world.agreement_a,
        start_date=today + datetime.timedelta(days=60), end_date=today + datetime.timedelta(days=330),
        application_deadline=today + datetime.timedelta(days=20),
    )  # fmt: skip
    statuses = (S.APPLIED, S.ADMITTED, S.REJECTED, S.ENROLLED, S.COMPLETED)
    for (family, given), status in zip(HAN, statuses, strict=True):
        student = StudentFactory(
            home_institution=world.college_a, family_name_han=family, given_name_han=given,
            family_name_cyrillic="Оуян-Константинопольская", given_name_cyrillic="Цзяньго",
        )  # fmt: skip
        enrollment = EnrollmentFactory(
            student=student, cohort=cohort if status in (S.APPLIED, S.REJECTED) else world.cohort_a, status=status
        )
        if status == S.REJECTED:
            Enrollment.objects.filter(pk=enrollment.pk).update(status_reason="材料不全：缺少成绩单和护照复印件")
        if status == S.COMPLETED:
            world.diploma = DiplomaFactory(enrollment=enrollment, status=Diploma.Status.ISSUED)
            world.completed = enrollment
        if status == S.ENROLLED:
            ModuleResultFactory(enrollment=enrollment, module=world.module_m, assessed_on=today)
    return world


def _pages(world) -> dict[str, str]:
    return {
        "overview": "/partner/",
        "students": "/partner/students/",
        "student": f"/partner/students/{world.completed.student_id}/",
        "student-at-risk": f"/partner/students/{world.student_a.pk}/",
        "applications": "/partner/applications/",
        "cohorts": "/partner/cohorts/",
        "agreements": "/partner/agreements/",
    }


def _coordinator(browser, live_server, world, *, language: str, width: int):
    client = Client()
    client.force_login(world.user("coordinator-a"))
    page_context = recorded_page(
        browser,
        live_server,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": width, "height": 800},
        is_mobile=width < 400,
        locale={"zh-hans": "zh-CN"}.get(language, language),
        accept_downloads=True,
    )
    page = page_context.__enter__()
    page.context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )
    return page_context, page


@pytest.mark.parametrize(("language", "width"), [("zh-hans", 360), ("ru", 1280), ("ru", 360), ("en", 360)])
def test_every_page_fits_and_a_diploma_downloads(browser, live_server, world, language, width):
    page_context, page = _coordinator(browser, live_server, world, language=language, width=width)
    try:
        for name, path in _pages(world).items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            assert page.evaluate("document.documentElement.lang") == language
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{language} {width}px {name}: {scroll} px wide"
            if language == "zh-hans" or (name in ("overview", "students", "student") and width == 1280):
                page.screenshot(path=str(SHOTS / f"pcore-{language}-{width}-{name}.png"), full_page=True)
        page.goto(live_server.url + _pages(world)["student"])
        with page.expect_download() as download:
            page.click(".diploma-download")
        assert Path(download.value.path()).read_bytes() == FAKE_PDF
        assert download.value.suggested_filename == f"{world.diploma.number}.pdf"
        page.goto(live_server.url + "/partner/students/?at_risk=1")
        assert page.locator("tr.student.at-risk").count() == 1  # world.student_a: module N failed
    finally:
        page_context.__exit__(None, None, None)
