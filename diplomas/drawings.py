"""A kept drawing (docs/decisions/0030): a page on which WeasyPrint drew one slot, read back as a content stream set
in the static layer's font subsets (``diplomas.layers.StaticLayer.compose`` makes and draws them).

Read with pikepdf's documented content-stream parser. WeasyPrint writes every font as a Type0 font with Identity-H
codes (two bytes a glyph, the font's glyph id: its subsets keep the ids) and a ToUnicode map of ``bfchar`` entries;
a page whose font or text is anything else is not made a drawing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf  # imported where used

SUBSET_TAG = re.compile(r"/([A-Z]{6})\+(.+)")

# Content-stream operators a kept drawing may use: text, its state, colours given in the device's space, the graphics
# state (named ``gs`` states are carried over) and paths. An image, a shading, a named colour space or marked content
# would need resources the drawing does not carry: such a slot stays in the variable layer.
_DRAWING_OPERATORS = frozenset(
    {
        *("q", "Q", "cm", "gs", "w", "J", "j", "M", "d", "ri", "i"),
        *("BT", "ET", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts", "Td", "TD", "Tm", "T*", "Tj", "TJ", "'", '"'),
        *("g", "G", "rg", "RG", "k", "K"),
        *("m", "l", "c", "v", "y", "h", "re", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "W", "W*"),
    }
)
_TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})


@dataclass(frozen=True)
class Drawing:
    """A slot's content drawn once (``StaticLayer.compose``): its page's content stream, in page coordinates, with the
    static layer's fonts named ``/K<i>`` (``Glyphs.fonts``' index) and its graphics states named by their values
    (``states``: name → the state's entries), so that drawings put together never name two things alike."""

    content: bytes
    fonts: frozenset[int]
    states: dict[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True)
class Glyphs:
    """The static layer's font subsets, which kept drawings (``Drawing``) are set in: per font (by its name without
    the subset tag), its dictionary in the static layer's PDF and the text of each glyph it holds (ToUnicode)."""

    names: tuple[str, ...]
    fonts: tuple[pikepdf.Object, ...]
    texts: tuple[dict[int, str], ...]


def drawing_of(page, glyphs: Glyphs, texts: dict[tuple[int, int], dict[int, str]] | None = None) -> Drawing | None:
    """The content of ``page`` (one slot drawn by WeasyPrint) as a ``Drawing`` in the static layer's fonts, or None
    when it draws anything but text and paths, or a glyph those subsets lack or give another text. ``texts`` keeps
    each font's ToUnicode map across the pages of one file."""
    import pikepdf

    texts = {} if texts is None else texts
    resources = page.obj.get("/Resources", pikepdf.Dictionary())
    page_fonts = resources.get("/Font", pikepdf.Dictionary())
    page_states = resources.get("/ExtGState", pikepdf.Dictionary())
    fonts: dict[str, int] = {}
    states: dict[str, tuple[tuple[str, float], ...]] = {}
    instructions = []
    font = None
    for instruction in pikepdf.parse_content_stream(page):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            return None  # an inline image
        operands, operator = list(instruction.operands), instruction.operator
        name = str(operator)
        if name not in _DRAWING_OPERATORS:
            return None
        if name == "Tf":
            resource = str(operands[0])
            if resource not in fonts:
                index = _static_font(page_fonts.get(resource), glyphs)
                if index is None:
                    return None
                fonts[resource] = index
            own = page_fonts[resource]
            if own.objgen not in texts:
                texts[own.objgen] = _unicode_map(own)
            font = (texts[own.objgen], fonts[resource])
            operands = [pikepdf.Name(f"/K{fonts[resource]}"), *operands[1:]]
        elif name == "gs":
            entries = _state_values(page_states.get(str(operands[0])))
            if entries is None:
                return None
            # Named by its entries ("/G-ca-1.0"): the same state has the same name in every drawing.
            state = "/G" + "".join(f"-{key[1:]}-{value!r}" for key, value in entries)
            states[state] = entries
            operands = [pikepdf.Name(state)]
        elif name in _TEXT_SHOWING and (font is None or not _glyphs_carried(operands, *font, glyphs)):
            return None
        instructions.append(pikepdf.ContentStreamInstruction(operands, operator))
    return Drawing(
        content=pikepdf.unparse_content_stream(instructions),
        fonts=frozenset(fonts.values()),
        states=states,
    )


def _static_font(font, glyphs: Glyphs) -> int | None:
    import pikepdf

    if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != pikepdf.Name.Type0:
        return None
    match = SUBSET_TAG.fullmatch(str(font.get("/BaseFont")))
    if match is None or match[2] not in glyphs.names:
        return None
    return glyphs.names.index(match[2])


def _state_values(state) -> tuple[tuple[str, float], ...] | None:
    """A ``gs`` state WeasyPrint writes for opacity (``/ca``, ``/CA``) as plain values, None for anything else."""
    import pikepdf

    if not isinstance(state, pikepdf.Dictionary):
        return None
    values = []
    for key, value in state.items():
        if key not in ("/ca", "/CA", "/Type") or (key != "/Type" and not isinstance(value, (int, float, Decimal))):
            return None
        if key != "/Type":
            values.append((key, float(value)))
    return tuple(sorted(values))


def _glyphs_carried(operands, own: dict[int, str], index: int, glyphs: Glyphs) -> bool:
    """Every glyph the text operator shows is in the static layer's font ``index`` with the text it has in the
    page's font (``own``: its ToUnicode map; a two-byte code each, Identity-H as WeasyPrint writes)."""
    import pikepdf

    carried = glyphs.texts[index]
    for operand in operands:
        parts = operand if isinstance(operand, pikepdf.Array) else [operand]
        for part in parts:
            if not isinstance(part, pikepdf.String):
                continue
            codes = bytes(part)
            if len(codes) % 2:
                return False
            for at in range(0, len(codes), 2):
                code = int.from_bytes(codes[at : at + 2], "big")
                if code not in carried or own.get(code) != carried[code]:
                    return False
    return True


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


def _unicode_map(font) -> dict[int, str]:
    """A Type0 font's ToUnicode map as WeasyPrint writes it (``bfchar`` entries, a two-byte code to UTF-16BE)."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    data = stream.read_bytes()
    if b"beginbfrange" in data:
        return {}  # not WeasyPrint's form: nothing is taken as carried
    return {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in _BFCHAR.findall(data)}


def glyphs_of(pdf) -> Glyphs:
    """The font subsets of the static layer's ``pdf`` (Type0, as WeasyPrint writes every font), one per font."""
    import pikepdf

    names: list[str] = []
    fonts, texts = [], []
    for page in pdf.pages:
        for font in page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font", pikepdf.Dictionary()).values():
            match = SUBSET_TAG.fullmatch(str(font.get("/BaseFont")))
            if match is None or match[2] in names or font.get("/Subtype") != pikepdf.Name.Type0:
                continue
            names.append(match[2])
            fonts.append(font)
            texts.append(_unicode_map(font))
    return Glyphs(names=tuple(names), fonts=tuple(fonts), texts=tuple(texts))
