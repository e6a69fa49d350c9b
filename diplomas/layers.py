"""Documents drawn in two layers (docs/decisions/0015): what many documents share is laid out once per process, and
per document only its own parts (its *slots*) are laid out and drawn over it.

A document's template is rendered three ways: "page" (the whole document in one piece, the fallback and the
reference), "static" (every slot empty but keeping its size, so the page around it does not depend on the student)
and "variable" (only the slots, each where the static layer measured it). ``static_layer`` lays the static HTML out
once per process for each distinct static page and keeps it as a form XObject; ``StaticLayer.under`` lays out the
variable HTML, writes it as PDF/A and draws the static page beneath it. The diploma (``diplomas.rendering``) and the
transcript (``diplomas.transcripts.documents``) are drawn this way; each passes its own stylesheet.

A slot is an element with ``data-slot``: its height is a minimum (``min-height``, or a table's height), so content
too tall for it grows it, and the layered document is then refused (``under`` returns None) and drawn whole.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from diplomas import pdf_internals

if TYPE_CHECKING:
    import pikepdf  # imported where used

# How many static layers a process keeps: a batch goes cohort by cohort, so a worker needs one or two at a time (the
# diploma's and the transcript's); a few more let interleaved batches and the college's three tracks share. Each is a
# parsed one-page PDF of about 60 KB.
STATIC_LAYERS_KEPT = 12
# The most pages a static layer may have (a transcript of a long track); a longer document is rendered whole.
MAX_PAGES = 4
# CSS pixels a slot's content may exceed its measured height by (rounding) before the document is drawn whole.
_FIT_TOLERANCE = 0.5

_static_layers: OrderedDict[str, StaticLayer | None] = OrderedDict()
_static_layers_lock = threading.Lock()
# pikepdf (qpdf) objects are not safe to share between threads: copying from a kept layer holds this lock.
_pdf_lock = threading.Lock()


@dataclass(frozen=True)
class Slot:
    """Where a slot's element (``data-slot``) lies on the static page: its border box in CSS pixels."""

    name: str
    left: float
    top: float
    width: float
    height: float
    text_align: str
    page: int = 0  # the page it lies on, from 0 (a slot on every page, like a footer, is measured on each)

    @property
    def style(self) -> str:
        # Every digit of the measured floats (Python's shortest round-trip form): a slot moved by a thousandth of a
        # pixel can turn a glyph's edge pixel at 100 dpi.
        return f"left: {self.left!r}px; top: {self.top!r}px; width: {self.width!r}px; text-align: {self.text_align}"


@dataclass(frozen=True)
class Engine:
    """How a document's HTML becomes PDF/A: the renderer's (``diplomas.rendering.engine``) WeasyPrint with its
    fonts, the document's stylesheet and the configured PDF variant. ``key`` names all that decides the layout
    besides the HTML."""

    layout: Callable[[str], Any]  # HTML → a laid-out WeasyPrint document
    write: Callable[..., bytes]  # (document, *, attachments=()) → PDF/A bytes
    key: str


@dataclass(frozen=True)
class StaticLayer:
    forms: tuple[pikepdf.Object, ...]  # each static page as a form XObject of ``pdf``
    pdf: object  # pikepdf.Pdf, kept open for ``forms``
    slots: tuple[Slot, ...]
    engine: Engine

    @property
    def pages(self) -> list[list[Slot]]:
        """The slots page by page, for a variable layer of as many pages."""
        pages: list[list[Slot]] = [[] for _ in self.forms]
        for slot in self.slots:
            pages[slot.page].append(slot)
        return pages

    def under(self, variable_html: str, attachments=()) -> bytes | None:
        """The variable layer of ``variable_html`` as PDF/A with this layer beneath it, page by page, ``attachments``
        embedded; None when a slot's content outgrew its place or the pages do not match (the caller then renders the
        whole document)."""
        import pikepdf

        document = self.engine.layout(variable_html)
        if len(document.pages) != len(self.forms):
            return None
        measured = {(slot.page, slot.name): slot for slot in _measure_slots(document.pages)}
        for slot in self.slots:
            placed = measured.get((slot.page, slot.name))
            if placed is None or placed.height > slot.height + _FIT_TOLERANCE:
                return None
        variable = self.engine.write(document, attachments=attachments)
        out = io.BytesIO()
        with _pdf_lock, pikepdf.open(io.BytesIO(variable)) as pdf:
            for page, form in zip(pdf.pages, self.forms, strict=True):
                # rect=None: the whole page (pikepdf's default, which its .pyi does not declare).
                page.add_underlay(pdf.copy_foreign(form), rect=None)
            # The variable layer's streams are compressed already (``compress_streams_once``): copied as they are.
            pdf.save(
                out,
                compress_streams=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                recompress_flate=False,
                deterministic_id=True,
            )
        return out.getvalue()


def static_layer(template: str, html: str, needed: frozenset[str], engine: Engine) -> StaticLayer | None:
    """The static layer of ``html`` (the template rendered with ``layer="static"``), laid out on first use and kept
    per process under a hash of its HTML (with the template's name and the engine's key), so anything
    that changes the static page makes a new one; None (also kept) when its pages do not have exactly the ``needed``
    slots or are more than ``MAX_PAGES``."""
    if not all(f'data-slot="{name}"' in html for name in needed):
        return None  # a design without the slots: not worth laying out to find out
    key = hashlib.blake2b(f"{engine.key}\n{template}\n{html}".encode(), digest_size=16).hexdigest()
    with _static_layers_lock:
        if key in _static_layers:
            _static_layers.move_to_end(key)
            return _static_layers[key]
    layer = _build_static_layer(html, needed, engine)
    with _static_layers_lock:
        _static_layers[key] = layer
        while len(_static_layers) > STATIC_LAYERS_KEPT:
            _static_layers.popitem(last=False)
    return layer


def forget_static_layers() -> None:
    with _static_layers_lock:
        _static_layers.clear()


def _build_static_layer(html: str, needed: frozenset[str], engine: Engine) -> StaticLayer | None:
    import pikepdf

    document = engine.layout(html)
    if len(document.pages) > MAX_PAGES:
        return None
    slots = tuple(_measure_slots(document.pages))
    if {slot.name for slot in slots} != needed or not _each_once_or_on_every_page(slots, len(document.pages)):
        return None
    pdf = pikepdf.open(io.BytesIO(engine.write(document)))
    _retag_font_subsets(pdf)
    forms = tuple(page.as_form_xobject() for page in pdf.pages)
    return StaticLayer(forms=forms, pdf=pdf, slots=slots, engine=engine)


def _each_once_or_on_every_page(slots, pages: int) -> bool:
    """A slot lies on one page, or on every page as a running element does (the transcript's footer); one on some of
    the pages only is an element split by a page break, which the variable layer would draw twice."""
    counts: dict[str, int] = {}
    for slot in slots:
        counts[slot.name] = counts.get(slot.name, 0) + 1
    return all(count in (1, pages) for count in counts.values())


_SUBSET_TAG = re.compile(r"/([A-Z]{6})\+(.+)")
_ROT13 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "NOPQRSTUVWXYZABCDEFGHIJKLM")


def _retag_font_subsets(pdf) -> None:
    """Give the static layer's font subsets other tags than the variable layer's.

    WeasyPrint tags a subset ("ABCDEF+Mobility-Sans") by the font, not by the glyphs, so both layers' subsets of one
    font would carry one name, and PDF wants different subsets of a file to have different tags (ISO 32000-1, 9.6.4).
    ROT13 maps every letter to another, so the static tag always differs from the variable one.
    """
    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        for key in ("/BaseFont", "/FontName"):
            name = obj.get(key)
            match = _SUBSET_TAG.fullmatch(str(name)) if isinstance(name, pikepdf.Name) else None
            if match:
                obj[key] = pikepdf.Name(f"/{match[1].translate(_ROT13)}+{match[2]}")


def _measure_slots(pages):
    """Every ``data-slot`` element's first box on each laid-out WeasyPrint page, as a ``Slot`` of that page."""
    for number, page in enumerate(pages):
        for box in pdf_internals.element_boxes(page, "data-slot"):
            yield Slot(
                name=box.value,
                left=box.left,
                top=box.top,
                width=box.width,
                height=box.height,
                text_align=box.text_align,
                page=number,
            )
