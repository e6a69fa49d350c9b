"""The public verification page of a holder who has not consented to show their name, in a real headless chromium,
at 360 and 1280 px, in Chinese, Russian and English: initials, both checks, a name typed and answered "matches",
then the issued PDF uploaded and answered "matches". No page scrolls sideways or asks another host. Screenshots go
to the test's folder and to /tmp/verify-shots/.

Run alone with ``pytest -m e2e diplomas/tests/test_verification_e2e.py``; skipped where Debian chromium is not
installed.
"""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mobility.tests.support import recorded_page
from students.tests.factories import EnrollmentFactory, StudentFactory

from .factories import FAKE_PDF, DiplomaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/verify-shots")
# Browser locale → what the page then says (Django maps zh-CN to zh-hans).
LANGUAGES = {
    "zh-CN": ("zh-hans", "核验姓名", "一致。"),
    "ru-RU": ("ru", "Проверить имя", "Совпадает."),
    "en-US": ("en", "Check a name", "Matches."),
}
TYPED = {"zh-CN": "欧阳 晓东", "ru-RU": "сяодун оуян", "en-US": "Ōuyáng Xiǎodōng"}


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_page_without_consent_checks_a_name_and_a_copy(browser, live_server, tmp_path, locale, width):
    language, heading, matches = LANGUAGES[locale]
    student = StudentFactory(
        family_name_han="欧阳",
        given_name_han="晓东",
        family_name_latin="Ouyang",
        given_name_latin="Xiaodong",
        family_name_cyrillic="Оуян",
        given_name_cyrillic="Сяодун",
    )
    diploma = DiplomaFactory(status="issued", enrollment=EnrollmentFactory(completed=True, student=student))
    pdf = tmp_path / "diploma.pdf"
    pdf.write_bytes(FAKE_PDF)
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str):
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name}: {scroll} px wide at {width} px"
        path = tmp_path / f"verify-{name}-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SHOTS / path.name)

    mobile = {"is_mobile": True, "device_scale_factor": 2} if width == 360 else {}
    with recorded_page(
        browser, live_server, timeout_ms=8000, viewport={"width": width, "height": 900}, locale=locale, **mobile
    ) as page:
        # The first request of a cold live server may be slow (static files found, templates compiled).
        page.goto(f"{live_server.url}/verify/{diploma.verification_code}/", timeout=30000)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".holder-name")).to_contain_text("O. X.")
        expect(page.locator(".holder-name")).to_contain_text("欧阳某")
        expect(page.locator(".holder-name")).to_contain_text("О. С.")
        assert "Xiaodong" not in page.content() and "晓东" not in page.content()
        expect(page.get_by_text(heading)).to_be_visible()
        shoot(page, "initials")

        page.locator("form.name-check input[name=name]").fill(TYPED[locale])
        page.locator("form.name-check button[type=submit]").click()
        result = page.locator('.check-result[data-check="name"]')
        expect(result).to_have_attribute("data-match", "true")
        expect(result).to_contain_text(matches)
        assert "晓东" not in page.content()  # what was typed is not shown back
        shoot(page, "name-matches")

        page.locator("form.diploma-check input[type=file]").set_input_files(str(pdf))
        page.locator("form.diploma-check button[type=submit]").click()
        result = page.locator('.check-result[data-check="pdf"]')
        expect(result).to_have_attribute("data-match", "true")
        expect(result).to_contain_text(matches)
        shoot(page, "copy-matches")
