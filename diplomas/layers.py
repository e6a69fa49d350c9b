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

A slot whose content many documents share (a transcript's grades, dates and attempts) need not be laid out for each
of them (docs/decisions/0030): ``StaticLayer.compose`` lays such a slot out the first time a document of the layer
shows its content, on a page of its own in the same layout as the variable layer, keeps that page's content stream as
a drawing, and draws the drawing for every later document that shows the same content. A kept drawing's text is set
in the static layer's own font subsets, which every document of the layer embeds anyway; a drawing is kept only when
each of its glyphs is in those subsets with the same text, else its slot stays in the variable layer.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from diplomas import drawings, pdf_internals
from diplomas.drawings import SUBSET_TAG, Drawing, Glyphs

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

# Kept drawings per static layer: a cohort's transcripts show a few hundred contents (each row's grade with its score,
# its date and attempts); a drawing is one or two kilobytes.
DRAWINGS_KEPT = 4096
# A content is drawn to be kept the KEEP_AFTER-th time a document of the layer shows it; before, it is laid out in the
# variable layer and counted. Making a drawing costs a little more than laying the slot out (a page of its own, its
# content stream read back), so a content shown once, as many are in a small cohort, is never made one.
KEEP_AFTER = 2
CONTENTS_COUNTED = 16384
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
    glyphs: Glyphs | None = None
    # Kept drawings by (page, slot HTML); None for a content that cannot be kept (drawn in the variable layer).
    drawings: OrderedDict[tuple[int, str], Drawing | None] = field(default_factory=OrderedDict, compare=False)
    # How many times each content without a drawing was shown (``KEEP_AFTER``).
    shown: OrderedDict[tuple[int, str], int] = field(default_factory=OrderedDict, compare=False)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

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
        return self._layered(self.engine.layout(variable_html), [], [], attachments)[0]

    def compose(
        self,
        pieces: Sequence[tuple[Slot, str]],
        shared: Callable[[Slot], bool],
        pages_html: Callable[[Sequence[tuple[Slot, str]]], str],
        attachments=(),
    ) -> bytes | None:
        """The document of ``pieces`` (each slot with its HTML as the variable layer draws it) as PDF/A with this layer
        beneath it, like ``under``, its ``shared`` slots drawn from the drawings kept (decision 0030).

        A shared slot whose content has no drawing yet is laid out in the variable layer and counted; the
        ``KEEP_AFTER``-th time, it is laid out on a page of its own after the document's pages, in the same layout as
        the variable layer (``pages_html``: the variable HTML of the pieces given, each on the page its slot names),
        kept as a drawing and drawn like the kept ones; that page is then dropped. A content whose drawing cannot be
        kept (a glyph the static layer's subsets lack) is remembered and laid out in the variable layer."""
        refused: set[tuple[int, str]] = set()
        while True:
            drawn: list[tuple[Slot, Drawing]] = []
            new: list[tuple[Slot, str]] = []
            own: list[tuple[Slot, str]] = []
            with self.lock:
                for slot, html in pieces:
                    key = (slot.page, html)
                    kept = self.drawings.get(key)
                    known_refused = key in refused or (key in self.drawings and kept is None)
                    if self.glyphs is None or not shared(slot) or known_refused:
                        own.append((slot, html))
                    elif kept is not None:
                        self.drawings.move_to_end(key)
                        drawn.append((slot, kept))
                    elif self._shown_enough(key):
                        new.append((slot, html))
                    else:
                        own.append((slot, html))
            extra = [(replace(slot, page=len(self.forms) + n), html) for n, (slot, html) in enumerate(new)]
            document = self.engine.layout(pages_html([*own, *extra]))
            pdf, newly_refused = self._layered(document, drawn, new, attachments)
            if not newly_refused:
                return pdf
            refused |= newly_refused  # laid out again, those contents in the variable layer

    def _shown_enough(self, key: tuple[int, str]) -> bool:
        """Count one more showing of a content without a drawing: whether it is to be made one now. Under the lock."""
        shown = self.shown.pop(key, 0) + 1
        if shown >= KEEP_AFTER:
            return True
        self.shown[key] = shown
        while len(self.shown) > CONTENTS_COUNTED:
            self.shown.popitem(last=False)
        return False

    def _layered(self, document, drawn, new, attachments) -> tuple[bytes | None, set[tuple[int, str]]]:
        """The laid-out variable ``document`` written with this layer beneath each of its pages and the ``drawn``
        slots between the two; its pages past the layer's are the ``new`` shared slots, one each, kept as drawings
        and drawn likewise, then dropped. With the contents of ``new`` whose drawing cannot be kept (remembered as
        refused; the file is then None). None too when a slot's content outgrew its place or the pages do not
        match."""
        import pikepdf

        pages = len(self.forms)
        if len(document.pages) != pages + len(new):
            return None, set()
        measured = {(slot.page, slot.name): slot for slot in _measure_slots(document.pages)}
        elsewhere = {(slot.page, slot.name) for slot, _ in (*drawn, *new)}
        for slot in self.slots:
            placed = measured.get((slot.page, slot.name))
            if (slot.page, slot.name) in elsewhere:
                if placed is not None:
                    return None, set()  # drawn twice
                continue
            if placed is None or placed.height > slot.height + _FIT_TOLERANCE:
                return None, set()
        for number, (slot, _) in enumerate(new, start=pages):
            placed = measured.get((number, slot.name))
            if placed is None or placed.height > slot.height + _FIT_TOLERANCE:
                return None, set()
        variable = self.engine.write(document, attachments=attachments)
        out = io.BytesIO()
        with _pdf_lock, pikepdf.open(io.BytesIO(variable)) as pdf:
            if new:
                assert self.glyphs is not None  # only a layer that keeps drawings has new ones
                texts: dict[tuple[int, int], dict[int, str]] = {}  # each font's ToUnicode, read once
                made = [drawings.drawing_of(page, self.glyphs, texts) for page in pdf.pages[pages:]]
                with self.lock:
                    for (slot, html), drawing in zip(new, made, strict=True):
                        self.drawings[(slot.page, html)] = drawing
                    while len(self.drawings) > DRAWINGS_KEPT:
                        self.drawings.popitem(last=False)
                refused = {
                    (slot.page, html) for (slot, html), made_one in zip(new, made, strict=True) if made_one is None
                }
                if refused:
                    return None, refused
                drawn = [*drawn, *((slot, drawing) for (slot, _), drawing in zip(new, made, strict=True))]
                del pdf.pages[pages:]
            for number, (page, form) in enumerate(zip(pdf.pages, self.forms, strict=True)):
                on_page = [drawing for slot, drawing in drawn if slot.page == number]
                # Underlays go beneath what is there: the drawings first, then the static page beneath them.
                # rect=None: the whole page (pikepdf's default, which its .pyi does not declare).
                if on_page:
                    page.add_underlay(self._drawings_form(pdf, on_page, form), rect=None)
                page.add_underlay(pdf.copy_foreign(form), rect=None)
            # The variable layer's streams are compressed already (``compress_streams_once``): copied as they are.
            pdf.save(
                out,
                compress_streams=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                recompress_flate=False,
                deterministic_id=True,
            )
        return out.getvalue(), set()

    def _drawings_form(self, pdf, drawings: Sequence[Drawing], static_form):
        """One form XObject of ``pdf`` drawing ``drawings``, with the static layer's fonts (the objects the static page
        uses: ``copy_foreign`` copies each into ``pdf`` once)."""
        import pikepdf

        assert self.glyphs is not None  # a drawing is kept only by a layer that keeps drawings
        fonts = sorted(set().union(*(drawing.fonts for drawing in drawings)))
        states = {name: entries for drawing in drawings for name, entries in drawing.states.items()}
        resources = pikepdf.Dictionary(
            Font=pikepdf.Dictionary({f"/K{i}": pdf.copy_foreign(self.glyphs.fonts[i]) for i in fonts}),
            ExtGState=pikepdf.Dictionary({name: pikepdf.Dictionary(dict(entries)) for name, entries in states.items()}),
        )
        content = b"".join(b"q\n" + drawing.content + b"\nQ\n" for drawing in drawings)
        return pdf.make_stream(
            content,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=pikepdf.Array(list(static_form.BBox)),
            Resources=resources,
        )


def static_layer(
    template: str, html: str, needed: frozenset[str], engine: Engine, *, keeps_drawings: bool = False
) -> StaticLayer | None:
    """The static layer of ``html`` (the template rendered with ``layer="static"``), laid out on first use and kept
    per process under a hash of its HTML (with the template's name and the engine's key), so anything that changes
    the static page makes a new one; None (also kept) when its pages do not have exactly the ``needed`` slots or are
    more than ``MAX_PAGES``. ``keeps_drawings``: the layer keeps drawings of shared slots (``StaticLayer.compose``)."""
    if not all(f'data-slot="{name}"' in html for name in needed):
        return None  # a design without the slots: not worth laying out to find out
    key = hashlib.blake2b(f"{engine.key}\n{template}\n{html}\n{keeps_drawings}".encode(), digest_size=16).hexdigest()
    with _static_layers_lock:
        if key in _static_layers:
            _static_layers.move_to_end(key)
            return _static_layers[key]
    layer = _build_static_layer(html, needed, engine, keeps_drawings)
    with _static_layers_lock:
        _static_layers[key] = layer
        while len(_static_layers) > STATIC_LAYERS_KEPT:
            _static_layers.popitem(last=False)
    return layer


def forget_static_layers() -> None:
    with _static_layers_lock:
        _static_layers.clear()


def _build_static_layer(
    html: str, needed: frozenset[str], engine: Engine, keeps_drawings: bool = False
) -> StaticLayer | None:
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
    glyphs = drawings.glyphs_of(pdf) if keeps_drawings else None
    return StaticLayer(forms=forms, pdf=pdf, slots=slots, engine=engine, glyphs=glyphs)


def _each_once_or_on_every_page(slots, pages: int) -> bool:
    """A slot lies on one page, or on every page as a running element does (the transcript's footer); one on some of
    the pages only is an element split by a page break, which the variable layer would draw twice."""
    counts: dict[str, int] = {}
    for slot in slots:
        counts[slot.name] = counts.get(slot.name, 0) + 1
    return all(count in (1, pages) for count in counts.values())


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
            match = SUBSET_TAG.fullmatch(str(name)) if isinstance(name, pikepdf.Name) else None
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
