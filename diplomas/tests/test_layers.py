"""The diploma drawn in layers: the cohort's static page laid out once, each student's slots over it.

The layered file must look exactly like the whole page rendered in one piece; the static layer must be shared only
by diplomas whose static page is the same; and anything the layers cannot draw faithfully (names too long for their
slot, a design without slots) must come out as the whole page.
"""

import io
import re
import subprocess

import pytest

from diplomas import layers, rendering
from diplomas.tests.factories import DiplomaFactory
from diplomas.tests.test_rendering import (
    LONG_NAMES,
    _forget_templates,
    make_diploma,
    needs_poppler,
    pdftotext,
    screenshot,
)
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kept_layers():
    layers.forget_static_layers()
    yield
    layers.forget_static_layers()


@pytest.fixture
def built(monkeypatch):
    """The static layers laid out during the test, as the HTML each was built from."""
    calls = []
    original = layers._build_static_layer

    def recording(html, needed, *args):
        calls.append(html)
        return original(html, needed, *args)

    monkeypatch.setattr(layers, "_build_static_layer", recording)
    return calls


@pytest.fixture
def whole_pages(monkeypatch):
    """The diplomas rendered as one whole page (the fallback), as their HTML."""
    calls = []
    original = rendering.html_to_pdf

    def recording(html, **kwargs):
        calls.append(html)
        return original(html, **kwargs)

    monkeypatch.setattr(rendering, "html_to_pdf", recording)
    return calls


def raster(tmp_path, pdf: bytes, name: str):
    from PIL import Image

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(path), str(tmp_path / name)], check=True)
    return Image.open(tmp_path / f"{name}.png").convert("RGB")


def form_xobjects(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        xobjects = document.pages[0].Resources.get("/XObject", {})
        return sum(1 for ref in xobjects.values() if ref.get("/Subtype") == "/Form")


@needs_poppler
@pytest.mark.parametrize("case", ["ordinary", "long", "extreme"])
def test_the_layered_diploma_looks_exactly_like_the_whole_page(tmp_path, case, whole_pages):
    from PIL import ImageChops

    diploma = make_diploma(**LONG_NAMES.get(case, {}))
    layered = rendering.render_diploma_pdf(diploma)
    assert not whole_pages and form_xobjects(layered) == 1  # drawn in layers, the static page as one form XObject
    whole = rendering.html_to_pdf(rendering.render_diploma_html(diploma))
    assert form_xobjects(whole) == 0

    difference = ImageChops.difference(raster(tmp_path, layered, "layered"), raster(tmp_path, whole, "whole"))
    assert difference.getbbox() is None, f"the layers differ from the whole page in {difference.getbbox()}"


def test_one_static_layer_per_static_page(built):
    first = make_diploma()
    enrollment = first.enrollment
    rendering.render_diploma_pdf(first)
    assert len(built) == 1 and "Zhang" not in built[0] and first.number not in built[0]

    # Another student of the cohort, another number: the same static page.
    other = EnrollmentFactory(
        cohort=enrollment.cohort,
        student=StudentFactory(home_institution=enrollment.student.home_institution, family_name_latin="Li"),
        admitted_on=enrollment.admitted_on,
        enrolled_on=enrollment.enrolled_on,
        completed_on=enrollment.completed_on,
    )
    diploma = DiplomaFactory(enrollment=other)
    diploma.number, diploma.issued_at = "STK-IAM-2026-000043", first.issued_at
    rendering.render_diploma_pdf(diploma)
    assert len(built) == 1

    # Anything on the static page changes it: here the signatories the diploma recorded.
    diploma.signatories = [{**diploma.signatories[0], "name_latin": "Ivan Petrov"}]
    rendering.render_diploma_pdf(diploma)
    assert len(built) == 2 and "Ivan Petrov" in built[1]
    rendering.render_diploma_pdf(first)
    assert len(built) == 2


@needs_poppler
def test_the_longest_names_the_form_accepts_fit_their_slot(tmp_path, whole_pages):
    from students.models import Student

    filler = {"han": "欧阳明轩", "latin": "Ouyang-Mingxuan ", "cyrillic": "Оуян-Минсюань "}
    longest = {}
    for name in LONG_NAMES["long"]:
        size = Student._meta.get_field(name).max_length
        longest[name] = (filler[name.rsplit("_", 1)[1]] * size)[:size].strip()
    diploma = make_diploma(**longest)
    pdf = rendering.render_diploma_pdf(diploma)
    assert not whole_pages and form_xobjects(pdf) == 1
    path = tmp_path / "longest.pdf"
    path.write_bytes(pdf)
    assert "欧阳明轩欧阳明轩" in "".join(pdftotext(path).split())
    screenshot(path, "diploma-longest-name")


@needs_poppler
def test_names_too_tall_for_their_slot_make_a_whole_page(tmp_path, monkeypatch, whole_pages):
    # The smallest sizes keep any accepted name inside the slot; a design with larger ones (here: every name at the
    # largest size) makes names outgrow it, and the diploma is drawn whole, the page below moved down.
    monkeypatch.setattr(rendering, "name_sizes", lambda names: dict.fromkeys(names, "xl"))
    diploma = make_diploma(**LONG_NAMES["extreme"])
    pdf = rendering.render_diploma_pdf(diploma)
    assert len(whole_pages) == 1 and form_xobjects(pdf) == 0
    path = tmp_path / "tall.pdf"
    path.write_bytes(pdf)
    text = "".join(pdftotext(path).split())
    assert "爱新觉罗玄烨明轩浩然宇航" in text and "STK-IAM-2026-000042" in text


def test_a_design_without_slots_is_rendered_whole(settings, tmp_path, built, whole_pages):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    folder = tmp_path / "diplomas" / "pdf"
    folder.mkdir(parents=True)
    (folder / "track_MECH.html").write_text(
        '{% extends "diplomas/pdf/default.html" %}'
        '{% block body %}<p class="lead">{{ names.latin }} · {{ hours }} h · {{ period }}</p>{% endblock %}'
    )
    _forget_templates()
    try:
        diploma = make_diploma()
        pdf = rendering.render_diploma_pdf(diploma)
    finally:
        _forget_templates()
    assert not built and len(whole_pages) == 1 and form_xobjects(pdf) == 0


def test_the_slots_are_measured_on_the_static_page():
    diploma = make_diploma()
    html = rendering.render_diploma_html(diploma, layer="static")
    assert 'data-slot="names"' in html and "Zhang" not in html and "STK-IAM" not in html and "<img" not in html
    layer = layers.static_layer("t", html, frozenset({"names", "completing", "hours", "period"}), rendering.engine())
    slots = {slot.name: slot for slot in layer.slots}
    px_per_mm = 96 / 25.4
    # The names' slot spans the text column (24 mm from each side) at its fixed height; the figures are one line.
    assert slots["names"].left == pytest.approx(24 * px_per_mm)
    assert slots["names"].width == pytest.approx(249 * px_per_mm)
    assert slots["names"].height == pytest.approx(31.4 * px_per_mm)
    assert slots["hours"].top == slots["period"].top > slots["names"].top + slots["names"].height
    # The line after the names, whose Russian agrees with the student's sex, is per student: one line, empty here.
    assert slots["completing"].top >= slots["names"].top + slots["names"].height
    assert slots["completing"].height == pytest.approx(10 * 96 / 72)
    assert "завершивш" not in html
    assert {slot.text_align for slot in slots.values()} == {"center"}

    variable = rendering.render_diploma_html(diploma, layer="variable", slots=layer.slots)
    for slot in layer.slots:
        assert f'style="{slot.style}"' in variable
    assert "Zhang" in variable and "Мехатроника" not in variable and "Nadezhda Popova" not in variable
    assert "успешно завершившему обучение" in variable  # the factory's student is male
    assert re.search(r"<title>STK-IAM-2026-000042", variable)


@needs_poppler
@pytest.mark.parametrize(("sex", "words"), [("M", "завершившему"), ("F", "завершившей"), ("", "завершившему(-ей)")])
def test_the_russian_sentence_agrees_with_the_student_s_sex_on_one_static_layer(tmp_path, built, sex, words):
    diploma = make_diploma(sex=sex)
    path = tmp_path / "diploma.pdf"
    path.write_bytes(rendering.render_diploma_pdf(diploma))
    text = " ".join(pdftotext(path).split())
    assert f"успешно {words} обучение по направлению" in text
    assert text.count("завершивш") == 1
    # The sex is in the student's slot, not on the static page: a student of the other sex shares the layer.
    other = EnrollmentFactory(
        cohort=diploma.enrollment.cohort,
        student=StudentFactory(home_institution=diploma.enrollment.student.home_institution, sex="F" if sex else "M"),
        admitted_on=diploma.enrollment.admitted_on,
        enrolled_on=diploma.enrollment.enrolled_on,
        completed_on=diploma.enrollment.completed_on,
    )
    second = DiplomaFactory(enrollment=other)
    second.number, second.issued_at = "STK-IAM-2026-000043", diploma.issued_at
    rendering.render_diploma_pdf(second)
    assert len(built) == 1


def test_another_pdf_variant_makes_another_static_layer(settings, built):
    from pyhanko.pdf_utils.reader import PdfFileReader

    diploma = make_diploma()
    rendering.render_diploma_pdf(diploma)
    settings.DIPLOMA_PDF_VARIANT = "pdf/a-2b"
    pdf = rendering.render_diploma_pdf(diploma)
    assert len(built) == 2 and built[0] == built[1]  # the same static HTML, laid out again for the other variant
    xmp = PdfFileReader(io.BytesIO(pdf)).root["/Metadata"].get_object().data.decode()
    assert re.search(r"pdfaid:part(>|=\")2", xmp)


def test_the_layered_file_keeps_what_pdf_a_asks_of_it():
    import pikepdf

    pdf = rendering.render_diploma_pdf(make_diploma())
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.trailer.ID) == 2  # the file identifier
        assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert b"pdfaid:part" in document.Root.Metadata.read_bytes()
        assert "/Encrypt" not in document.trailer
        (form,) = (x for x in document.pages[0].Resources.XObject.values() if x.Subtype == "/Form")
        # A plain form: no PostScript, no reference to another file, no transparency group to blend.
        assert not {"/PS", "/OPI", "/Ref", "/Group"} & set(form.keys())
        fonts = list(form.Resources.Font.values()) + list(document.pages[0].Resources.Font.values())
        for font in fonts:
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            assert "/FontFile3" in descendant.FontDescriptor or "/FontFile2" in descendant.FontDescriptor
        assert len({str(font.BaseFont) for font in fonts}) == len(fonts)  # each subset its own tag
