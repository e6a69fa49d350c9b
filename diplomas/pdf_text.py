"""The text of a PDF's pages, read with pikepdf (qpdf): enough to find a diploma's number in a copy someone uploads.

pdftotext is not on the production servers and pikepdf has no text extraction, so this reads what a diploma's
text needs and no more: the strings shown by ``Tj``, ``TJ``, ``'`` and ``"`` in the page content and in the form
XObjects it draws, each mapped to Unicode by its font's ``ToUnicode`` CMap (two-byte codes for composite fonts,
one-byte for simple ones; a simple font without a CMap is read as Latin-1). Positions, order on the page and
spacing are ignored: the caller searches for a token in the text with the white space taken out.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Imported where used (as in rendering.py): loading pikepdf logs a line, which a start-up must not print.
    import pikepdf

# How deep form XObjects may nest, and how many operators are read in all: a hostile file cannot keep us busy.
MAX_DEPTH = 8
MAX_OPERATORS = 200_000

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_RANGE_LINE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode("ascii")).decode("utf-16-be", errors="replace")


def parse_cmap(data: bytes) -> dict[int, str]:
    """A ``ToUnicode`` CMap's ``bfchar`` and ``bfrange`` entries as code → text."""
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        values = _HEX.findall(block)
        for code, text in zip(values[0::2], values[1::2], strict=False):
            mapping[int(code, 16)] = _utf16(text)
    for block in _BFRANGE.findall(data):
        for low, high, target in _RANGE_LINE.findall(block):
            start, end = int(low, 16), int(high, 16)
            if end - start > 0xFFFF:
                continue
            if target.startswith(b"["):
                for offset, text in enumerate(_HEX.findall(target)):
                    mapping[start + offset] = _utf16(text)
            else:
                base = bytes.fromhex(target[1:-1].decode("ascii"))
                for offset in range(end - start + 1):
                    last = int.from_bytes(base[-2:], "big") + offset
                    mapping[start + offset] = (base[:-2] + last.to_bytes(2, "big")).decode(
                        "utf-16-be", errors="replace"
                    )
    return mapping


class _Font:
    def __init__(self, font: pikepdf.Object):
        import pikepdf

        self.width = 2 if font.get("/Subtype") == "/Type0" else 1
        self.mapping: dict[int, str] | None = None
        to_unicode = font.get("/ToUnicode")
        if isinstance(to_unicode, pikepdf.Stream):
            self.mapping = parse_cmap(to_unicode.read_bytes())

    def decode(self, data: bytes) -> str:
        if self.mapping is None:
            return data.decode("latin-1")
        step = self.width
        return "".join(
            self.mapping.get(int.from_bytes(data[i : i + step], "big"), "") for i in range(0, len(data), step)
        )


class _Reader:
    def __init__(self):
        self.parts: list[str] = []
        self.operators = 0

    def read(self, container: pikepdf.Object, resources: pikepdf.Object | None, depth: int) -> None:
        import pikepdf

        if depth > MAX_DEPTH or self.operators > MAX_OPERATORS:
            return
        fonts: dict[str, _Font] = {}
        font: _Font | None = None
        for instruction in pikepdf.parse_content_stream(container):
            operands, operator = instruction.operands, instruction.operator
            self.operators += 1
            if self.operators > MAX_OPERATORS:
                return
            name = str(operator)
            if name == "Tf" and resources is not None:
                key = str(operands[0])
                if key not in fonts:
                    candidate = resources["/Font"].get(key) if "/Font" in resources else None
                    fonts[key] = _Font(candidate if candidate is not None else pikepdf.Dictionary())
                font = fonts[key]
            elif name in ("Tj", "'", '"', "TJ") and font is not None:
                for operand in operands:
                    items = operand if isinstance(operand, pikepdf.Array) else [operand]
                    for item in items:
                        if isinstance(item, pikepdf.String):
                            self.parts.append(font.decode(bytes(item)))
            elif name == "Do" and resources is not None and "/XObject" in resources:
                xobject = resources["/XObject"].get(str(operands[0]))
                if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                    self.read(xobject, xobject.get("/Resources", resources), depth + 1)


def pdf_text(pdf: pikepdf.Pdf) -> str:
    """The text shown on the pages of ``pdf``, joined without separators."""
    reader = _Reader()
    for page in pdf.pages:
        try:
            resources = page.resources  # inherited from the page tree when the page has none of its own
        except (AttributeError, KeyError, TypeError):
            resources = None
        reader.read(page.obj, resources, 0)
    return "".join(reader.parts)


def pdf_bytes_text(data: bytes) -> str:
    """The text of the PDF file ``data`` (``pdf_text``); ``pikepdf.PdfError`` and the like when it cannot be read."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as document:
        return pdf_text(document)
