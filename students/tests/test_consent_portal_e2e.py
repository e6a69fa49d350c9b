"""The consent screen and My consents in a real headless chromium on a phone (360 px) in English, Russian and
Chinese, and on a desktop (1280 px) in English: a student signs in, is sent to the consent screen, answers each text,
reaches the page they asked for, then withdraws a consent after its confirmation step. No page may scroll sideways.
Screenshots go to the test's folder and to /tmp/consent-shots/.

Run alone with ``pytest -m e2e students/tests/test_consent_portal_e2e.py``; skipped where Debian chromium is not
installed.
"""

import importlib
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from mobility.tests.support import make_user, recorded_page
from students.consent.models import Consent, Purpose
from students.consent.selectors import current_texts

from .factories import StudentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Stankin-portal-2026!"
SHOTS = Path("/tmp/consent-shots")
WITHDRAW = {"en": "Withdraw", "ru": "Отозвать", "zh-hans": "撤回"}


@pytest.fixture
def student():
    # The texts migration 0013 publishes (a transactional test's flush removes them: published again).
    importlib.import_module("students.migrations.0013_consent_texts_v1").publish_first_versions(apps, None)
    assert set(current_texts()) == set(Purpose.values)
    return StudentFactory(user=make_user("wei", password=PASSWORD))


@pytest.mark.parametrize(("language", "width"), [("en", 360), ("ru", 360), ("zh-hans", 360), ("en", 1280)])
def test_the_consent_screen_then_my_consents_and_a_withdrawal(browser, live_server, student, tmp_path, language, width):
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name):
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name}: {scroll} px wide at {width} px"
        path = tmp_path / f"{name}-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SHOTS / path.name)

    with recorded_page(
        browser,
        live_server,
        timeout_ms=8000,
        viewport={"width": width, "height": 740},
        device_scale_factor=2 if width == 360 else 1,
        is_mobile=width == 360,
    ) as page:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}{reverse('portal:my-data')}")
        page.fill("input[name=username]", "wei")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").click()
        # Sent to the consent screen first, with the page asked for kept.
        page.wait_for_url(f"**{reverse('portal:consent')}?next=*")
        expect(page.locator("section.consent-text")).to_have_count(4)
        expect(page.locator("input[type=radio]:checked")).to_have_count(0)
        shoot(page, "consent")

        # Every answer is required: three of four is refused, the choices stay.
        for purpose in ("processing", "transfer_to_russia", "transfer_to_partner"):
            page.locator(f"#consent-{purpose} label.btn").first.click()
        page.locator("form.consent-form button[type=submit]").click()
        expect(page.locator(".alert-danger")).to_have_count(1)
        expect(page.locator("input[type=radio]:checked")).to_have_count(3)
        page.locator("#consent-public_name label.btn").last.click()  # declined
        page.locator("form.consent-form button[type=submit]").click()
        page.wait_for_url(f"**{reverse('portal:my-data')}")

        page.goto(f"{live_server.url}{reverse('portal:my-consents')}")
        expect(page.locator(".consent-row")).to_have_count(4)
        shoot(page, "my-consents")

        page.locator("#purpose-transfer_to_partner a.btn").click()
        expect(page.locator(".consent-changes")).to_be_visible()
        shoot(page, "withdraw-confirm")
        page.locator("button[value=withdraw]").click()
        page.wait_for_url(f"**{reverse('portal:my-consents')}")
        expect(page.locator("#purpose-transfer_to_partner .badge")).to_have_class(re.compile(r"\bstate-withdrawn\b"))
        expect(page.locator("#purpose-transfer_to_partner a.btn")).not_to_have_text(WITHDRAW[language])

    decisions = {c.purpose: c.decision for c in Consent.objects.filter(student=student, current=True)}
    assert decisions == {
        "processing": "given",
        "transfer_to_russia": "given",
        "transfer_to_partner": "withdrawn",
        "public_name": "declined",
    }
