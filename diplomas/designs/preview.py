"""The sample diploma of a design being edited: a fictional student with names in three scripts, of a fictional
cohort, drawn by the real renderer (``diplomas.rendering``) with the draft's texts and today's signatories. Built in
memory: nothing is read but the signatories and the host
university's names, nothing is written."""

from __future__ import annotations

import base64
import datetime
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from diplomas import rendering
from diplomas.models import Diploma, Transcript
from diplomas.transcripts.documents import STYLESHEET as TRANSCRIPT_STYLESHEET
from diplomas.transcripts.documents import TEMPLATE as TRANSCRIPT_TEMPLATE
from diplomas.transcripts.documents import transcript_context
from diplomas.transcripts.selectors import TranscriptRow
from programs.models import Agreement, Cohort, Institution, Module, Track
from students.models import Enrollment, ModuleResult, Student

from .models import DocumentDesign, Kind, Signs
from .selectors import signatories_printed

SAMPLE_NUMBER = "STK-IAM-2026-000123"
SAMPLE_HOURS = 324
# Resolution of the preview's picture of page 1: sharp enough to read the labels at 1280 px, quick to make.
PREVIEW_DPI = 80


def sample_diploma(design: DocumentDesign, *, today: datetime.date | None = None) -> Diploma:
    """An unsaved diploma of an unsaved enrollment, every relation the page reads loaded, printing ``design``."""
    today = today or timezone.localdate()
    # The real host university when there is one (its names head the page); fictional rows carry negative ids so
    # that the relations read as set, and are never saved.
    host = Institution.objects.filter(code=settings.MOBILITY_HOST_CODE, kind=Institution.Kind.HOST).first()
    host = host or Institution(
        pk=-1,
        code="STANKIN",
        kind=Institution.Kind.HOST,
        name_ru="МГТУ «СТАНКИН»",
        name_en='Moscow State University of Technology "STANKIN"',
        name_zh="莫斯科国立工艺大学",
    )
    college = Institution(
        pk=-2,
        code="SAMPLE-COLLEGE",
        kind=Institution.Kind.SENDING,
        name_ru="Чунцинский профессиональный инженерный институт",
        name_en="Chongqing Vocational Institute of Engineering",
        name_zh="重庆工程职业技术学院",
    )
    facilitator = Institution(
        pk=-3,
        code="SAMPLE-FACILITATOR",
        kind=Institution.Kind.FACILITATOR,
        name_ru="ООО «ЭдуБридж»",
        name_en="EduBridge Consulting Ltd.",
        name_zh="教桥咨询有限公司",
    )
    agreement = Agreement(pk=-1, host=host, partner=college, facilitator=facilitator)
    track = Track(
        pk=-1,
        code="SAMPLE-TRACK",
        name_ru="Мехатроника и робототехника",
        name_en="Mechatronics and Robotics",
        name_zh="机电一体化与机器人技术",
    )
    cohort = Cohort(pk=-1, code="SAMPLE", track=track, host=host, partner=college, agreement=agreement)
    student = Student(
        pk=-1,
        family_name_han="王",
        given_name_han="小明",
        family_name_latin="Wang",
        given_name_latin="Xiaoming",
        family_name_cyrillic="Ван",
        given_name_cyrillic="Сяомин",
        sex=Student.Sex.MALE,
        home_institution=college,
    )
    enrollment = Enrollment(
        pk=-1,
        student=student,
        cohort=cohort,
        track=track,
        enrolled_on=today - datetime.timedelta(days=300),
        completed_on=today - datetime.timedelta(days=7),
    )
    return Diploma(
        enrollment=enrollment,
        number=SAMPLE_NUMBER,
        issued_at=timezone.now(),
        verification_code="sample",
        design=design,
        signatories=signatories_printed(Signs.DIPLOMA, today),
    )


def sample_pdf(design: DocumentDesign) -> bytes:
    """The sample diploma of ``design`` as the renderer draws a whole page (PDF/A, unsigned)."""
    diploma = sample_diploma(design)
    context = rendering.diploma_context(diploma, diploma.enrollment, hours=SAMPLE_HOURS)
    with translation.override("en"):
        html = render_to_string("diplomas/pdf/default.html", {**context, "layer": "page", "slots": ()})
    return rendering.html_to_pdf(html)


def transcript_sample_pdf(design: DocumentDesign) -> bytes:
    """A transcript design's sample: the sample student's transcript drawn by the transcript's own renderer, with
    three modules' results (one recognised from the home college), the draft's texts and today's signatories."""
    today = timezone.localdate()
    enrollment = sample_diploma(design, today=today).enrollment
    transcript = Transcript(
        pk=-1,
        enrollment=enrollment,
        number="STK-IAM-T-2026-000123",
        verification_code="sample",
        issued_at=timezone.now(),
        design=design,
        signatories=signatories_printed(Signs.TRANSCRIPT, today),
    )
    rows = [
        TranscriptRow(module=module, result=_sample_result(module, grade, score, day, source), attempts=attempts)
        for module, grade, score, day, source, attempts in _sample_results(enrollment.track, today)
    ]
    context = transcript_context(transcript, enrollment, rows)
    with translation.override("en"):
        html = render_to_string(TRANSCRIPT_TEMPLATE, context)
    return rendering.html_to_pdf(html, stylesheet_name=TRANSCRIPT_STYLESHEET)


def _sample_result(module, grade, score, day, source) -> ModuleResult:
    result = ModuleResult(module=module, grade=grade, score=score, assessed_on=day, source=source)
    # ``passed`` is the database's generated column, which an unsaved row cannot read: set as the database would.
    result.__dict__["passed"] = grade in ModuleResult.PASSING_GRADES
    return result


def _sample_results(track, today: datetime.date) -> list[tuple]:
    G, S = ModuleResult.Grade, ModuleResult.Source
    modules = [
        Module(pk=-1, track=track, code="MR-101", title_ru="Основы мехатроники", title_en="Fundamentals of "
               "mechatronics", title_zh="机电一体化基础", hours=72, credits=Decimal(2), assessment_kind="exam"),
        Module(pk=-2, track=track, code="MR-102", title_ru="Программирование контроллеров", title_en="PLC "
               "programming", title_zh="控制器编程", hours=108, credits=Decimal(3), assessment_kind="exam"),
        Module(pk=-3, track=track, code="MR-103", title_ru="Техническое черчение", title_en="Technical drawing",
               title_zh="工程制图", hours=36, credits=Decimal(1), assessment_kind="credit"),
    ]  # fmt: skip
    return [
        (modules[0], G.EXCELLENT, Decimal(92), today - datetime.timedelta(days=120), S.MANUAL, 1),
        (modules[1], G.GOOD, Decimal(81), today - datetime.timedelta(days=40), S.LMS, 2),
        (modules[2], G.PASS, Decimal(70), today - datetime.timedelta(days=200), S.TRANSFER, 1),
    ]


def design_sample_pdf(design: DocumentDesign) -> bytes:
    """The sample of ``design``: a diploma's page, or a transcript's heading and signatures."""
    return sample_pdf(design) if design.kind == Kind.DIPLOMA else transcript_sample_pdf(design)


def page_png(pdf: bytes, *, dpi: int = PREVIEW_DPI) -> bytes:
    """Page 1 of ``pdf`` as a PNG (poppler's ``pdftoppm``)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "sample.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(source), str(source)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return source.with_suffix(".pdf.png").read_bytes()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
