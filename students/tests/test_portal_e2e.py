"""The student portal in a real headless chromium on a phone-sized screen (360 px wide) against the live server: a
student follows their invitation link, sets a password, lands on the portal, switches it to Chinese, reads their
progress, downloads their diploma and asks for a correction of their data. No page may scroll sideways or ask any
host but the live server. Screenshots go to the test's folder and to /tmp/portal-shots/.

Run alone with ``pytest -m e2e students/tests/test_portal_e2e.py``; skipped where Debian chromium is not installed.
"""

import datetime
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from diplomas.tests.factories import FAKE_PDF
from mobility.tests.support import make_user, recorded_page
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.accounts import invitation_path
from students.models import CorrectionRequest, ModuleResult
from students.services.accounts import student_invite

from .factories import EnrollmentFactory, ModuleResultFactory, consents_answered

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 360
PASSWORD = "Stankin-portal-2026!"
TIMEOUT_MS = 8000
SHOTS = Path("/tmp/portal-shots")


@pytest.fixture
def phone(browser, live_server):
    """A fresh context with a phone's screen; no request to another host, no script error (``recorded_page``)."""
    with recorded_page(
        browser,
        live_server,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": WIDTH, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        locale="en-US",
    ) as page:
        yield page


@pytest.fixture
def shoot(tmp_path):
    """``shoot(page, name)``: the page must not scroll sideways at 360 px; a full-page screenshot is saved in the
    test's folder and copied to /tmp/portal-shots/ for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{name}: the page is {width} px wide at a {WIDTH} px screen ({page.url})"
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SHOTS / path.name)
        return path

    return save


@pytest.fixture
def student(issued):
    """The student of an issued diploma (a completed track), also enrolled in Mechatronics with three modules:
    PLC passed, CAD failed, Safety (optional) not assessed yet."""
    student = issued.enrollment.student
    student.family_name_latin, student.given_name_latin = "Zhang", "Wei"
    student.save()
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    enrollment = EnrollmentFactory(student=student, cohort=CohortFactory(track=track, partner=student.home_institution))
    services.enrollment_admit(enrollment=enrollment, by=None, on=datetime.date(2026, 2, 10))
    services.enrollment_enroll(enrollment=enrollment, by=None, on=datetime.date(2026, 3, 1))
    plc = ModuleFactory(track=track, code="PLC", title_en="PLC programming", title_zh="PLC编程", order=1)
    cad = ModuleFactory(track=track, code="CAD", title_en="CAD design", title_zh="CAD设计", order=2)
    ModuleFactory(
        track=track, code="SAFE", title_en="Industrial safety", title_zh="工业安全", order=3, is_required=False
    )
    ModuleResultFactory(enrollment=enrollment, module=plc, grade=ModuleResult.Grade.EXCELLENT, score=93)
    ModuleResultFactory(enrollment=enrollment, module=cad, grade=ModuleResult.Grade.UNSATISFACTORY, score=41)
    student.mech = enrollment
    student.diploma = issued
    consents_answered(student)  # the consent screen (test_consent_portal_e2e.py) answered before
    return student


def _enter_through_the_invitation(page, live_server, student, shoot) -> None:
    """The invitation link (students/accounts.py) → set a password → logged in, on the portal."""
    student_invite(student=student, by=None)
    page.goto(live_server.url + invitation_path(student))
    page.fill("input[name=new_password1]", PASSWORD)
    page.fill("input[name=new_password2]", PASSWORD)
    shoot(page, "00-invitation")
    page.click("form:has(input[name=new_password1]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('portal:home')}")


def test_a_student_on_a_phone_from_invitation_to_diploma(phone, live_server, student, shoot):
    page = phone
    _enter_through_the_invitation(page, live_server, student, shoot)
    expect(page.locator("h1")).to_contain_text("Zhang Wei")
    expect(page.locator(".enrollment")).to_have_count(2)
    expect(page.locator(f"#enrollment-{student.mech.pk} .track-name")).to_have_text("Mechatronics")
    shoot(page, "01-home-en")

    # The language switcher, in the header of every portal page.
    page.locator(".language-switcher button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(f"#enrollment-{student.mech.pk} .track-name")).to_have_text("机电一体化")
    expect(page.locator("h1")).to_contain_text("张伟")
    shoot(page, "02-home-zh")

    # Progress per module of the Mechatronics enrollment.
    page.locator(f"#enrollment-{student.mech.pk} a.enrollment-link").click()
    page.wait_for_url(f"**{reverse('portal:enrollment', args=[student.mech.pk])}")
    expect(page.locator(".module")).to_have_count(3)
    expect(page.locator(".module-passed .module-title")).to_have_text("PLC编程")
    expect(page.locator(".module-failed .module-title")).to_have_text("CAD设计")
    expect(page.locator(".module-pending .module-title")).to_have_text("工业安全")
    expect(page.locator(".completion-left li")).to_have_text(["CAD设计"])
    shoot(page, "03-progress-zh")

    # The completed track's diploma: number, download, verification link.
    page.goto(f"{live_server.url}{reverse('portal:home')}")
    page.locator(f"#enrollment-{student.diploma.enrollment_id} a.enrollment-link").click()
    expect(page.locator(".diploma-number")).to_have_text(student.diploma.number)
    expect(page.locator("a.diploma-verify")).to_have_attribute("href", student.diploma.verification_url)
    shoot(page, "04-diploma-zh")
    with page.expect_download() as download_info:
        page.locator("a.diploma-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{student.diploma.number}.pdf"
    assert Path(download.path()).read_bytes() == FAKE_PDF

    # My data, and a request to correct them.
    page.goto(f"{live_server.url}{reverse('portal:my-data')}")
    expect(page.locator(".personal-data")).to_contain_text(student.passport_number)
    expect(page.locator(".personal-data")).to_contain_text("张伟")
    shoot(page, "05-my-data-zh")
    page.locator(".correction-form button[type=submit]").click()  # nothing written: said next to the field
    expect(page.locator(".correction-form .invalid-feedback")).to_be_visible()
    shoot(page, "05b-my-data-empty-request-zh")
    page.fill("textarea[name=message]", "我的俄文名字应该是 Чжан Вэйвэй。")
    page.locator(".correction-form button[type=submit]").click()
    expect(page.locator(".correction-open .correction-message")).to_have_text("我的俄文名字应该是 Чжан Вэйвэй。")
    assert CorrectionRequest.objects.get(student=student).status == CorrectionRequest.Status.OPEN
    shoot(page, "06-correction-sent-zh")

    # Back in English: the longest words of the three languages must still fit.
    page.locator(".language-switcher button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, "07-my-data-en")
    page.locator(".language-switcher button[value=ru]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto(f"{live_server.url}{reverse('portal:enrollment', args=[student.mech.pk])}")
    shoot(page, "08-progress-ru")


def test_the_office_answers_a_correction_request_and_the_student_reads_it(browser, live_server, student, shoot):
    """Staff side: the student page loads the requests (htmx), the clerk closes one as corrected with an answer;
    the student then reads the answer on their phone."""
    from django.contrib.auth.models import Group

    from mobility.foundation.access import OFFICE
    from students.services.corrections import correction_request_create

    correction_request_create(student=student, message="Phone number: +86 138 0000 1111")
    make_user("clerk", password=PASSWORD).groups.add(Group.objects.get(name=OFFICE))
    student.user = make_user("wei", password=PASSWORD)
    student.save(update_fields=["user"])

    office = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    office.set_default_timeout(TIMEOUT_MS)
    page = office.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('students:student-detail', args=[student.pk])}")
    panel = page.locator("#corrections")
    expect(panel.locator(".correction-open .correction-message")).to_have_text("Phone number: +86 138 0000 1111")
    page.screenshot(path=str(SHOTS / "09-office-open-request.png"), full_page=True)
    panel.locator("textarea[name=answer]").fill("Your phone number is recorded now.")
    panel.locator(".correction-close button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("closed")
    expect(panel.locator(".correction-done .correction-answer")).to_have_text("Your phone number is recorded now.")
    page.screenshot(path=str(SHOTS / "10-office-corrections-panel.png"), full_page=True)
    office.close()

    phone = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, locale="en-US")
    phone.set_default_timeout(TIMEOUT_MS)
    page = phone.new_page()
    page.goto(f"{live_server.url}{reverse('portal:my-data')}")
    page.fill("input[name=username]", "wei")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('portal:my-data')}")
    expect(page.locator(".correction-done .correction-answer")).to_contain_text("Your phone number is recorded now.")
    shoot(page, "11-answer-read-en")
    phone.close()
