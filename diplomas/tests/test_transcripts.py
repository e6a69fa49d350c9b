"""The transcript of records: a real PDF/A read back by pdftotext (every module in three scripts, grades, the mark of
recognised results, names), its fonts embedded, its signature intact, several pages; issued with the diploma exactly
once, alone under a new number each time, revoked with its diploma."""

import datetime
import io
import re
import subprocess

import pytest
import time_machine
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas import signing
from diplomas.designs.selectors import for_issue
from diplomas.models import Diploma, Transcript, TranscriptNumberCounter
from diplomas.tests.factories import FAKE_PDF
from diplomas.tests.test_rendering import needs_poppler, pdftotext, screenshot, trilingual_track_and_college
from diplomas.transcripts import documents
from diplomas.transcripts import services as transcript_services
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import CohortFactory, ModuleFactory
from students.models import ModuleResult
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db

G = ModuleResult.Grade
# 23:30 UTC on 31 December is already 1 January in Moscow: the number's year and the printed date are the site's.
NEW_YEARS_EVE = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)

MODULES = [
    # code, ru, en, zh, kind, hours, credits
    ("MECH-01", "Основы робототехники", "Foundations of robotics", "机器人基础", "exam", 72, "2"),
    ("MECH-02", "Русский язык", "Russian language", "俄语", "credit", 36, "1"),
    ("MECH-03", "Промышленные роботы", "Industrial robots", "工业机器人", "project", 108, "3"),
]


@pytest.fixture
def enrollment():
    track, college = trilingual_track_and_college()
    cohort = CohortFactory(track=track, partner=college, code="MECH-2026")
    student = StudentFactory(
        home_institution=college,
        family_name_han="李",
        given_name_han="娜",
        family_name_latin="Li",
        given_name_latin="Na",
        family_name_cyrillic="Ли",
        given_name_cyrillic="На",
    )
    enrollment = EnrollmentFactory(cohort=cohort, student=student, status="enrolled")
    modules = {}
    for order, (code, ru, en, zh, kind, hours, credits) in enumerate(MODULES):
        modules[code] = ModuleFactory(
            track=track,
            code=code,
            title_ru=ru,
            title_en=en,
            title_zh=zh,
            assessment_kind=kind,
            hours=hours,
            credits=credits,
            order=order,
        )
    day = datetime.date(2026, 6, 1)
    ModuleResultFactory(
        enrollment=enrollment, module=modules["MECH-01"], attempt=1, score=40, grade=G.UNSATISFACTORY, assessed_on=day
    )
    ModuleResultFactory(
        enrollment=enrollment,
        module=modules["MECH-01"],
        attempt=2,
        score=92,
        grade=G.EXCELLENT,
        assessed_on=datetime.date(2026, 6, 20),
    )
    ModuleResultFactory(
        enrollment=enrollment,
        module=modules["MECH-02"],
        score=None,
        grade=G.PASS,
        assessed_on=day,
        source=ModuleResult.Source.TRANSFER,
    )
    ModuleResultFactory(
        enrollment=enrollment,
        module=modules["MECH-03"],
        score=77.5,
        grade=G.GOOD,
        assessed_on=datetime.date(2026, 7, 2),
    )
    return enrollment


@pytest.fixture
def issued(fake_render, django_capture_on_commit_callbacks):
    """A diploma issued through the services for an enrollment with a passed module (the root ``issued`` fixture's
    track has no module, and a transcript lists results)."""
    module = ModuleFactory()
    enrollment = EnrollmentFactory(completed=True, cohort=CohortFactory(track=module.track))
    with django_capture_on_commit_callbacks(execute=True):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    return diploma


def _text(tmp_path, pdf: bytes, name: str = "transcript") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    screenshot(path, name)
    return pdftotext(path)


@needs_poppler
@time_machine.travel(NEW_YEARS_EVE, tick=False)
def test_a_transcript_alone_lists_every_module_grade_and_name_and_is_a_signed_pdf_a(
    tmp_path, enrollment, demo_keys, settings
):
    settings.TRANSCRIPT_NUMBER_FORMAT = "T-{year}-{seq:03d}"
    transcript = transcript_services.transcript_issue(enrollment=enrollment, by=None)
    assert transcript.number == "T-2027-001"  # Moscow is in 2027 already
    assert transcript.pdf.name == "transcripts/2027/T-2027-001.pdf"
    pdf = transcript.pdf.read()
    raw = _text(tmp_path, pdf)
    text = " ".join(raw.split())
    for code, ru, en, zh, *_rest in MODULES:
        for expected in (code, ru, en, zh):
            assert expected in text, expected
    for expected in (
        "5 (отлично) (92)",
        "5 (excellent)",
        "зачтено",
        "4 (хорошо) (77.5)",
        "20.06.2026",
        "李娜",
        "Li Na",
        "Ли На",
        "Мехатроника и робототехника",
        "机电一体化与机器人技术",
        "重庆工程职业技术学院",
        "Приложение к диплому",
        "Transcript of records",
        "成绩单",
        "T-2027-001",
        "1 января 2027 г.",
        "1 January 2027",
        "2027年1月1日",
        "Recognised from the home college",
        transcript.verification_url,
    ):
        assert expected in text, expected
    # The mark is on the recognised module's row, and only there.
    assert re.search(r"MECH-02 †", text) and text.count("†") == 2  # the row and the footnote
    # Totals: 72 + 36 + 108 hours, 2 + 1 + 3 credits; two attempts at MECH-01.
    assert "216" in text and "Total passed" in text
    # Every font embedded, all from the diplomas' fonts.
    path = tmp_path / "transcript.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True).stdout.decode().splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert all(line.split()[0].split("+", 1)[1].startswith(("Mobility-Sans", "Noto")) for line in fonts), fonts
    # PDF/A-3, signed over the whole file by the configured key, with the transcript's reason.
    from pyhanko.pdf_utils.reader import PdfFileReader

    check = signing.check_pdf(pdf)
    assert check.valid and check.by_configured_certificate
    reader = PdfFileReader(io.BytesIO(pdf))
    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert re.search(r"pdfaid:part(>|=\")3", xmp)
    assert reader.embedded_signatures[0].sig_object["/Reason"] == documents.SIGNATURE_REASON
    entry = AuditEntry.objects.get(action="transcript.issue")
    assert entry.object_id == str(transcript.pk) and entry.changes["sha256"][1] == transcript.sha256


@needs_poppler
def test_a_long_transcript_runs_over_pages_and_keeps_every_module(tmp_path, enrollment, demo_keys):
    for n in range(40):
        module = ModuleFactory(
            track=enrollment.track, code=f"EXTRA-{n:02d}", title_en=f"Elective {n:02d}", order=100 + n
        )
        ModuleResultFactory(enrollment=enrollment, module=module, score=60 + n % 40, grade=G.SATISFACTORY)
    transcript = transcript_services.transcript_issue(enrollment=enrollment, by=None)
    pdf = transcript.pdf.read()
    raw = _text(tmp_path, pdf, "transcript-long")
    pages = raw.split("\f")
    assert len([page for page in pages if page.strip()]) >= 2
    text = " ".join(raw.split())
    for n in range(40):
        assert f"EXTRA-{n:02d}" in text and f"Elective {n:02d}" in text
    total = len([page for page in pages if page.strip()])
    assert re.search(rf"\b1 ?/ ?{total}\b", text) and re.search(rf"\b{total} ?/ ?{total}\b", text)
    # The header repeats on every page.
    assert all("Attempts" in page for page in pages if page.strip())
    assert signing.check_pdf(pdf).valid


def test_alone_each_transcript_gets_a_new_number(enrollment, fake_render, office):
    first = transcript_services.transcript_issue(enrollment=enrollment, by=office)
    second = transcript_services.transcript_issue(enrollment=enrollment, by=office)
    assert first.number != second.number and first.issued_by == office
    assert TranscriptNumberCounter.objects.get().last == 2
    assert first.diploma is None and first.verification_code != second.verification_code
    assert len(first.verification_code) >= 22


def test_an_enrollment_without_results_gets_no_transcript(fake_render):
    with pytest.raises(DomainError) as refused:
        transcript_services.transcript_issue(enrollment=EnrollmentFactory(status="enrolled"), by=None)
    assert refused.value.code == "no_results"
    assert not Transcript.objects.exists()


def test_the_diploma_is_issued_with_its_transcript_exactly_once(issued, fake_render):
    transcript = Transcript.objects.get()
    assert transcript.diploma == issued and transcript.enrollment_id == issued.enrollment_id
    assert transcript.issued_at == issued.issued_at and transcript.sha256 and transcript.pdf
    # The render task again (a retry, a second delivery): nothing new.
    diploma_services.diploma_issue(diploma_id=issued.pk)
    assert Transcript.objects.count() == 1
    assert AuditEntry.objects.filter(action="transcript.issue").count() == 1


def test_a_run_killed_after_numbering_leaves_one_transcript(fake_render, django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True, cohort=CohortFactory(track=ModuleFactory().track))
    with django_capture_on_commit_callbacks():
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    fake_render.side_effect = [OSError("worker killed"), FAKE_PDF]
    with pytest.raises(OSError):
        diploma_services.diploma_issue(diploma_id=diploma.pk)
    numbered = Transcript.objects.get()
    assert not numbered.sha256  # numbered in phase 1, not stored
    diploma = diploma_services.diploma_issue(diploma_id=diploma.pk)
    assert diploma.status == Diploma.Status.ISSUED
    stored = Transcript.objects.get()
    assert stored.pk == numbered.pk and stored.number == numbered.number and stored.sha256


def test_the_transcript_is_revoked_with_its_diploma(issued, fake_render, office, django_capture_on_commit_callbacks):
    alone = transcript_services.transcript_issue(enrollment=issued.enrollment, by=office)
    with django_capture_on_commit_callbacks(execute=True):
        new = diploma_services.diploma_reissue(diploma=issued, by=office, reason="Name misspelt")
    old = Transcript.objects.get(diploma=issued)
    assert old.revoked_at is not None and old.revoked_reason == "Name misspelt" and old.status == "revoked"
    alone.refresh_from_db()
    assert alone.revoked_at is None  # issued alone: the office's to judge
    fresh = Transcript.objects.get(diploma=new)
    assert fresh.revoked_at is None and fresh.number != old.number
    assert AuditEntry.objects.filter(action="transcript.revoke", object_id=str(old.pk)).exists()


def test_a_transcript_rendered_with_its_diploma_prints_the_diploma_s_number(enrollment):
    now = timezone.now()
    diploma = Diploma.objects.create(
        enrollment=enrollment,
        status=Diploma.Status.RENDERING,
        number="STK-IAM-2026-000042",
        requested_at=now,
        issued_at=now,
    )
    design, signatories = for_issue("transcript", now)
    transcript = Transcript(
        enrollment=enrollment, diploma=diploma, number="T-1", issued_at=now, design=design, signatories=signatories
    )
    html = documents.render_transcript_html(transcript)
    assert "STK-IAM-2026-000042" in html and "T-1" in html
