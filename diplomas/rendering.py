"""The diploma as a document: one trilingual A4 landscape page, HTML rendered by WeasyPrint to PDF/A.

Pure functions: they read the diploma's enrollment, student, cohort, track and institutions and return text or bytes.
No Celery, no storage, no database writes; the caller assigns ``number`` and ``issued_at`` before rendering and
signs and stores the result (``diplomas.signing.sign_pdf``).

The page is written in Russian, English and Chinese at once, so its fixed wording is in the template, not in
gettext; dates are formatted here in each language's own way, independent of the active locale.
"""

from __future__ import annotations

import datetime
import threading
import zlib
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.template.loader import get_template, render_to_string, select_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from diplomas import fonts
from programs.models import Module
from students.models import Enrollment, ModuleResult

RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)

# Related rows the page shows, fetched with the enrollment in one query.
ENROLLMENT_RELATED = (
    "student",
    "track",
    "cohort__host",
    "cohort__partner",
    "cohort__agreement__facilitator",
)

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
    return _font_config


STYLESHEET = "diplomas/pdf/default.css"

_stylesheet = None
_stylesheet_lock = threading.Lock()


def stylesheet():
    """The default design's stylesheet (``templates/diplomas/pdf/default.css``) parsed once per process.

    Passed to every render as a user stylesheet rather than inlined as ``<style>``: parsing it and compiling its
    selectors took about 5 ms a page. User rules rank below author rules, so a design's own ``<style>`` (the
    template's ``style`` block) overrides them whatever the specificity; they rank above WeasyPrint's user-agent
    rules, as the inline sheet did. A user ``!important`` would beat every author rule: the file has none.
    """
    global _stylesheet
    if _stylesheet is None:
        with _stylesheet_lock:
            if _stylesheet is None:
                from weasyprint import CSS

                source = get_template(STYLESHEET).template.source + compact_font_rules()
                _stylesheet = CSS(string=source, base_url=str(settings.BASE_DIR), font_config=font_config())
    return _stylesheet


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
    return select_template(names).template.name


def verification_url(diploma) -> str:
    return f"{settings.MOBILITY_PUBLIC_URL.rstrip('/')}/verify/{diploma.verification_code}/"


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (no XML declaration, no size attributes: the CSS sizes it)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=1, border=0, dark="#1b2f4b", omitsize=True)


def render_diploma_html(diploma) -> str:
    """The diploma page as HTML (template chosen by ``choose_template``), user data escaped by autoescape."""
    if not diploma.number or not diploma.issued_at:
        raise ValueError("A diploma is rendered only after its number and issue date are assigned.")
    enrollment = _enrollment(diploma)
    template = _template_for(enrollment)
    # The page has its three languages written out; the active language only affects Django's own formatting.
    with translation.override("en"):
        return render_to_string(template, diploma_context(diploma, enrollment))


def render_diploma_pdf(diploma) -> bytes:
    """The diploma as an unsigned PDF/A (``settings.DIPLOMA_PDF_VARIANT``), fonts embedded as subsets."""
    return html_to_pdf(render_diploma_html(diploma))


def html_to_pdf(html: str, *, pdf_variant: str | None | bool = True) -> bytes:
    """WeasyPrint with the shared font configuration and stylesheet; ``pdf_variant=True`` means the configured
    variant, ``None`` plain PDF (the benches' "bare" render of the same page)."""
    from weasyprint import HTML

    variant = settings.DIPLOMA_PDF_VARIANT if pdf_variant is True else (pdf_variant or None)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet()],
        font_config=font_config(),
        pdf_variant=variant,
        finisher=compress_streams_once if variant else None,
    )


def compress_streams_once(document, pdf) -> None:
    """WeasyPrint's finisher: compress every stream of the file once, now.

    pydyf compresses a stream (zlib level 9) each time the stream's bytes are asked for, and the file identifier that
    PDF/A requires is a hash of every object's bytes taken before the file is written: each stream, the font
    included, was compressed twice (about 4 ms a diploma). Here each stream is compressed once and handed back to
    pydyf as already-compressed bytes with its ``/FlateDecode`` filter, which pydyf then writes as they are.
    """
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)  # what pydyf's Stream.data joins
            obj.stream = [zlib.compress(raw, 9)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


# --- the page's data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    kind: str  # "sending" or "facilitator": the CSS class of its column
    role_ru: str
    role_en: str
    role_zh: str
    institution: object


def diploma_context(diploma, enrollment: Enrollment) -> dict:
    student = enrollment.student
    cohort = enrollment.cohort
    track = enrollment.track
    issued_on = timezone.localdate(diploma.issued_at)
    url = verification_url(diploma)
    names = {
        "han": student.full_name_han,
        "latin": student.full_name_latin,
        "cyrillic": student.full_name_cyrillic,
    }
    return {
        "diploma": diploma,
        "number": diploma.number,
        "host": cohort.host,
        "parties": _parties(cohort),
        "student": student,
        "names": names,
        "name_sizes": name_sizes(names),
        "track": track,
        "track_size": "long" if max(len(track.name_en), len(track.name_ru)) > 70 else "normal",
        "hours": passed_hours(enrollment),
        "enrolled_on": enrollment.enrolled_on,
        "completed_on": enrollment.completed_on,
        "period": _period(enrollment.enrolled_on, enrollment.completed_on),
        "issued": {
            "ru": date_ru(issued_on),
            "en": date_en(issued_on),
            "zh": date_zh(issued_on),
            "iso": issued_on.isoformat(),
        },
        "signatories": settings.DIPLOMA_SIGNATORIES,
        "verification_url": url,
        "qr_svg": mark_safe(qr_svg(url)),  # noqa: S308 -- built by segno from our own URL, no user markup
        "title": "Диплом участника программы международной академической мобильности",
    }


def passed_hours(enrollment: Enrollment) -> int:
    """Hours the student earned: the sum of the hours of the track's modules (required or elective) with a passing
    result in this enrollment, each module once whatever the attempts; the figure ``enrollment_progress`` shows."""
    passed = Exists(ModuleResult.objects.filter(enrollment_id=enrollment.pk, module=OuterRef("pk"), passed=True))
    total = Module.objects.filter(track_id=enrollment.track_id).filter(passed).aggregate(hours=Sum("hours"))["hours"]
    return total or 0


# Name sizes by length: a name on the 249 mm line at the largest size fits up to about 40 Latin or Cyrillic letters
# (22 pt) or 12 Han characters (30 pt, spaced); longer ones step down a size, and the longest wrap.
_NAME_STEPS = {
    "han": ((12, "xl"), (16, "l"), (22, "m")),
    "alphabetic": ((40, "xl"), (50, "l"), (60, "m")),
}


def name_size(script: str, text: str) -> str:
    """CSS size class for a name, by length (WeasyPrint runs no script to fit text; the template sizes by class)."""
    for limit, size in _NAME_STEPS["han" if script == "han" else "alphabetic"]:
        if len(text) <= limit:
            return size
    return "s"


def name_sizes(names: dict[str, str]) -> dict[str, str]:
    # The Latin and Cyrillic lines share one size, the longer one's, so they read as one name in two scripts.
    alphabetic = name_size("latin", max(names["latin"], names["cyrillic"], key=len))
    return {"han": name_size("han", names["han"]), "latin": alphabetic, "cyrillic": alphabetic}


def date_ru(day: datetime.date) -> str:
    return f"{day.day} {RU_MONTHS[day.month - 1]} {day.year} г."


def date_en(day: datetime.date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def date_zh(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
    return ""


def _parties(cohort) -> list[Party]:
    parties = [Party("sending", "Направляющая сторона", "Sending institution", "派出院校", cohort.partner)]
    agreement = cohort.agreement
    if agreement is not None and agreement.facilitator_id:
        parties.append(Party("facilitator", "При содействии", "Facilitated by", "协办单位", agreement.facilitator))
    return parties


def _enrollment(diploma) -> Enrollment:
    """The diploma's enrollment with everything the page shows, in one query (or none if the caller brought it)."""
    cached = diploma._state.fields_cache.get("enrollment")
    if cached is not None and all(_is_cached(cached, path) for path in ENROLLMENT_RELATED):
        return cached
    return Enrollment.objects.select_related(*ENROLLMENT_RELATED).get(pk=diploma.enrollment_id)


def _is_cached(instance, path: str) -> bool:
    for name in path.split("__"):
        if instance is None:
            return True
        if name not in instance._state.fields_cache:
            # An id-less foreign key (agreement or facilitator unset) needs no query either.
            field = instance._meta.get_field(name)
            return getattr(instance, field.attname) is None
        instance = instance._state.fields_cache[name]
    return True
