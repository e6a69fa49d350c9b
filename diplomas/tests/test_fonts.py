"""The compact diploma font: what it holds, that it is what pages use, and that a character it lacks still prints."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont

from diplomas import fonts, rendering
from diplomas.tests.test_rendering import make_diploma, needs_poppler, pdftotext, screenshot, write_pdf

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "diplomas" / "pdf"


@pytest.fixture(scope="module")
def compact():
    path = fonts.compact_font()
    assert path is not None, "the compact font could not be built: is fonts-noto-cjk installed?"
    font = TTFont(path)
    yield path, font.getBestCmap(), font
    font.close()


def test_it_is_cached_under_the_font_dir_and_keeps_glyph_ids_low(compact):
    path, cmap, font = compact
    assert path.parent == Path(settings.DIPLOMA_FONT_DIR)
    assert re.fullmatch(r"mobility-sans-[0-9a-f]{16}\.otf", path.name)
    # The point of the font: WeasyPrint keeps glyph ids when it subsets, so the highest id used sets the cost.
    assert font["maxp"].numGlyphs < 8000
    assert max(font.getGlyphID(name) for name in cmap.values()) < 8000


def test_it_holds_gb2312_pinyin_cyrillic_and_every_character_of_the_designs(compact):
    _, cmap, _ = compact
    han = fonts.gb2312_han()
    assert len(han) == 6763 and han <= cmap.keys()
    for text in ("Lǚ Xīngchén", "Zhāng Wěi", "Чжан Вэй-Линь", "Ёлкина", "№ STK-IAM-2026-000042", "«СТАНКИН» – ·"):
        assert {ord(char) for char in text} <= cmap.keys(), text
    wording = {ord(char) for path in TEMPLATES.glob("*") for char in path.read_text() if ord(char) > 0x7F}
    assert wording <= cmap.keys(), "".join(sorted(chr(point) for point in wording - cmap.keys()))
    assert ord("玥") not in cmap  # GB 18030 only: drawn by the full font (next test)


@needs_poppler
def test_a_character_outside_the_compact_font_is_drawn_by_noto_sans_cjk(tmp_path):
    diploma = make_diploma(family_name_han="王", given_name_han="玥", given_name_latin="Yue", given_name_cyrillic="Юэ")
    path = write_pdf(tmp_path, rendering.render_diploma_pdf(diploma))
    assert "王玥" in "".join(pdftotext(path).split())
    listed = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout.decode().splitlines()[2:]
    # The compact font on both layers (the cohort's static one and the student's), Noto Sans CJK SC for 玥 alone.
    names = sorted(line.split()[0].split("+", 1)[1] for line in listed)
    assert names == ["Mobility-Sans", "Mobility-Sans", "Noto-Sans-CJK-SC"]
    assert all(line.split()[-5] == "yes" for line in listed)  # both embedded
    screenshot(path, "diploma-rare-han")


def test_without_its_source_font_there_is_no_compact_font_and_no_rule(monkeypatch):
    monkeypatch.setattr(fonts, "source_font", lambda: None)
    fonts.reset()
    try:
        assert fonts.compact_font() is None
        assert rendering.compact_font_rules() == ""
    finally:
        fonts.reset()


def test_the_stylesheet_puts_the_compact_font_before_noto_sans_cjk(compact):
    path, _, _ = compact
    rules = rendering.compact_font_rules()
    assert path.as_uri() in rules
    assert '"Mobility Sans", "Noto Sans CJK SC"' in rules


def test_the_setup_command_prints_the_path(compact):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("diploma_fonts", stdout=out)
    assert out.getvalue().strip() == str(compact[0])
