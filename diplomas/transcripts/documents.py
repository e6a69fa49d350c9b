"""The transcript as a document: a trilingual A4 portrait PDF/A (``templates/diplomas/pdf/transcript.html`` with its
own stylesheet, ``transcript.css``), drawn by the diplomas' renderer (``diplomas.rendering.html_to_pdf``: the same
font configuration, compact font and PDF/A variant). As long as its modules need: the table's header repeats on every
page, and each page is numbered "1 / 2".

Pure: ``render_transcript_pdf`` reads the transcript's enrollment and results and returns the unsigned PDF; signing
(``diplomas.signing.sign_pdf``) and storing are the services'. The page is written in Russian, English and Chinese at
once: the fixed wording is in the template, the model's labels (kinds of assessment, grades) are taken in each
language here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from diplomas import layers, rendering
from diplomas.papers.documents import score_text
from diplomas.wording import date_en, date_ru, date_zh
from programs.models import Module
from students.models import Enrollment, ModuleResult

from . import selectors
from .models import Transcript

TEMPLATE = "diplomas/pdf/transcript.html"
STYLESHEET = "diplomas/pdf/transcript.css"
SIGNATURE_REASON = "Transcript of records issued by the international office"
RECOGNISED_MARK = "†"
G = ModuleResult.Grade
LANGUAGES = {"ru": "ru", "en": "en", "zh": "zh-hans"}


def in_three(label) -> dict[str, str]:
    """A lazy gettext label (a model choice's) in Russian, English and Chinese."""
    out = {}
    for key, code in LANGUAGES.items():
        with translation.override(code):
            out[key] = str(label)
    return out


@cache
def choice_in_three(choices: type, value: str) -> dict[str, str]:
    """The label of a model choice (``choices(value)``) in the three languages, translated once per process: a
    transcript shows one per row and column, and switching the language three times costs about 0.1 ms."""
    return in_three(choices(value).label)


def _scale(track) -> list[dict]:
    """The track's grading scale: each grade in three languages with the scores it takes."""
    pass_, good, excellent = (
        score_text(track.pass_score),
        score_text(track.good_score),
        score_text(track.excellent_score),
    )
    return [
        {"grade": choice_in_three(G, G.EXCELLENT), "scores": f"≥ {excellent}"},
        {"grade": choice_in_three(G, G.GOOD), "scores": f"≥ {good}"},
        {"grade": choice_in_three(G, G.SATISFACTORY), "scores": f"≥ {pass_}"},
        {"grade": choice_in_three(G, G.UNSATISFACTORY), "scores": f"< {pass_}"},
        {"grade": choice_in_three(G, G.PASS), "scores": f"≥ {pass_}"},
        {"grade": choice_in_three(G, G.FAIL), "scores": f"< {pass_}"},
    ]


# The names' cell holds about 69 Latin letters a line at 10 pt: longer names step down a size, so that even names far
# past anything real stay on one line each, inside their slot, and the transcript is still drawn in layers.
_NAME_SIZES = ((60, ""), (70, "smaller"))


def name_size(student) -> str:
    """The CSS size class of the Latin and Cyrillic names (one size for both, the longer one's)."""
    longest = max(len(student.full_name_latin), len(student.full_name_cyrillic))
    return next((size for limit, size in _NAME_SIZES if longest <= limit), "smallest")


def transcript_context(transcript: Transcript, enrollment: Enrollment, rows=None) -> dict:
    """What the page shows: the transcript's recorded design and signatories, the enrollment's rows of results
    (``selectors.transcript_rows``; the design preview passes a sample's)."""
    if not transcript.number or transcript.issued_at is None:
        raise ValueError("A transcript is rendered only after its number and issue date are assigned.")
    if transcript.design_id is None:
        raise ValueError("A transcript is rendered with the design it recorded when it was numbered.")
    student = enrollment.student
    cohort = enrollment.cohort
    issued_on = timezone.localdate(transcript.issued_at)
    url = transcript.verification_url
    rows = selectors.transcript_rows(enrollment=enrollment) if rows is None else rows
    passed = [row for row in rows if row.result.passed]
    diploma = transcript.diploma if transcript.diploma_id else None
    return {
        "transcript": transcript,
        "number": transcript.number,
        "host": cohort.host,
        "partner": cohort.partner,
        "cohort": cohort,
        "track": enrollment.track,
        "student": student,
        "enrollment": enrollment,
        "name_size": name_size(student),
        "issued": {"ru": date_ru(issued_on), "en": date_en(issued_on), "zh": date_zh(issued_on)},
        "rows": [
            {
                "module": row.module,
                "assessment": choice_in_three(Module.AssessmentKind, row.module.assessment_kind),
                "grade": choice_in_three(G, row.result.grade),
                "passed": row.result.passed,
                "score": score_text(row.result.score),
                "date": row.result.assessed_on,
                "attempts": row.attempts,
                "recognised": row.recognised,
            }
            for row in rows
        ],
        "any_recognised": any(row.recognised for row in rows),
        "mark": RECOGNISED_MARK,
        "hours_passed": sum(row.module.hours for row in passed),
        "credits_passed": score_text(sum((row.module.credits for row in passed), Decimal(0))),
        "modules_passed": len(passed),
        "scale": _scale(enrollment.track),
        "design": transcript.design,
        "signatories": transcript.signatories,
        "verification_url": url,
        "qr_png": rendering.qr_png(url),
        "diploma_number": diploma.number if diploma is not None else "",
    }


def slots_needed(context: dict) -> frozenset[str]:
    """The slots of the transcript's page (``_transcript_slot.html``): the heading's, the names, each row's grade,
    date and attempts, the verification address and the footer."""
    heading = {"number", "issued", "qr", "names", "url", "footer"}
    if context["diploma_number"]:
        heading.add("diploma")
    rows = {f"{kind}-{n}" for n in range(1, len(context["rows"]) + 1) for kind in ROW_SLOTS}
    return frozenset(heading | rows)


ROW_SLOTS = ("grade", "date", "attempts")
# The slots whose content many transcripts share, drawn once per process and kept (diplomas.layers, decision 0030):
# each row's grade with its score, date and attempts, and the date of issue. The others (number, names, QR code,
# addresses, footer) are the student's own.
SHARED_SLOTS = frozenset({*ROW_SLOTS, "issued"})
SLOT_TEMPLATE = "diplomas/pdf/_transcript_slot.html"


@dataclass(frozen=True)
class Place:
    """A slot of the variable layer: where the static layer measured it, its kind, and its row (1-based ``n``)."""

    slot: layers.Slot
    kind: str
    n: int = 0
    row: dict | None = None


def _places(context: dict, slots) -> list[Place]:
    places: list[Place] = []
    for slot in slots:
        kind, _, n = slot.name.partition("-")
        row = context["rows"][int(n) - 1] if n else None
        places.append(Place(slot=slot, kind=kind, n=int(n) if n else 0, row=row))
    return places


def _slot_html(context: dict, place: Place, layer: str = "variable") -> str:
    """One slot's HTML as the variable layer draws it (``_transcript_slot.html`` at its measured place)."""
    values = {"layer": layer, "slot": place.kind, "row": place.row, "n": place.n, "at": place.slot}
    with translation.override("en"):
        return get_template(SLOT_TEMPLATE).render({**context, **values})


def _pages_html(context: dict, pieces) -> str:
    """The variable layer of ``pieces`` (each slot with its HTML), each on the page its slot names."""
    pages: list[list[str]] = []
    for slot, html in pieces:
        while len(pages) <= slot.page:
            pages.append([])
        pages[slot.page].append(mark_safe(html))  # noqa: S308 - rendered by the slot template, autoescaped
    return _render(context, "variable", pages)


def _render(context: dict, layer: str, placed=()) -> str:
    # Every text is written in its three languages; the active language only affects Django's own formatting.
    with translation.override("en"):
        return render_to_string(TEMPLATE, {**context, "layer": layer, "placed": placed})


def _html(context: dict, layer: str, slots=()) -> str:
    """The template rendered as a whole page ("page"), the static layer ("static") or the variable layer of
    ``slots`` ("variable")."""
    if layer != "variable":
        return _render(context, layer)
    return _pages_html(context, _pieces(context, slots))


def _pieces(context: dict, slots) -> list[tuple[layers.Slot, str]]:
    """Each slot of the variable layer with its HTML."""
    return [(slot, _slot_html(context, place)) for slot, place in zip(slots, _places(context, slots), strict=True)]


def render_transcript_html(transcript: Transcript, *, layer: str = "page") -> str:
    enrollment = selectors.transcript_enrollment(pk=transcript.enrollment_id)
    return _html(transcript_context(transcript, enrollment), layer)


def context_pdf(context: dict) -> bytes:
    """The page of ``context`` (``transcript_context``) as an unsigned PDF/A (``settings.DIPLOMA_PDF_VARIANT``), fonts
    embedded as subsets: in layers when it is one page and every slot's content fits (``diplomas.layers``), its
    shared slots (``SHARED_SLOTS``) drawn once per process and kept, else whole. The layered file looks exactly like
    the whole one (``test_transcript_layers``)."""
    engine = rendering.engine(STYLESHEET)
    static = layers.static_layer(TEMPLATE, _html(context, "static"), slots_needed(context), engine, keeps_drawings=True)
    if static is not None:
        pdf = static.compose(
            _pieces(context, static.slots),
            lambda slot: slot.name.partition("-")[0] in SHARED_SLOTS,
            lambda pieces: _pages_html(context, pieces),
        )
        if pdf is not None:
            return pdf
    return rendering.html_to_pdf(_html(context, "page"), stylesheet_name=STYLESHEET)


def render_transcript_pdf(transcript: Transcript) -> bytes:
    """The transcript as an unsigned PDF/A (``context_pdf``)."""
    enrollment = selectors.transcript_enrollment(pk=transcript.enrollment_id)
    return context_pdf(transcript_context(transcript, enrollment))
