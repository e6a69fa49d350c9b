"""The diploma as a document: one trilingual A4 landscape page, HTML rendered by WeasyPrint to PDF/A.

Pure functions: they read the diploma's enrollment, student, cohort, track and institutions and return text or bytes.
No Celery, no storage, no database writes; the caller assigns ``number`` and ``issued_at`` before rendering and
signs and stores the result (``diplomas.signing.sign_pdf``).

The page is drawn in two layers (``render_diploma_pdf``, docs/decisions/0015): what the diplomas of a design, host,
partner, track and signatories share is laid out once per process, and per diploma only the student's slots and the
issue block are laid out and drawn over it. Layout is most of a render's time, and most of the page is shared.

The page is written in Russian, English and Chinese at once, so its fixed wording is not in gettext: it is the
diploma's recorded design (``diplomas.designs``), printed by the template in the three languages; dates are
formatted here in each language's own way, independent of the active locale.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import threading
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import get_template, render_to_string, select_template
from django.utils import timezone, translation

from diplomas import fonts, layers, pdf_internals
from diplomas.credentials.embedding import credential_attachments
from diplomas.models import PAGE_RELATED
from diplomas.wording import completing_ru, date_en, date_ru, date_zh
from students.models import Enrollment
from students.progress import progress_for

# Related rows the page shows, fetched with the enrollment in one query.
ENROLLMENT_RELATED = PAGE_RELATED

_font_config = None
_font_config_lock = threading.Lock()


def font_config():
    """The process-wide WeasyPrint font configuration, created on first use and reused by every render.

    Creating one per render costs about 30 ms and lets fontconfig's caches grow (about 890 MB peak instead of 250 MB
    over a batch). Never ``full_fonts``: subsets are what keeps a diploma at tens of kilobytes.
    """
    global _font_config
    if _font_config is None:
        with _font_config_lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
                atexit.register(_drop_font_config)
    return _font_config


def _drop_font_config() -> None:
    # Released before the interpreter tears its modules down: FontConfiguration.__del__ calls into fontconfig through
    # module globals, which are None by then ("Exception ignored in: FontConfiguration.__del__" on every exit).
    global _font_config
    _font_config = None


STYLESHEET = "diplomas/pdf/default.css"

_stylesheet = None
_stylesheet_lock = threading.Lock()


def stylesheet(name: str = STYLESHEET):
    """The default design's stylesheet (``templates/diplomas/pdf/default.css``) parsed once per process; another
    ``name`` (the papers' sheet, ``diplomas.papers``) is parsed once per process too, with the same font rules.

    Passed to every render as a user stylesheet rather than inlined as ``<style>``: parsing it and compiling its
    selectors took about 5 ms a page. User rules rank below author rules, so a design's own ``<style>`` (the
    template's ``style`` block) overrides them whatever the specificity; they rank above WeasyPrint's user-agent
    rules, as the inline sheet did. A user ``!important`` would beat every author rule: the file has none.
    """
    global _stylesheet
    if name != STYLESHEET:
        return _other_stylesheet(name)
    if _stylesheet is None:
        with _stylesheet_lock:
            if _stylesheet is None:
                from weasyprint import CSS

                source = _template_source(STYLESHEET) + compact_font_rules()
                _stylesheet = CSS(string=source, base_url=str(settings.BASE_DIR), font_config=font_config())
    return _stylesheet


_other_stylesheets: dict[str, object] = {}


def _other_stylesheet(name: str):
    sheet = _other_stylesheets.get(name)
    if sheet is None:
        with _stylesheet_lock:
            sheet = _other_stylesheets.get(name)
            if sheet is None:
                from weasyprint import CSS

                source = _template_source(name) + compact_font_rules()
                sheet = CSS(string=source, base_url=str(settings.BASE_DIR), font_config=font_config())
                _other_stylesheets[name] = sheet
    return sheet


def _template_source(name: str) -> str:
    # The template's text as its loader reads it (Django's documented Origin and Loader.get_contents).
    origin = get_template(name).origin  # type: ignore[attr-defined]  # every backend's Template has it; the stubs not
    return origin.loader.get_contents(origin)


def warm_up() -> None:
    """Load what every render shares (compact font, font configuration, stylesheet, fontconfig's and Pango's caches)
    by rendering a small trilingual page, so a worker process pays for it once at start, not on its first diploma."""
    html_to_pdf('<p lang="ru">Диплом · <span lang="en">Diploma</span> · <span lang="zh-Hans">证书</span> 2026</p>')


def compact_font_rules() -> str:
    """CSS that draws the page with the compact font (``diplomas.fonts``) and Noto Sans CJK SC for anything it
    lacks; empty when the compact font is not available, and the page keeps the default sheet's Noto Sans CJK SC."""
    path = fonts.compact_font()
    if path is None:
        return ""
    return (
        f'\n@font-face {{ font-family: "{fonts.FAMILY}"; src: url("{path.as_uri()}"); }}\n'
        f'html {{ font-family: "{fonts.FAMILY}", "{fonts.SOURCE_FAMILY}"; }}\n'
    )


def choose_template(diploma) -> str:
    """Name of the template for this diploma: the cohort's own design, else the track's, else the default."""
    return _template_for(_enrollment(diploma))


def _template_for(enrollment: Enrollment) -> str:
    names = [
        f"diplomas/pdf/cohort_{enrollment.cohort.code}.html",
        f"diplomas/pdf/track_{enrollment.track.code}.html",
        "diplomas/pdf/default.html",
    ]
    return select_template(names).origin.template_name


def qr_png(url: str) -> str:
    """The URL as a QR code in a PNG data URI, 8 pixels a module, drawn without smoothing (``image-rendering``).

    Not SVG: WeasyPrint parses an SVG path in Python, about 10 ms a diploma for this one; the PNG costs under 2 ms
    and looks the same on paper (every module a sharp square)."""
    qr = segno.make(url, error="m")
    return qr.png_data_uri(scale=8, border=0, dark="#1b2f4b", light="#ffffff")


def render_diploma_html(diploma, *, layer: str = "page", slots=()) -> str:
    """The diploma page as HTML (template chosen by ``choose_template``), user data escaped by autoescape.

    ``layer`` is "page" (the whole diploma), "static" or "variable" (with the static layer's ``slots``): see
    ``render_diploma_pdf`` and the template's comment."""
    enrollment = _enrollment(diploma)
    return _render_template(_template_for(enrollment), diploma_context(diploma, enrollment), layer, slots)


def _render_template(template: str, context: dict, layer: str, slots=()) -> str:
    # The page has its three languages written out; the active language only affects Django's own formatting.
    with translation.override("en"):
        return render_to_string(template, {**context, "layer": layer, "slots": slots})


def render_diploma_pdf(diploma, *, credential: bytes = b"") -> bytes:
    """The diploma as an unsigned PDF/A (``settings.DIPLOMA_PDF_VARIANT``), fonts embedded as subsets, with the
    diploma's verifiable credential (``credential``, its JSON file: ``diplomas.credentials.documents.enveloped_bytes``)
    embedded as an associated file when given: ``credential.json``, its relationship to the page "Alternative"
    (PDF/A-3, ISO 19005-3; ISO 32000-2 7.11.3: the same content for machines).

    Drawn in layers when the design allows it: the static layer (everything but the student's slots and the issue
    block) is laid out once per process for each distinct static page and kept (``static_layer``); this diploma's
    variable layer is laid out with its slots where the static layer measured them, written as PDF/A, and the static
    page is drawn beneath it as a form XObject. The whole page is rendered instead when the design has no slots or
    when the student's names do not fit their slot (they would have pushed the page down).
    """
    enrollment = _enrollment(diploma)
    template = _template_for(enrollment)
    context = diploma_context(diploma, enrollment)
    attachments = credential_attachments(credential, diploma.issued_at)
    static = layers.static_layer(
        template, _render_template(template, context, "static"), _slots_needed(context), engine()
    )
    if static is not None:
        pdf = static.under(_render_template(template, context, "variable", static.slots), attachments)
        if pdf is not None:
            return pdf
    return html_to_pdf(_render_template(template, context, "page"), attachments=attachments)


def html_to_pdf(
    html: str, *, pdf_variant: str | None | bool = True, stylesheet_name: str = STYLESHEET, attachments=()
) -> bytes:
    """WeasyPrint with the shared font configuration and stylesheet (the diploma's, or ``stylesheet_name``);
    ``pdf_variant=True`` means the configured variant, ``None`` plain PDF (the benches' "bare" render of the same
    page); ``attachments`` are WeasyPrint ``Attachment``s embedded in the file."""
    variant = _variant(pdf_variant)
    return _write(_layout(html, variant, stylesheet_name), variant, attachments)


def engine(stylesheet_name: str = STYLESHEET) -> layers.Engine:
    """This renderer for the layers (``diplomas.layers``): the configured PDF variant and ``stylesheet_name``."""
    variant = _variant(True)
    return layers.Engine(
        layout=functools.partial(_layout, variant=variant, stylesheet_name=stylesheet_name),
        write=functools.partial(_write, variant=variant),
        key=f"{variant}\n{stylesheet_name}",
    )


def _variant(pdf_variant: str | None | bool) -> str | None:
    return settings.DIPLOMA_PDF_VARIANT if pdf_variant is True else (pdf_variant or None)


def _layout(html: str, variant: str | None, stylesheet_name: str = STYLESHEET):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet(stylesheet_name)], font_config=font_config(), pdf_variant=variant
    )


def _write(document, variant: str | None, attachments=()) -> bytes:
    return document.write_pdf(
        pdf_variant=variant, finisher=compress_streams_once if variant else None, attachments=list(attachments)
    )


def _slots_needed(context: dict) -> frozenset[str]:
    always = {"names", "completing", "hours"}
    return frozenset(always | {"period"} if context["period"] else always)


def compress_streams_once(document, pdf) -> None:
    """WeasyPrint's finisher: compress every stream of the file once, now.

    pydyf compresses a stream (zlib level 9) each time the stream's bytes are asked for, and the file identifier that
    PDF/A requires is a hash of every object's bytes taken before the file is written: each stream, the font
    included, was compressed twice (about 4 ms a diploma). ``pdf_internals.compress_streams`` compresses each once
    and hands it back to pydyf as already-compressed bytes, which pydyf then writes as they are.
    """
    pdf_internals.compress_streams(pdf)


# --- the page's data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    kind: str  # "sending" or "facilitator": the CSS class of its column
    role_ru: str
    role_en: str
    role_zh: str
    institution: object


def diploma_context(diploma, enrollment: Enrollment, *, hours: int | None = None) -> dict:
    """What the page shows. Its fixed wording and signatories are the ones the diploma recorded when it got its
    number (``diploma.design``, ``diploma.signatories``: diplomas.designs), never the current ones, so a re-render
    reproduces the issued page. ``hours`` stands in for the enrollment's progress (the designs' sample page)."""
    if not diploma.number or not diploma.issued_at or diploma.design is None:
        raise ValueError("A diploma is rendered only after its number, issue date and design are assigned.")
    design = diploma.design
    student = enrollment.student
    cohort = enrollment.cohort
    track = enrollment.track
    issued_on = timezone.localdate(diploma.issued_at)
    url = diploma.verification_url
    names = {
        "han": student.full_name_han,
        "latin": student.full_name_latin,
        "cyrillic": student.full_name_cyrillic,
    }
    return {
        "diploma": diploma,
        "number": diploma.number,
        "host": cohort.host,
        "design": design,
        "parties": _parties(cohort, design),
        "student": student,
        "names": names,
        "name_sizes": name_sizes(names),
        "completing_ru": completing_ru(student.sex),
        "track": track,
        "track_size": "long" if max(len(track.name_en), len(track.name_ru)) > 70 else "normal",
        "hours": progress_for(enrollment=enrollment).hours_passed if hours is None else hours,
        "enrolled_on": enrollment.enrolled_on,
        "completed_on": enrollment.completed_on,
        "period": _period(enrollment.enrolled_on, enrollment.completed_on),
        "issued": {
            "ru": date_ru(issued_on),
            "en": date_en(issued_on),
            "zh": date_zh(issued_on),
            "iso": issued_on.isoformat(),
        },
        "signatories": diploma.signatories,
        "verification_url": url,
        "qr_png": qr_png(url),
        "title": design.title_ru,
    }


# Name sizes by length: a name on the 249 mm line at the largest size fits up to about 40 Latin or Cyrillic letters
# (22 pt) or 12 Han characters (30 pt, spaced); longer ones step down a size, and the longest wrap. The smallest
# size ("xs") keeps even the longest names the form accepts (129 Han characters, 257 letters) inside the names' slot
# (three lines of Han and two of each alphabet, 29 of its 31.4 mm), so they are drawn in layers too.
_NAME_STEPS = {
    "han": ((12, "xl"), (16, "l"), (22, "m"), (40, "s")),
    "alphabetic": ((40, "xl"), (50, "l"), (60, "m"), (110, "s")),
}


def name_size(script: str, text: str) -> str:
    """CSS size class for a name, by length (WeasyPrint runs no script to fit text; the template sizes by class)."""
    for limit, size in _NAME_STEPS["han" if script == "han" else "alphabetic"]:
        if len(text) <= limit:
            return size
    return "xs"


def name_sizes(names: dict[str, str]) -> dict[str, str]:
    # The Latin and Cyrillic lines share one size, the longer one's, so they read as one name in two scripts.
    alphabetic = name_size("latin", max(names["latin"], names["cyrillic"], key=len))
    return {"han": name_size("han", names["han"]), "latin": alphabetic, "cyrillic": alphabetic}


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
    return ""


def _parties(cohort, design) -> list[Party]:
    d = design
    parties = [Party("sending", d.sending_ru, d.sending_en, d.sending_zh, cohort.partner)]
    agreement = cohort.agreement
    if agreement is not None and agreement.facilitator_id:
        parties.append(
            Party("facilitator", d.facilitator_ru, d.facilitator_en, d.facilitator_zh, agreement.facilitator)
        )
    return parties


def _enrollment(diploma) -> Enrollment:
    """The diploma's enrollment with everything the page shows, in one query (or none if the caller brought it)."""
    loaded = pdf_internals.loaded_relation(diploma, "enrollment", beneath=ENROLLMENT_RELATED)
    if loaded is not None:
        return loaded
    return Enrollment.objects.select_related(*ENROLLMENT_RELATED).get(pk=diploma.enrollment_id)
