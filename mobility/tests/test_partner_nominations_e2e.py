"""A coordinator on a phone in Chinese nominates a student and follows them to a diploma, in a real headless chromium
(360 px wide) against the live server: log in by e-mail, nominate with the Han name and the suggested pinyin, see the
application; the office's side (admit, enroll, results, completion, the diploma with the fake renderer) is done by
the services; then the student's page in the portal and the diploma's download. No page may scroll sideways or ask
any host but the live server. Screenshots: /tmp/pnominate-*.png.

Run alone with ``pytest -m e2e mobility/tests/test_partner_nominations_e2e.py``."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from mobility.tests.partnership import partnership
from mobility.tests.support import recorded_page
from programs.tests.factories import AgreementQuotaFactory, CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment, Student
from students.tests.roster_files import ROWS, rows_of, xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 360
TIMEOUT_MS = 8000
PASSWORD = "Partner-portal-2026!"


@pytest.fixture
def phone(browser, live_server):
    """A phone in Chinese: 360 px wide, the browser asking for zh-CN."""
    with recorded_page(
        browser,
        live_server,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": WIDTH, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        locale="zh-CN",
    ) as page:
        yield page


def shoot(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name}: the page is {width} px wide at a {WIDTH} px screen ({page.url})"
    page.screenshot(path=f"/tmp/pnominate-{name}.png", full_page=True)


@pytest.fixture
def world():
    world = partnership()
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    world.open_cohort = CohortFactory(
        track=track, host=world.host, partner=world.college_a, agreement=world.agreement_a, code="MECH27"
    )
    AgreementQuotaFactory(agreement=world.agreement_a, track=track, year=world.open_cohort.intake_year)
    world.modules = [ModuleFactory(track=track, code="PLC", title_zh="PLC编程", title_en="PLC programming")]
    coordinator = world.user("coordinator-a")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    return world


def _office_takes_it_to_a_diploma(world, enrollment) -> Diploma:
    office = world.user("office")
    today = timezone.localdate()
    services.enrollment_admit(enrollment=enrollment, by=office)
    services.enrollment_enroll(enrollment=enrollment, by=office)
    for module in world.modules:
        services.result_record(enrollment=enrollment, module=module, by=office, assessed_on=today, score=91)
    services.enrollment_complete(enrollment=enrollment, by=office)
    diploma_services.diploma_request(enrollment=enrollment, requested_by=office)  # rendered on commit (eager task)
    diploma = Diploma.objects.get(enrollment=enrollment)
    assert diploma.status == Diploma.Status.ISSUED
    return diploma


def test_a_coordinator_on_a_phone_in_chinese_nominates_and_follows_to_a_diploma(
    phone, live_server, world, fake_render, tmp_path
):
    page = phone
    coordinator = world.user("coordinator-a")
    page.goto(live_server.url + reverse("partner:home"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("input[name=username]", coordinator.email)  # by e-mail
    page.fill("input[name=password]", PASSWORD)
    shoot(page, "00-login")
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"**{reverse('partner:home')}")

    page.locator(".portal-nav a", has_text="提名学生").click()
    page.wait_for_url(f"**{reverse('partner:nominate')}")
    expect(page.locator("h1")).to_have_text("提名学生")
    page.select_option("select[name=cohort]", str(world.open_cohort.pk))
    page.fill("input[name=family_name_han]", "王")
    page.locator("input[name=family_name_han]").dispatch_event("change")
    page.fill("input[name=given_name_han]", "小明")
    page.locator("input[name=given_name_han]").dispatch_event("change")
    # The suggestions of the office's student form: pinyin and Palladius, filled into the empty fields.
    expect(page.locator("input[name=family_name_latin]")).to_have_value("Wang")
    expect(page.locator("input[name=given_name_latin]")).to_have_value("Xiaoming")
    expect(page.locator("input[name=family_name_cyrillic]")).to_have_value("Ван")
    expect(page.locator("input[name=given_name_cyrillic]")).to_have_value("Сяомин")
    page.fill("input[name=home_student_id]", "A-2027-001")
    page.select_option("select[name=sex]", "M")
    page.fill("input[name=email]", "wang.xm@college-a.example.cn")
    page.fill("input[name=phone]", "+86 23 1234 5678")
    page.fill("input[name=home_specialty]", "机电一体化")
    shoot(page, "01-nominate")
    page.click("#nominate-form button[type=submit]")

    student = Student.objects.get(home_student_id="A-2027-001", home_institution=world.college_a)
    assert (student.full_name_han, student.full_name_latin) == ("王小明", "Wang Xiaoming")
    enrollment = Enrollment.objects.get(student=student)
    assert (enrollment.status, enrollment.cohort) == ("applied", world.open_cohort)
    student_url = reverse("partner:student", args=[student.pk])
    page.wait_for_url(f"**{student_url}")
    expect(page.locator(".alert-success")).to_contain_text("王小明 已申请班级 MECH27")
    shoot(page, "02-applied")

    diploma = _office_takes_it_to_a_diploma(world, enrollment)

    page.goto(live_server.url + student_url)
    expect(page.locator(f"#diploma-{diploma.pk}")).to_contain_text(diploma.number)
    shoot(page, "03-student")
    with page.expect_download() as caught:
        page.locator(f"#diploma-{diploma.pk} a.diploma-download").click()
    saved = Path(tmp_path) / "diploma.pdf"
    caught.value.save_as(saved)
    assert saved.read_bytes() == FAKE_PDF


def test_a_coordinator_on_a_phone_imports_a_roster(phone, live_server, world, tmp_path):
    """The office's import on the coordinator's phone: upload, the preview with a row error (nothing saved), the
    file corrected, confirmed: every row applied."""
    page = phone
    coordinator = world.user("coordinator-a")
    page.goto(live_server.url + reverse("partner:roster-import"))
    page.fill("input[name=username]", coordinator.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(f"**{reverse('partner:roster-import')}")
    expect(page.locator("h1")).to_have_text("导入名单")

    rows = rows_of(ROWS)
    rows[2]["e-mail"] = world.student_b.email  # another college's student's e-mail: a row error
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(xlsx(rows))
    page.set_input_files("input[name=file]", str(bad))
    page.select_option("select[name=cohort]", str(world.open_cohort.pk))
    page.click("#roster-form button[type=submit]")
    expect(page.locator("#roster-rows tr.table-danger")).to_have_count(1)
    expect(page.locator("#row-errors")).to_contain_text("第 4 行")
    expect(page.locator("form button[type=submit]", has_text="确认导入")).to_have_count(0)
    shoot(page, "10-roster-errors")
    assert not Student.objects.filter(home_student_id__in=["2026001", "2026002", "2026003"]).exists()

    page.goto(live_server.url + reverse("partner:roster-import"))
    good = tmp_path / "roster.xlsx"
    good.write_bytes(xlsx(rows_of(ROWS)))
    page.set_input_files("input[name=file]", str(good))
    page.select_option("select[name=cohort]", str(world.open_cohort.pk))
    page.click("#roster-form button[type=submit]")
    expect(page.locator("#roster-rows tbody tr")).to_have_count(3)
    shoot(page, "11-roster-preview")
    page.locator("form button[type=submit]", has_text="确认导入").click()
    expect(page.locator(".alert-success")).to_be_visible()
    shoot(page, "12-roster-imported")
    applied = Enrollment.objects.filter(cohort=world.open_cohort, status="applied")
    assert applied.count() == 3
