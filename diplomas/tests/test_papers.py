"""The office's papers: a cohort's grade sheet per module, a student's certificate of study and a cohort's roster, as
signed PDF/A files through the diplomas' renderer; pdftotext gives back names in three scripts, modules and grades."""

import datetime
import hashlib
import io
import re
import subprocess

import pytest
import time_machine

from diplomas import signing
from diplomas.models import CertificateNumberCounter, EnrollmentCertificate
from diplomas.papers import documents, services
from diplomas.tests.factories import DiplomaFactory
from diplomas.tests.test_rendering import needs_poppler, pdftotext, screenshot, trilingual_track_and_college
from mobility.foundation.models import AuditEntry
from programs.models import Module
from programs.tests.factories import CohortFactory, ModuleFactory
from students.models import Enrollment, ModuleResult
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead

S = Enrollment.Status
G = ModuleResult.Grade
TODAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def cohort():
    track, partner = trilingual_track_and_college()
    return CohortFactory(track=track, partner=partner, code="MECH-2026")


@pytest.fixture
def modules(cohort):
    return {
        "exam": ModuleFactory(
            track=cohort.track,
            code="MECH-12",
            title_en="Industrial robots",
            title_ru="Промышленные роботы",
            title_zh="工业机器人",
            hours=72,
            order=1,
        ),
        "credit": ModuleFactory(
            track=cohort.track,
            code="MECH-20",
            title_en="Safety at work",
            title_ru="Охрана труда",
            title_zh="劳动安全",
            hours=36,
            assessment_kind=Module.AssessmentKind.CREDIT,
            order=2,
        ),
    }


@pytest.fixture
def students(cohort, modules):
    """Three students of the cohort: one woman with two attempts at the exam (2, then 4), one man with a 5, one
    enrolled without a result; an applicant, who is on no paper."""
    li = EnrollmentFactory(
        cohort=cohort,
        status=S.ENROLLED,
        student=StudentFactory(
            home_institution=cohort.partner,
            home_student_id="2026CQ0001",
            family_name_han="李",
            given_name_han="欣怡",
            family_name_latin="Li",
            given_name_latin="Xinyi",
            family_name_cyrillic="Ли",
            given_name_cyrillic="Синьи",
            sex="F",
        ),
    )
    ModuleResultFactory(enrollment=li, module=modules["exam"], attempt=1, score=41, grade=G.UNSATISFACTORY)
    ModuleResultFactory(
        enrollment=li, module=modules["exam"], attempt=2, score=80, grade=G.GOOD, assessed_on=datetime.date(2026, 6, 20)
    )
    ModuleResultFactory(enrollment=li, module=modules["credit"], score=70, grade=G.PASS)
    wang = EnrollmentFactory(
        cohort=cohort,
        status=S.COMPLETED,
        student=StudentFactory(
            home_institution=cohort.partner,
            home_student_id="2026CQ0002",
            family_name_han="王",
            given_name_han="浩然",
            family_name_latin="Wang",
            given_name_latin="Haoran",
            family_name_cyrillic="Ван",
            given_name_cyrillic="Хаожань",
            sex="M",
        ),
    )
    ModuleResult.objects.filter(enrollment=wang, module=modules["exam"]).update(score=95, grade=G.EXCELLENT)
    zhao = EnrollmentFactory(
        cohort=cohort,
        status=S.ENROLLED,
        student=StudentFactory(
            home_institution=cohort.partner,
            family_name_han="赵",
            given_name_han="敏",
            family_name_latin="Zhao",
            given_name_latin="Min",
            family_name_cyrillic="Чжао",
            given_name_cyrillic="Минь",
            sex="",
        ),
    )
    applicant = EnrollmentFactory(
        cohort=cohort, student=StudentFactory(home_institution=cohort.partner, family_name_latin="Applicant")
    )
    return {"li": li, "wang": wang, "zhao": zhao, "applicant": applicant}


def text_of(tmp_path, pdf: bytes, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    screenshot(path, f"paper-{name}")
    return " ".join(pdftotext(path).split())


def layout_of(tmp_path, name: str) -> str:
    """The text of a paper written by ``text_of`` with its lines as laid out: a table row on one line."""
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(tmp_path / f"{name}.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode()


def assert_signed_pdf_a(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    check = signing.check_pdf(pdf)
    assert check.valid and check.by_configured_certificate
    reader = PdfFileReader(io.BytesIO(pdf))
    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert reader.embedded_signatures[0].sig_object["/Reason"] == documents.SIGNATURE_REASON


@needs_poppler
@time_machine.travel(TODAY, tick=False)
def test_the_grade_sheet_lists_each_student_with_the_latest_attempt(tmp_path, cohort, modules, students, demo_keys):
    paper = services.grade_sheet_generate(cohort=cohort, module=modules["exam"], second_language="zh-hans", by=None)
    assert paper.filename == "grade-sheet_MECH-2026_MECH-12_2026-12-07.pdf"
    assert_signed_pdf_a(paper.content)
    text = text_of(tmp_path, paper.content, "grade-sheet")
    for expected in (
        "Ведомость",
        "成绩登记表",
        "MECH-2026",
        "Мехатроника и робототехника",
        "机电一体化与机器人技术",
        "MECH-12",
        "Промышленные роботы",
        "工业机器人",
        "李欣怡",
        "Li Xinyi",
        "Ли Синьи",
        "王浩然",
        "Wang Haoran",
        "Ван Хаожань",
        "赵敏",
        "2026CQ0001",
        "4 (хорошо)",
        "5 (отлично)",
        "20.06.2026",
        "7 декабря 2026 г.",
        "2026年12月7日",
        "Преподаватель",
    ):
        assert expected in text, expected
    # Li's latest attempt (2: 80, grade 4), not the first (41); the applicant is on no grade sheet.
    rows = layout_of(tmp_path, "grade-sheet")
    assert re.search(r"1\s+李欣怡\s+2026CQ0001\s+80\s+4 \(хорошо\)\s+20\.06\.2026\s+2\s", rows), rows
    assert re.search(r"2\s+王浩然\s+2026CQ0002\s+95\s+5 \(отлично\)\s+01\.06\.2026\s+1\s", rows), rows
    assert " 41 " not in text and "Applicant" not in text
    entry = AuditEntry.objects.get(action="paper.grade_sheet")
    assert entry.object_id == str(cohort.pk) and entry.changes["module"] == [None, "MECH-12"]


@needs_poppler
def test_a_credit_module_s_sheet_shows_pass_and_fail_and_english_labels(tmp_path, cohort, modules, students):
    paper = documents.grade_sheet_pdf(
        cohort=cohort, module=modules["credit"], second_language="en", day=datetime.date(2026, 12, 7)
    )
    text = text_of(tmp_path, paper.content, "grade-sheet-credit-en")
    for expected in (
        "Ведомость",
        "Grade sheet",
        "Safety at work",
        "Охрана труда",
        "зачтено",
        "pass",
        "≥ 60",
        "Teacher",
    ):
        assert expected in text, expected
    assert "劳动安全" not in text  # Russian and English: the Chinese title is not the paper's


@needs_poppler
def test_the_roster_lists_the_cohort_s_students_with_their_diploma_numbers(tmp_path, cohort, students, demo_keys):
    DiplomaFactory(enrollment=students["wang"], status="issued", number="STK-IAM-2026-000007")
    paper = services.roster_generate(cohort=cohort, second_language="zh-hans", by=None)
    assert paper.filename.startswith("roster_MECH-2026_")
    assert_signed_pdf_a(paper.content)
    text = text_of(tmp_path, paper.content, "roster")
    for expected in (
        "Список студентов потока",
        "学员名单",
        "李欣怡",
        "Li Xinyi",
        "Ли Синьи",
        "Wang Haoran",
        "Чунцинский профессиональный инженерный институт",
        "重庆工程职业技术学院",
        "STK-IAM-2026-000007",
        "обучается",
        "завершил обучение",
        "已结业",
    ):
        assert expected in text, expected
    assert "Applicant" not in text
    assert AuditEntry.objects.filter(action="paper.roster", object_id=str(cohort.pk)).count() == 1


@needs_poppler
@time_machine.travel(TODAY, tick=False)
def test_a_certificate_is_numbered_registered_and_lists_the_modules_passed(
    tmp_path, settings, students, modules, demo_keys
):
    settings.CERTIFICATE_NUMBER_FORMAT = "S-{year}-{seq:03d}"
    enrollment = students["li"]
    certificate, paper = services.certificate_issue(
        enrollment=enrollment, second_language="zh-hans", by=None, with_birth_date=True
    )
    assert certificate.number == "S-2026-001" and paper.filename == "certificate_S-2026-001.pdf"
    assert certificate.sha256 == hashlib.sha256(paper.content).hexdigest()
    assert_signed_pdf_a(paper.content)
    text = text_of(tmp_path, paper.content, "certificate")
    for expected in (
        "Справка об обучении",
        "学习证明",
        "№ S-2026-001",
        "李欣怡",
        "Li Xinyi",
        "Ли Синьи",
        "17.05.2004",
        "2026CQ0001",
        "Чунцинский профессиональный инженерный институт",
        "MECH-12",
        "Промышленные роботы",
        "工业机器人",
        "MECH-20",
        "Охрана труда",
        "4 (хорошо)",
        "зачтено",
        "обучается",
        "108",
    ):
        assert expected in text, expected
    # Every font embedded, and every glyph from the diplomas' fonts (no fallback face drew a missing character).
    fonts = (
        subprocess.run(["pdffonts", str(tmp_path / "certificate.pdf")], check=True, capture_output=True)
        .stdout.decode()
        .splitlines()[2:]
    )
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert {line.split()[0].split("+", 1)[1] for line in fonts} <= {"Mobility-Sans", "NotoSansCJKsc-Regular"}, fonts
    # The failed first attempt is no passed module.
    assert "2 (неудовлетворительно)" not in text
    entry = AuditEntry.objects.get(action="paper.certificate")
    assert entry.object_id == str(enrollment.pk) and entry.changes["certificate"] == [None, "S-2026-001"]

    second, _paper = services.certificate_issue(
        enrollment=enrollment, second_language="en", by=None, with_birth_date=False
    )
    assert second.number == "S-2026-002" and CertificateNumberCounter.objects.get(year=2026).last == 2
    assert "17.05.2004" not in text_of(tmp_path, _paper.content, "certificate-en")


@pytest.mark.parametrize(("sex", "words"), [("M", "отчислен"), ("F", "отчислена"), ("", "отчислен(а)")])
def test_the_certificate_s_russian_status_agrees_with_the_student_s_sex(tmp_path, cohort, sex, words, monkeypatch):
    enrollment = EnrollmentFactory(cohort=cohort, status=S.WITHDRAWN, student__sex=sex)
    seen = {}
    monkeypatch.setattr(documents.rendering, "html_to_pdf", lambda html, **kw: seen.setdefault("html", html) and b"")
    monkeypatch.setattr(documents.signing, "sign_pdf", lambda pdf, **kw: pdf)
    documents.certificate_pdf(
        enrollment=enrollment, number="S-1", second_language="ru", day=datetime.date(2026, 7, 1), with_birth_date=False
    )
    assert re.search(rf"<td>{re.escape(words)}</td>", seen["html"])
    assert 'lang="zh-Hans"' not in seen["html"].split("</header>", 1)[1].replace('class="name han" lang="zh-Hans"', "")


def test_a_failed_render_gives_no_number(students, monkeypatch):
    monkeypatch.setattr(documents, "certificate_pdf", lambda **kw: (_ for _ in ()).throw(RuntimeError("render")))
    with pytest.raises(RuntimeError):
        services.certificate_issue(enrollment=students["li"], second_language="en", by=None, with_birth_date=False)
    assert not EnrollmentCertificate.objects.exists()
    assert not CertificateNumberCounter.objects.filter(last__gt=0).exists()


@needs_poppler
def test_without_a_signing_key_a_paper_is_handed_out_unsigned_and_says_so(tmp_path, settings, cohort, students):
    settings.DIPLOMA_SIGNING_DEMO = False
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "missing-key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "missing-cert.pem"
    signing.reset_signer_cache()
    paper = documents.roster_pdf(cohort=cohort, second_language="en", day=datetime.date(2026, 12, 7))
    assert not signing.check_pdf(paper.content).signed
    text = text_of(tmp_path, paper.content, "roster-unsigned")
    assert "Cohort roster" in text and "electronic signature" not in text


@needs_poppler
def test_a_long_roster_runs_over_pages_with_the_header_on_each(tmp_path, cohort):
    for n in range(40):
        EnrollmentFactory(cohort=cohort, status=S.ENROLLED, student__family_name_latin=f"Student{chr(65 + n % 26)}")
    paper = documents.roster_pdf(cohort=cohort, second_language="zh-hans", day=datetime.date(2026, 12, 7))
    path = tmp_path / "long.pdf"
    path.write_bytes(paper.content)
    pages = pdftotext(path).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Кириллица" in page and "学号" in page  # the table's header on every page
        assert re.search(rf"(?m)^{number}\s*/\s*{len(pages)}$", page), page[-200:]
