"""The diploma page: text a machine can read back, embedded fonts, PDF/A, template fallback, escaping, long names."""

import datetime
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from diplomas import rendering
from diplomas.tests.factories import DiplomaFactory
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students import services
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="poppler-utils (pdftotext, pdffonts) is not installed: apt-get install poppler-utils",
)


def trilingual_track_and_college():
    """Track MECH and the college CQVIE with their names in English, Russian and Chinese."""
    track = TrackFactory(
        code="MECH",
        name_en="Mechatronics and Robotics",
        name_ru="Мехатроника и робототехника",
        name_zh="机电一体化与机器人技术",
    )
    college = InstitutionFactory(
        code="CQVIE",
        name_en="Chongqing Vocational Institute of Engineering",
        name_ru="Чунцинский профессиональный инженерный институт",
        name_zh="重庆工程职业技术学院",
    )
    return track, college


def make_diploma(*, student=None, number="STK-IAM-2026-000042", **student_fields):
    """An issued-to-be diploma of a completed enrollment (moved on through the services), with two passed modules."""
    track, partner = trilingual_track_and_college()
    facilitator = InstitutionFactory(
        code="EDUBRIDGE",
        kind="facilitator",
        name_en="EduBridge Consulting Ltd.",
        name_ru="ООО «ЭдуБридж»",
        name_zh="教桥咨询有限公司",
    )
    agreement = AgreementFactory(partner=partner, facilitator=facilitator)
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026)
    cohort = CohortFactory(track=track, partner=partner, host=agreement.host, agreement=agreement, code="MECH-2026")
    if student is None:
        student = StudentFactory(home_institution=partner, **student_fields)
    enrollment = EnrollmentFactory(cohort=cohort, student=student)
    modules = [ModuleFactory(track=track, hours=72), ModuleFactory(track=track, hours=36, is_required=False)]
    ModuleFactory(track=track, hours=100, is_required=False)  # not passed: does not count
    services.enrollment_admit(enrollment=enrollment, by=None, on=datetime.date(2026, 2, 10))
    services.enrollment_enroll(enrollment=enrollment, by=None, on=datetime.date(2026, 3, 1))
    for module in modules:
        services.result_record(
            enrollment=enrollment, module=module, by=None, assessed_on=datetime.date(2026, 6, 1), score=85
        )
    services.enrollment_complete(enrollment=enrollment, by=None, on=datetime.date(2026, 12, 20))
    diploma = DiplomaFactory(enrollment=enrollment)
    diploma.number = number
    diploma.issued_at = timezone.make_aware(datetime.datetime(2026, 12, 25, 11, 0))
    return diploma


def write_pdf(tmp_path, pdf: bytes, name="diploma.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()


def screenshot(path: Path, name: str) -> Path:
    """Page 1 at 60 dpi into var/screenshots/, for a person to look at (the test only checks it was made)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(path), str(prefix)], check=True
    )
    return prefix.with_suffix(".png")


@needs_poppler
def test_the_text_gives_back_names_number_and_track_and_every_font_is_embedded(tmp_path):
    diploma = make_diploma()
    path = write_pdf(tmp_path, rendering.render_diploma_pdf(diploma))

    text = pdftotext(path)
    student = diploma.enrollment.student
    for expected in (
        "张伟",
        f"Zhang {student.given_name_latin}",
        "Чжан Вэй",
        "STK-IAM-2026-000042",
        "Mechatronics and Robotics",
        "Мехатроника и робототехника",
        "机电一体化与机器人技术",
        "Диплом участника программы международной академической мобильности",
        "Diploma of a participant in the international academic mobility program",
        "国际学术交流项目参与者证书",
        "Chongqing Vocational Institute of Engineering",
        "EduBridge Consulting Ltd.",
        "01.03.2026 – 20.12.2026",
        "25 декабря 2026 г.",
        "25 December 2026",
        "2026年12月25日",
        "Nadezhda Popova",
        f"http://127.0.0.1:8000/verify/{diploma.verification_code}/",
    ):
        assert expected in " ".join(text.split()) or expected in text, expected
    # Hours: the passed modules (72 + 36), not the module without a result (100).
    assert re.search(r"\b108\b", text)

    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout.decode().splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    # One face for the three scripts: each further CJK face costs about 25 ms and 70 KB per diploma. It is the compact
    # cut of Noto Sans CJK SC (diplomas/fonts.py), which holds every character of this page: one subset of it on each
    # layer (the cohort's static one and the student's), each with its own subset tag.
    names = [line.split()[0] for line in fonts]
    assert {name.split("+", 1)[1] for name in names} == {"Mobility-Sans"}
    assert len(names) == len(set(names)) == 2
    assert len(path.read_bytes()) < 400_000
    screenshot(path, "diploma")


def test_one_page_in_pdf_a_with_its_identification_in_the_xmp_metadata():
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = rendering.render_diploma_pdf(make_diploma())
    reader = PdfFileReader(io.BytesIO(pdf))
    assert int(reader.root["/Pages"]["/Count"]) == 1
    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)
    assert "/OutputIntents" in reader.root
    assert pdf.startswith(b"%PDF-1.7")


def test_user_data_is_escaped():
    diploma = make_diploma(family_name_latin="<b>Zhang</b>", given_name_latin='Wei & "Co"')
    html = rendering.render_diploma_html(diploma)
    assert "&lt;b&gt;Zhang&lt;/b&gt; Wei &amp; &quot;Co&quot;" in html
    assert "<b>Zhang" not in html


@needs_poppler
def test_user_markup_appears_literally_in_the_pdf(tmp_path):
    diploma = make_diploma(family_name_latin="<b>Zhang</b>", given_name_latin="Wei")
    text = pdftotext(write_pdf(tmp_path, rendering.render_diploma_pdf(diploma)))
    assert "<b>Zhang</b> Wei" in text


LONG_NAMES = {
    # A 44-character Latin name, a 4-character Han name, a hyphenated Cyrillic one: one size down, one line each.
    "long": {
        "family_name_han": "欧阳",
        "given_name_han": "明轩",
        "family_name_latin": "Ouyang-Montgomery",
        "given_name_latin": "Alexandrina Maximiliana Wu",
        "family_name_cyrillic": "Оуян-Монтгомери",
        "given_name_cyrillic": "Александрина-Максимилиана",
    },
    # Far past anything real: the smallest size, wrapped, still inside the frame and on one page.
    "extreme": {
        "family_name_han": "爱新觉罗",
        "given_name_han": "玄烨明轩浩然宇航",
        "family_name_latin": "Aisin-Gioro-Montgomery-Featherstonehaugh",
        "given_name_latin": "Xuanye Minghao Haoran Yuhang Alexandrina-Maximiliana",
        "family_name_cyrillic": "Айсиньгёро-Монтгомери-Фезерстонхоу",
        "given_name_cyrillic": "Сюаньэ Минхао Хаожань Юйхан Александрина-Максимилиана",
    },
}


@needs_poppler
@pytest.mark.parametrize(("case", "size"), [("long", "l"), ("extreme", "s")])
def test_long_names_fit_and_stay_on_the_page(tmp_path, case, size):
    fields = LONG_NAMES[case]
    diploma = make_diploma(**fields)
    html = rendering.render_diploma_html(diploma)
    assert f'class="name latin {size}"' in html and f'class="name cyrillic {size}"' in html

    path = write_pdf(tmp_path, rendering.render_diploma_pdf(diploma))
    text = " ".join(pdftotext(path).split())
    han = fields["family_name_han"] + fields["given_name_han"]
    latin = f"{fields['family_name_latin']} {fields['given_name_latin']}"
    cyrillic = f"{fields['family_name_cyrillic']} {fields['given_name_cyrillic']}"
    if case == "long":  # the extreme names wrap, so pdftotext gives them back in pieces
        for expected in (han, latin, cyrillic):
            assert expected in text, expected
    else:
        for word in (*latin.split(), *cyrillic.split()):
            assert word in text, word
    # Nothing pushed onto a second page, and every word inside the text column (bounding boxes in points).
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True).stdout.decode()
    assert boxes.count("<page ") == 1
    mm = 72 / 25.4
    for x_min, y_min, x_max, y_max in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', boxes
    ):
        # The text column runs from 24 mm to 273 mm; the inner frame is about 11 mm from the paper's edge.
        assert 23 * mm < float(x_min) and float(x_max) < (297 - 23) * mm
        assert 12 * mm < float(y_min) and float(y_max) < (210 - 12) * mm
    screenshot(path, f"diploma-{case}-name")


@pytest.mark.parametrize(
    ("script", "text", "size"),
    [
        ("han", "张伟", "xl"),
        ("han", "欧阳明轩", "xl"),
        ("han", "欧" * 20, "m"),
        ("latin", "Zhang Wei", "xl"),
        ("latin", "A" * 40, "xl"),
        ("latin", "A" * 45, "l"),
        ("latin", "A" * 60, "m"),
        ("cyrillic", "Я" * 61, "s"),
        ("han", "欧" * 41, "xs"),
        ("latin", "A" * 111, "xs"),
    ],
)
def test_name_size_steps_down_with_length(script, text, size):
    assert rendering.name_size(script, text) == size


def _forget_templates():
    # The cached template loader remembers misses too; a template written during a test must be found.
    from django.template import engines

    for loader in engines["django"].engine.template_loaders:
        loader.reset()


def test_template_fallback_cohort_then_track_then_default(settings, tmp_path):
    diploma = make_diploma()
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    folder = tmp_path / "diplomas" / "pdf"
    folder.mkdir(parents=True)
    assert rendering.choose_template(diploma) == "diplomas/pdf/default.html"

    (folder / "track_MECH.html").write_text(
        '{% extends "diplomas/pdf/default.html" %}{% block title %}TRACK{% endblock %}'
    )
    _forget_templates()
    assert rendering.choose_template(diploma) == "diplomas/pdf/track_MECH.html"
    assert "TRACK" in rendering.render_diploma_html(diploma)

    (folder / "cohort_MECH-2026.html").write_text("COHORT {{ names.latin }}")
    _forget_templates()
    assert rendering.choose_template(diploma) == "diplomas/pdf/cohort_MECH-2026.html"
    assert rendering.render_diploma_html(diploma).startswith("COHORT Zhang")


def test_the_font_configuration_is_created_once(monkeypatch):
    from weasyprint.text import fonts

    created = []
    original = fonts.FontConfiguration

    class Counting(original):
        def __init__(self, *args, **kwargs):
            created.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(fonts, "FontConfiguration", Counting)
    monkeypatch.setattr(rendering, "_font_config", None)
    diploma = make_diploma()
    first = rendering.font_config()
    rendering.render_diploma_pdf(diploma)
    rendering.render_diploma_pdf(diploma)
    assert rendering.font_config() is first
    assert len(created) == 1


def test_rendering_needs_a_number_and_an_issue_date_and_reads_in_one_query(django_assert_num_queries):
    from diplomas.models import Diploma

    diploma = make_diploma()
    fresh = Diploma.objects.get(pk=diploma.pk)
    with pytest.raises(ValueError):
        rendering.render_diploma_html(fresh)
    fresh.number, fresh.issued_at = diploma.number, diploma.issued_at
    fresh.design = None
    with pytest.raises(ValueError):  # nor without the design it records when it gets its number
        rendering.render_diploma_html(fresh)
    fresh = Diploma.objects.get(pk=diploma.pk)
    fresh.number, fresh.issued_at = diploma.number, diploma.issued_at
    # The enrollment with student, cohort, host, partner, agreement, facilitator and track; the design; the hours.
    with django_assert_num_queries(3):
        rendering.render_diploma_html(fresh)


def test_the_qr_code_is_a_png_of_segno_s_matrix_of_the_verification_url(settings):
    import base64

    import segno
    from PIL import Image

    settings.MOBILITY_PUBLIC_URL = "https://mobility.stankin.example/"
    diploma = make_diploma()
    url = diploma.verification_url
    assert url == f"https://mobility.stankin.example/verify/{diploma.verification_code}/"
    html = rendering.render_diploma_html(diploma)
    uri = re.search(r'<div class="qr"><img src="(data:image/png;base64,[^"]+)"', html)[1]
    # Each module of the URL's QR code is an 8-pixel square, dark exactly where segno's matrix is.
    matrix = segno.make(url, error="m").matrix
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
    assert image.size == (8 * len(matrix), 8 * len(matrix))
    drawn = [[image.getpixel((8 * x + 4, 8 * y + 4)) < 128 for x in range(len(row))] for y, row in enumerate(matrix)]
    assert drawn == [[bool(module) for module in row] for row in matrix]


def test_the_stylesheet_is_parsed_once_and_not_inlined():
    diploma = make_diploma()
    html = rendering.render_diploma_html(diploma)
    assert "font-family" not in html  # default.css goes to WeasyPrint as a parsed stylesheet, not as <style>
    sheet = rendering.stylesheet()
    rendering.render_diploma_pdf(diploma)
    assert rendering.stylesheet() is sheet


@needs_poppler
def test_a_design_s_own_style_overrides_the_default_stylesheet(settings, tmp_path):
    diploma = make_diploma()

    def number_height(pdf: bytes) -> float:
        path = write_pdf(tmp_path, pdf)
        boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True).stdout
        y_min, y_max = re.search(rb'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">STK-IAM-2026-000042<', boxes).groups()
        return float(y_max) - float(y_min)

    default = number_height(rendering.render_diploma_pdf(diploma))
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    folder = tmp_path / "diplomas" / "pdf"
    folder.mkdir(parents=True)
    # A less specific selector than default.css's ".issue .number": author rules still win over the user sheet.
    (folder / "track_MECH.html").write_text(
        '{% extends "diplomas/pdf/default.html" %}{% block style %}.number { font-size: 16pt }{% endblock %}'
    )
    _forget_templates()
    try:
        assert number_height(rendering.render_diploma_pdf(diploma)) > 1.3 * default
    finally:
        _forget_templates()


def test_digits_use_the_default_glyphs_so_the_font_subset_stays_small(monkeypatch):
    # Noto CJK's Russian localized digits (the page is lang="ru") are the default digits again at glyph ids
    # 63153-63162. WeasyPrint keeps glyph ids when it subsets, so they made every subset span 63,000 glyphs: about
    # 20 ms and 50 KB more per diploma. default.css turns "locl" off; digits must come from the low glyph ids.
    from weasyprint.pdf import fonts

    used = {}
    original = fonts.Font.subset

    def recording(self, to_unicode, hinting):
        used.update(to_unicode)
        return original(self, to_unicode, hinting)

    monkeypatch.setattr(fonts.Font, "subset", recording)
    rendering.render_diploma_pdf(make_diploma())
    digits = {glyph for glyph, text in used.items() if text.isdigit()}
    assert digits and max(digits) < 1000, sorted(digits)
