"""The papers as documents: HTML from ``templates/diplomas/papers/`` → PDF/A with the diplomas' renderer
(``diplomas.rendering.html_to_pdf``: the same font configuration, compact font and PDF/A variant, the papers' own
stylesheet) → a PAdES signature with the diplomas' key (``diplomas.signing``), when one is configured.

Each function takes rows already read (``diplomas.papers.selectors``), reads the head of the office who signs on the
paper's day (``diplomas.designs.selectors.papers_signatory``) and returns a ``Paper`` (file name, type, bytes); it
writes nothing. The wording is in Russian and the paper's second language (``labels``); names are always
in their three scripts.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation

from diplomas import rendering, signing
from diplomas.designs import selectors as designs
from diplomas.wording import date_in, status_ru
from programs.models import Cohort, Module
from students.models import Enrollment, ModuleResult

from . import selectors
from .labels import LABELS, OFFICE_LANGUAGE, lang_attribute

logger = logging.getLogger(__name__)

STYLESHEET = "diplomas/papers/papers.css"
SIGNATURE_REASON = "Issued by the international office"
G = ModuleResult.Grade


@dataclass(frozen=True)
class Paper:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def score_text(score: Decimal | None) -> str:
    """A score as people write it: 80, 80.5 (never "80.00")."""
    if score is None:
        return ""
    return format(Decimal(score).quantize(Decimal("0.01")).normalize(), "f")


def file_name(*parts: str) -> str:
    """A download's file name from its parts: ASCII letters, digits, dots and dashes."""
    return "_".join(re.sub(r"[^A-Za-z0-9.\-]+", "-", part).strip("-") for part in parts) + ".pdf"


def render(template: str, context: dict, *, second_language: str, day: datetime.date) -> bytes:
    """The paper's HTML laid out and written as PDF/A, then signed when a signing key is configured (the file is
    handed out unsigned otherwise, and that is logged)."""
    signed = signing.signing_configured()
    signatory = designs.papers_signatory(day) or {}
    with translation.override(OFFICE_LANGUAGE):
        html = render_to_string(
            template,
            {
                **context,
                "L": LABELS,
                "second_language": second_language,
                "second_lang": lang_attribute(second_language),
                "date_ru": date_in(OFFICE_LANGUAGE, day),
                "date_second": date_in(second_language, day),
                "signatory": signatory,
                "signatory_title_second": _signatory_title(signatory, second_language),
                "signed": signed,
            },
        )
    pdf = rendering.html_to_pdf(html, stylesheet_name=STYLESHEET)
    if not signed:
        logger.warning("No signing key is configured: %s handed out unsigned.", template)
        return pdf
    return signing.sign_pdf(pdf, reason=SIGNATURE_REASON)


def _signatory_title(signatory: dict, language: str) -> str:
    key = "title_zh" if language.startswith("zh") else "title_en"
    return "" if language == OFFICE_LANGUAGE else signatory.get(key, "")


# --- the grade sheet ----------------------------------------------------------------------------------------------


def _scale(module: Module, track) -> list[tuple]:
    """(grade label, "≥ score") pairs of the track's scale for the module's kind of assessment."""
    if module.assessment_kind == Module.AssessmentKind.CREDIT:
        return [
            (G.PASS.label, f"≥ {score_text(track.pass_score)}"),
            (G.FAIL.label, f"< {score_text(track.pass_score)}"),
        ]
    return [
        (G.EXCELLENT.label, f"≥ {score_text(track.excellent_score)}"),
        (G.GOOD.label, f"≥ {score_text(track.good_score)}"),
        (G.SATISFACTORY.label, f"≥ {score_text(track.pass_score)}"),
        (G.UNSATISFACTORY.label, f"< {score_text(track.pass_score)}"),
    ]


def grade_sheet_pdf(*, cohort: Cohort, module: Module, second_language: str, day: datetime.date) -> Paper:
    rows = selectors.grade_sheet_rows(cohort=cohort, module=module)
    grades = (
        [G.PASS, G.FAIL]
        if module.assessment_kind == Module.AssessmentKind.CREDIT
        else [G.EXCELLENT, G.GOOD, G.SATISFACTORY, G.UNSATISFACTORY]
    )
    counted = [row.result.grade for row in rows if row.result is not None]
    context = {
        "cohort": cohort,
        "track": cohort.track,
        "module": module,
        "assessment": Module.AssessmentKind(module.assessment_kind).label,
        "scale": _scale(module, cohort.track),
        "rows": [
            {
                "student": row.student,
                "result": row.result,
                "score": score_text(row.result.score) if row.result else "",
                "grade": G(row.result.grade).label if row.result else None,
            }
            for row in rows
        ],
        "summary": [(G(grade).label, counted.count(grade)) for grade in grades],
        "without_result": len(rows) - len(counted),
        "title": f"{cohort.code} · {module.code}",
    }
    pdf = render("diplomas/papers/grade_sheet.html", context, second_language=second_language, day=day)
    return Paper(file_name("grade-sheet", cohort.code, module.code, day.isoformat()), pdf)


# --- the roster ---------------------------------------------------------------------------------------------------


def roster_pdf(*, cohort: Cohort, second_language: str, day: datetime.date) -> Paper:
    context = {
        "cohort": cohort,
        "track": cohort.track,
        "rows": [
            {
                "enrollment": row.enrollment,
                "student": row.student,
                "status_ru": status_ru(row.enrollment.status, row.student.sex),
                "status": Enrollment.Status(row.enrollment.status).label,
                "diploma": row.diploma_number,
            }
            for row in selectors.roster_rows(cohort=cohort)
        ],
        "title": cohort.code,
    }
    pdf = render("diplomas/papers/roster.html", context, second_language=second_language, day=day)
    return Paper(file_name("roster", cohort.code, day.isoformat()), pdf)


# --- the certificate of study -------------------------------------------------------------------------------------


def certificate_pdf(
    *, enrollment: Enrollment, number: str, second_language: str, day: datetime.date, with_birth_date: bool
) -> Paper:
    """The certificate of ``enrollment`` under ``number``; the birth date only ``with_birth_date`` (a viewer who may
    see sensitive data, ``mobility.foundation.access.can_view_sensitive``)."""
    student = enrollment.student
    passed = selectors.passed_modules(enrollment=enrollment)
    context = {
        "enrollment": enrollment,
        "student": student,
        "cohort": enrollment.cohort,
        "track": enrollment.track,
        "number": number,
        "birth_date": student.birth_date if with_birth_date else None,
        "status_ru": status_ru(enrollment.status, student.sex),
        "status": Enrollment.Status(enrollment.status).label,
        "passed": [
            {
                "module": row.module,
                "result": row.result,
                "score": score_text(row.result.score),
                "grade": G(row.result.grade).label,
                "assessment": Module.AssessmentKind(row.module.assessment_kind).label,
            }
            for row in passed
        ],
        "hours_passed": sum(row.module.hours for row in passed),
        "title": number,
    }
    pdf = render("diplomas/papers/certificate.html", context, second_language=second_language, day=day)
    return Paper(file_name("certificate", number), pdf)
