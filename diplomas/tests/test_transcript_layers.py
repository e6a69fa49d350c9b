"""The transcript drawn in layers (diplomas.layers): the static page of a cohort's transcripts laid out once, each
student's slots (number, dates, QR code, names, each row's grade, date and attempts, the address, the footer) over it.

The layered file must look exactly like the whole page rendered in one piece, for ordinary, long and extreme names
and for a row not passed; transcripts share a static layer only when their static page is the same; and whatever the
layers cannot draw faithfully (names too long for their slot, several pages) comes out as the whole page.
"""

import datetime
import io
import re
import subprocess

import pikepdf
import pytest
from django.utils import timezone
from PIL import Image

from diplomas import drawings, layers, rendering
from diplomas.designs.selectors import for_issue
from diplomas.tests.test_layers import form_xobjects, raster
from diplomas.tests.test_rendering import LONG_NAMES, needs_poppler, pdftotext
from diplomas.tests.test_transcripts import enrollment  # noqa: F401 (a fixture)
from diplomas.transcripts import documents, selectors
from diplomas.transcripts.models import Transcript
from programs.tests.factories import ModuleFactory
from students.models import ModuleResult
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

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


def transcript_of(student_enrollment, number="STK-IAM-T-2026-000007") -> Transcript:
    now = timezone.make_aware(datetime.datetime(2026, 12, 25, 11, 0))
    design, signatories = for_issue("transcript", now)
    return Transcript(
        enrollment=student_enrollment,
        number=number,
        verification_code=f"code{number[-6:]}",
        issued_at=now,
        design=design,
        signatories=signatories,
    )


def context_of(transcript: Transcript) -> dict:
    return documents.transcript_context(transcript, selectors.transcript_enrollment(pk=transcript.enrollment_id))


def whole(context: dict) -> bytes:
    return rendering.html_to_pdf(documents._html(context, "page"), stylesheet_name=documents.STYLESHEET)


def set_names(student, fields: dict) -> None:
    for field, value in fields.items():
        setattr(student, field, value)
    student.save()


@needs_poppler
@pytest.mark.parametrize("case", ["ordinary", "long", "extreme"])
def test_the_layered_transcript_looks_exactly_like_the_whole_page(tmp_path, enrollment, case):  # noqa: F811
    from PIL import ImageChops

    set_names(enrollment.student, LONG_NAMES.get(case, {}))
    failed = ModuleFactory(track=enrollment.track, code="MECH-09", title_en="Hydraulics", order=9)
    ModuleResultFactory(enrollment=enrollment, module=failed, score=31, grade=ModuleResult.Grade.UNSATISFACTORY)
    context = context_of(transcript_of(enrollment))
    assert [row["passed"] for row in context["rows"]] == [True, True, True, False]  # a grey row among them

    pdf = documents.context_pdf(context)
    reference = whole(context)
    # Ordinary, long and extreme names fit their slot (the extreme ones a size smaller): drawn in layers.
    assert form_xobjects(pdf) >= 1
    assert form_xobjects(reference) == 0
    difference = ImageChops.difference(raster(tmp_path, pdf, "layered"), raster(tmp_path, reference, "whole"))
    assert difference.getbbox() is None, f"the layers differ from the whole page in {difference.getbbox()}"

    path = tmp_path / "layered.pdf"
    path.write_bytes(pdf)
    text = " ".join(pdftotext(path).split())
    student = enrollment.student
    for expected in ("STK-IAM-T-2026-000007", "2 (unsatisfactory)", "31", "Hydraulics"):
        assert expected in text, expected
    assert student.full_name_han in text.replace(" ", "")  # spaced out: pdftotext may give the spacing back
    assert student.full_name_latin in text and student.full_name_cyrillic in text


def test_one_static_layer_per_static_page(enrollment, built):  # noqa: F811
    documents.context_pdf(context_of(transcript_of(enrollment)))
    assert len(built) == 1
    assert "Li Na" not in built[0] and "000007" not in built[0] and "92" not in built[0]

    # Another student of the cohort with results in the same modules, other grades, dates and number: the same page.
    other = EnrollmentFactory(
        cohort=enrollment.cohort,
        student=StudentFactory(home_institution=enrollment.student.home_institution, family_name_latin="Wang"),
        status="enrolled",
    )
    for row in selectors.transcript_rows(enrollment=enrollment):
        ModuleResultFactory(
            enrollment=other,
            module=row.module,
            score=None if row.result.score is None else row.result.score - 1,
            grade=row.result.grade,
            source=row.result.source,
            assessed_on=datetime.date(2026, 9, 1),
        )
    documents.context_pdf(context_of(transcript_of(other, number="STK-IAM-T-2026-000008")))
    assert len(built) == 1

    # A module not passed adds a grey row that counts in no total: another static page.
    failed = ModuleFactory(track=enrollment.track, code="MECH-09", order=9)
    ModuleResultFactory(enrollment=other, module=failed, score=20, grade=ModuleResult.Grade.UNSATISFACTORY)
    documents.context_pdf(context_of(transcript_of(other, number="STK-IAM-T-2026-000009")))
    assert len(built) == 2 and 'class="not-passed"' in built[1]


@pytest.fixture
def drawn(monkeypatch):
    """Every shared slot's page made into a drawing to keep (``drawings.drawing_of``), as the page."""
    calls = []
    original = drawings.drawing_of

    def recording(page, glyphs, texts=None):
        calls.append(page)
        return original(page, glyphs, texts)

    monkeypatch.setattr(drawings, "drawing_of", recording)
    return calls


def layer_of(context: dict) -> layers.StaticLayer:
    layer = layers.static_layer(
        documents.TEMPLATE,
        documents._html(context, "static"),
        documents.slots_needed(context),
        rendering.engine(documents.STYLESHEET),
        keeps_drawings=True,
    )
    assert layer is not None
    return layer


SHARED = ["issued", *(f"{kind}-{n}" for n in (1, 2, 3) for kind in ("grade", "date", "attempts"))]


def subset_tags(path) -> list[str]:
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout.decode().splitlines()
    return [line.split()[0].split("+", 1)[0] for line in lines[2:]]


@needs_poppler
def test_shared_slots_are_drawn_once_kept_and_look_the_same(tmp_path, enrollment, drawn, monkeypatch):  # noqa: F811
    from PIL import ImageChops

    monkeypatch.setattr(layers, "KEEP_AFTER", 2)
    context = context_of(transcript_of(enrollment))
    reference = raster(tmp_path, whole(context), "whole")
    first = documents.context_pdf(context)
    assert drawn == []  # shown once: laid out in the variable layer, counted
    second = documents.context_pdf(context)
    # Shown again: each on a page of its own after the document's, in the variable layer's layout, made a drawing.
    assert len(drawn) == len(SHARED)
    kept = layer_of(context).drawings
    assert len(kept) == len(SHARED)
    # Set in the static page's own subsets: the grades, dates and attempts are kept; the date of issue is not, for
    # the static page has no month's name (its glyphs are not in its subsets): it is laid out in the variable layer.
    refused = [html for (_page, html), drawing in kept.items() if drawing is None]
    assert len(refused) == 1 and 'data-slot="issued"' in refused[0]
    third = documents.context_pdf(context)
    assert len(drawn) == len(SHARED)  # kept: nothing drawn again
    assert form_xobjects(first) == 1 and form_xobjects(second) == form_xobjects(third) == 2  # + the drawings
    for name, pdf in (("first", first), ("second", second), ("third", third)):
        difference = ImageChops.difference(raster(tmp_path, pdf, name), reference)
        assert difference.getbbox() is None, f"{name}: the layers differ from the whole page in {difference.getbbox()}"
        with pikepdf.open(io.BytesIO(pdf)) as document:
            assert len(document.pages) == 1  # the drawings' own pages are dropped
    # The kept drawings' text reads as the whole page's, in the three languages; the drawings add no font: each
    # layer's subsets are embedded once, under tags of their own.
    path = tmp_path / "third.pdf"
    text = " ".join(pdftotext(path).split())
    for expected in ("5 (отлично) (92)", "5 (excellent)", "5（优秀）", "20.06.2026", "Date of issue", "2026年12月25日"):
        assert expected in text, expected
    tags = subset_tags(path)
    assert len(tags) == len(set(tags)) >= 2, tags  # the static and the variable layers' subsets, each once

    # Another student with another score in one module: that grade is laid out in the variable layer (shown once),
    # the rest drawn from what is kept.
    first_row = selectors.transcript_rows(enrollment=enrollment)[0].result
    first_row.score += 1
    first_row.save()
    other = context_of(transcript_of(enrollment, number="STK-IAM-T-2026-000008"))
    fourth = documents.context_pdf(other)
    assert len(drawn) == len(SHARED) and form_xobjects(fourth) == 2
    difference = ImageChops.difference(raster(tmp_path, fourth, "fourth"), raster(tmp_path, whole(other), "whole-4"))
    assert difference.getbbox() is None


@needs_poppler
def test_drawings_made_at_first_sight_look_the_same(tmp_path, enrollment, drawn):  # noqa: F811
    from PIL import ImageChops

    context = context_of(transcript_of(enrollment))  # KEEP_AFTER is 1 in these tests (conftest.py)
    pdf = documents.context_pdf(context)
    assert len(drawn) == len(SHARED) and form_xobjects(pdf) == 2
    difference = ImageChops.difference(raster(tmp_path, pdf, "layered"), raster(tmp_path, whole(context), "whole"))
    assert difference.getbbox() is None


def test_a_drawing_carries_only_text_paths_and_opacity():
    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.obj.Contents = pdf.make_stream(b"q 1 0 0 1 0 0 cm /Im0 Do Q")
    glyphs = drawings.Glyphs(names=("Mobility-Sans",), fonts=(pikepdf.Dictionary(),), texts=({},))
    assert drawings.drawing_of(page, glyphs) is None  # an image needs a resource a drawing does not carry
    page.obj.Contents = pdf.make_stream(b"q 0.5 0.5 0.5 rg 0 0 10 10 re f Q")
    drawing = drawings.drawing_of(page, glyphs)
    assert drawing is not None and drawing.fonts == frozenset() and b"re" in drawing.content


def add_modules(to, count: int) -> None:
    """``count`` more modules with long trilingual titles, each passed, as a real track's (ten to twelve of them run
    the transcript over two pages)."""
    for n in range(count):
        module = ModuleFactory(
            track=to.track,
            code=f"MECH-{20 + n}",
            title_ru=f"Электропривод и сервосистемы мехатронных модулей, часть {n}",
            title_en=f"Electric drives and servo systems of mechatronic modules, part {n}",
            title_zh=f"机电模块的电气传动与伺服系统（第{n}部分）",
            order=20 + n,
        )
        ModuleResultFactory(enrollment=to, module=module, score=60 + n, grade=ModuleResult.Grade.SATISFACTORY)


@needs_poppler
def test_a_transcript_of_two_pages_is_drawn_in_layers_page_by_page(tmp_path, enrollment, built):  # noqa: F811
    from PIL import ImageChops

    add_modules(enrollment, 6)
    context = context_of(transcript_of(enrollment))
    pdf = documents.context_pdf(context)
    reference = whole(context)
    assert len(built) == 1 and form_xobjects(pdf) >= 1  # drawn in layers
    for name, document in (("layered", pdf), ("whole", reference)):
        (tmp_path / f"{name}.pdf").write_bytes(document)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True
        )
    pages = sorted(path.name.removeprefix("whole") for path in tmp_path.glob("whole-*.png"))
    assert len(pages) == 2
    for page in pages:
        layered, drawn = (Image.open(tmp_path / f"{name}{page}").convert("RGB") for name in ("layered", "whole"))
        difference = ImageChops.difference(layered, drawn)
        assert difference.getbbox() is None, f"page {page}: the layers differ in {difference.getbbox()}"
    # The footer is on both pages, with the student's name and the address.
    text = pdftotext(tmp_path / "layered.pdf").split("\f")
    assert all(context["verification_url"] in page and "Li Na" in page for page in text[:2])
    assert re.search(r"\b2 ?/ ?2\b", text[1])


def test_a_transcript_longer_than_a_static_layer_may_be_is_drawn_whole(enrollment, built, monkeypatch):  # noqa: F811
    add_modules(enrollment, 6)
    monkeypatch.setattr(layers, "MAX_PAGES", 1)
    pdf = documents.context_pdf(context_of(transcript_of(enrollment)))
    assert len(built) == 1 and form_xobjects(pdf) == 0  # laid out once, found too long, drawn whole


def test_the_variable_layer_holds_only_the_student_s_slots(enrollment):  # noqa: F811
    context = context_of(transcript_of(enrollment))
    static = layers.static_layer(
        documents.TEMPLATE,
        documents._html(context, "static"),
        documents.slots_needed(context),
        rendering.engine(documents.STYLESHEET),
    )
    assert {slot.name for slot in static.slots} == {
        "number", "issued", "qr", "names", "url", "footer",
        "grade-1", "date-1", "attempts-1", "grade-2", "date-2", "attempts-2", "grade-3", "date-3", "attempts-3",
    }  # fmt: skip
    variable = documents._html(context, "variable", static.slots)
    assert "Li Na" in variable and "Foundations of robotics" not in variable and "Grading scale" not in variable


def test_names_too_long_for_their_slot_make_a_whole_transcript(enrollment):  # noqa: F811
    # As long as the form takes (128 characters a field), far past one line at the smallest size.
    set_names(enrollment.student, {"given_name_latin": "Alexandrina " * 10, "given_name_cyrillic": "Александрина " * 9})
    context = context_of(transcript_of(enrollment))
    assert context["name_size"] == "smallest"
    pdf = documents.context_pdf(context)
    assert form_xobjects(pdf) == 0  # the names wrapped past their slot: the whole page, nothing cut or overlapping


def test_a_layer_keeps_at_most_drawings_kept_and_draws_the_rest_again(enrollment, drawn, monkeypatch):  # noqa: F811
    monkeypatch.setattr(layers, "DRAWINGS_KEPT", 4)
    context = context_of(transcript_of(enrollment))
    first = documents.context_pdf(context)
    kept = layer_of(context).drawings
    assert len(kept) == 4  # the least recently used went
    documents.context_pdf(context)
    assert len(drawn) > len(SHARED)  # those that went are drawn again, the four kept are not
    assert len(kept) == 4 and form_xobjects(first) == 2
