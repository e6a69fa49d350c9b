"""Grow the demo data to N students for benchmarks: ``grow_demo(students=10_000)`` on top of ``seed_demo``.

Speed over ceremony: the rows are written with ``bulk_create`` in batches (one transaction per batch), not through
the services, which lock, check and audit one row at a time (about 30 queries per student with results; hours at
100,000 students). So the generated rows have no audit entries and fire no webhooks, admissions are not counted
against agreements' quotas (the generated cohorts belong to no agreement), and issued diplomas all point at one
placeholder PDF (whose SHA-256 they carry) instead of a rendered one. Everything the database checks still holds:
the generator writes only histories the state machines could have produced (dates in order, completed enrollments
pass every required module, one current enrollment per track), and diploma numbers are taken from the year's
counter like ``diploma_issue`` does, so diplomas issued later continue the sequence.

Generated rows are recognisable: cohorts coded ``GEN-…``, students with a home id ``G`` + 8 digits. Student ``i``
is the same on every run (its own random generator), so growing 1,000 → 10,000 adds students 1,000…9,999, and
``grow_demo_reset`` removes every generated row (and nothing else).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from diplomas.models import Diploma, DiplomaNumberCounter
from mobility.demo.consents import published_transfer_text
from mobility.demo.data import FAMILY_NAMES, GIVEN_NAMES, HOST
from mobility.demo.tracks import TRACKS
from programs.models import Cohort, Institution, Module, Track
from students.consent.models import Consent, ConsentText
from students.models import Continuation, Enrollment, ModuleResult, Student
from students.services import grade_for_score
from students.transliteration import cyrillic_name, latin_name

S = Enrollment.Status
D = datetime.date

SEED = 20261124
COHORT_PREFIX = "GEN-"
STUDENT_ID_PREFIX = "G"
INTAKES = 6  # one a year, the last one in the current year; each cohort runs September → June
# Sending partners of the demo and their share of the generated students.
PARTNERS = {"CQEVTC": 0.85, "XJIVC": 0.15}
EMAIL_DOMAINS = {"CQEVTC": "stu.cqevtc.example", "XJIVC": "stu.xjivc.example"}
PLACEHOLDER_PDF = "diplomas/generated/placeholder.pdf"
ISSUED_SHARE = 0.7  # of completed enrollments in finished cohorts, issued a diploma

# The demo's names plus more common surnames (and a few compound ones), and given-name characters.
SURNAMES = (
    [family for family, _, _ in FAMILY_NAMES]
    + list("梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
    + [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
    ]
)
GIVEN_CHARACTERS = sorted(
    {given for given, *_ in GIVEN_NAMES if len(given) == 1} | set("文华建国玉兰秀梅志海燕春晖嘉怡博宇诗涵梓萱")
)
FEMININE = set("芳敏静婷雪秀英涵欣怡琪丽娜玉兰梅燕嘉诗梓萱")

# Outcomes by the cohort's phase today: (status, weight).
OUTCOMES = {
    "finished": ((S.COMPLETED, 84), (S.FAILED, 4), (S.WITHDRAWN, 5), (S.REJECTED, 7)),
    "running": ((S.ENROLLED, 85), (S.WITHDRAWN, 3), (S.REJECTED, 7), (S.ADMITTED, 2), (S.APPLIED, 3)),
    "future": ((S.APPLIED, 50), (S.ADMITTED, 40), (S.REJECTED, 10)),
}
RETAKE_RATE = 0.06


@dataclasses.dataclass
class GrowReport:
    students_before: int
    students_after: int
    created: dict[str, int]
    seconds: float
    batches: int

    def format(self) -> str:
        rate = self.created["students"] / self.seconds if self.seconds else 0
        lines = [
            f"Generated students: {self.students_before} → {self.students_after} "
            f"(+{self.created['students']} in {self.seconds:.1f} s, {rate:.0f} students/s, {self.batches} batches)",
            "Rows created: " + ", ".join(f"{name} {count}" for name, count in self.created.items()),
        ]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class _Cohort:
    cohort: Cohort
    phase: str
    exam_days: tuple[datetime.date, ...]  # one per module of the track, in order
    modules: tuple[Module, ...]


def generated_students():
    return Student.objects.filter(home_student_id__regex=rf"^{STUDENT_ID_PREFIX}[0-9]{{8}}$")


def grow_demo(
    *,
    students: int,
    batch_size: int = 2000,
    today: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> GrowReport:
    """Make the number of generated students ``students`` (never fewer than there are: it only adds), with their
    enrollments, module results and issued diplomas. Needs the demo's institutions and tracks (``seed_demo``).
    One transaction per batch of ``batch_size`` students; a run cut short leaves whole batches, and the next run
    continues after the highest generated index."""
    started = time.monotonic()
    today = today or timezone.localdate()
    context = _Context.load(today)
    existing = generated_students()
    before = existing.count()
    ids = existing.values_list("home_student_id", flat=True)
    next_index = max((int(value[len(STUDENT_ID_PREFIX) :]) for value in ids), default=-1) + 1
    created = dict.fromkeys(["students", "enrollments", "results", "diplomas"], 0)
    to_create, batches = max(0, students - before), 0
    while to_create > 0:
        size = min(batch_size, to_create)
        counts = _write_batch(context, range(next_index, next_index + size))
        for name, count in counts.items():
            created[name] += count
        next_index += size
        to_create -= size
        batches += 1
        if progress:
            progress(f"  {before + created['students']} students ({time.monotonic() - started:.1f} s)")
    return GrowReport(before, before + created["students"], created, time.monotonic() - started, batches)


@transaction.atomic
def grow_demo_reset() -> dict[str, int]:
    """Delete every generated row: diplomas, continuations, results and enrollments in generated cohorts,
    generated students and the cohorts. Rows of the demo and of real use are left alone."""
    enrollments = Enrollment.objects.filter(cohort__code__startswith=COHORT_PREFIX)
    deleted = {
        "diplomas": Diploma.objects.filter(enrollment__in=enrollments).delete()[0],
        "continuations": Continuation.objects.filter(enrollment__in=enrollments).delete()[0],
        "results": ModuleResult.objects.filter(enrollment__in=enrollments).delete()[0],
    }
    deleted["enrollments"] = enrollments.delete()[0]
    # Their consents go with them (cascade): the count is of students alone.
    deleted["students"] = generated_students().filter(enrollments__isnull=True).delete()[1].get("students.Student", 0)
    deleted["cohorts"] = Cohort.objects.filter(code__startswith=COHORT_PREFIX).delete()[0]
    return deleted


# --- the reference data ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Context:
    today: datetime.date
    partners: list[Institution]
    weights: list[float]
    cohorts: dict[str, list[_Cohort]]  # partner code → its generated cohorts
    tracks: dict[int, Track]
    pdf_name: str
    pdf_sha256: str
    consent_text: ConsentText

    @classmethod
    def load(cls, today: datetime.date) -> _Context:
        institutions = {i.code: i for i in Institution.objects.filter(code__in=[HOST, *PARTNERS])}
        missing = {HOST, *PARTNERS} - set(institutions)
        tracks = {t.code: t for t in Track.objects.filter(code__in=[spec.code for spec in TRACKS])}
        if missing or len(tracks) < len(TRACKS):
            raise RuntimeError("The demo data is missing: run `manage.py seed_demo` first.")
        modules: dict[int, list[Module]] = {}
        for module in Module.objects.filter(track__in=tracks.values()).order_by("order", "code"):
            modules.setdefault(module.track_id, []).append(module)
        cohorts: dict[str, list[_Cohort]] = {}
        for code in PARTNERS:
            for track in tracks.values():
                for year in range(today.year - INTAKES + 1, today.year + 1):
                    cohort = _cohort(institutions[HOST], institutions[code], track, year, today)
                    cohorts.setdefault(code, []).append(
                        _Cohort(
                            cohort,
                            _phase(cohort, today),
                            _exam_days(cohort, len(modules[track.pk])),
                            tuple(modules[track.pk]),
                        )
                    )
        pdf_name, pdf_sha256 = _placeholder_pdf()
        return cls(
            today,
            [institutions[code] for code in PARTNERS],
            list(PARTNERS.values()),
            cohorts,
            {track.pk: track for track in tracks.values()},
            pdf_name,
            pdf_sha256,
            published_transfer_text(),
        )


def _cohort(host: Institution, partner: Institution, track: Track, year: int, today: datetime.date) -> Cohort:
    start, end = D(year, 9, 1), D(year + 1, 6, 30)
    cohort, _ = Cohort.objects.get_or_create(
        code=f"{COHORT_PREFIX}{partner.code}-{track.code}-{year}",
        defaults={
            "name": f"{track.name_en}, {partner}, intake {year} (generated)",
            "track": track,
            "host": host,
            "partner": partner,
            "start_date": start,
            "end_date": end,
            "application_deadline": D(year, 7, 1),
            "capacity": 100_000,
            "delivery_mode": Cohort.DeliveryMode.ONLINE,
            "lms_course_id": f"gen-{track.code.lower()}-{partner.code.lower()}-{year}",
            "accepts_applications": end >= today,
        },
    )
    return cohort


def _phase(cohort: Cohort, today: datetime.date) -> str:
    if cohort.end_date < today:
        return "finished"
    return "running" if cohort.start_date <= today else "future"


def _exam_days(cohort: Cohort, count: int) -> tuple[datetime.date, ...]:
    span = (cohort.end_date - cohort.start_date).days - 10
    return tuple(
        _weekday(cohort.start_date + datetime.timedelta(days=round(span * k / count))) for k in range(1, count + 1)
    )


def _weekday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


def _placeholder_pdf() -> tuple[str, str]:
    """One small valid PDF shared by every generated issued diploma; stored once. Returns (name, SHA-256)."""
    content = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    if not default_storage.exists(PLACEHOLDER_PDF):
        default_storage.save(PLACEHOLDER_PDF, ContentFile(content))
    with default_storage.open(PLACEHOLDER_PDF, "rb") as stored:
        return PLACEHOLDER_PDF, hashlib.sha256(stored.read()).hexdigest()


# --- one batch ---------------------------------------------------------------------------------------------------


@functools.cache
def _names(family: str, given: str) -> tuple[str, str, str, str]:
    return (*latin_name(family, given), *cyrillic_name(family, given))


def _student(context: _Context, index: int) -> tuple[Student, _Cohort, random.Random]:
    rng = random.Random(f"{SEED}:{index}")
    partner = rng.choices(context.partners, context.weights)[0]
    cohort = rng.choice(context.cohorts[partner.code])
    family = rng.choice(SURNAMES)
    given = "".join(rng.sample(GIVEN_CHARACTERS, rng.choice((1, 2, 2, 2))))
    family_latin, given_latin, family_cyrillic, given_cyrillic = _names(family, given)
    year = cohort.cohort.start_date.year
    issued = D(year - 1, rng.randint(1, 12), rng.randint(1, 28))  # no 29 February: valid ten years to the day
    student = Student(
        home_institution=partner,
        home_student_id=f"{STUDENT_ID_PREFIX}{index:08d}",
        home_specialty=cohort.cohort.track.name_en,
        family_name_han=family,
        given_name_han=given,
        family_name_latin=family_latin,
        given_name_latin=given_latin,
        family_name_cyrillic=family_cyrillic,
        given_name_cyrillic=given_cyrillic,
        sex="F" if given[-1] in FEMININE else "M",
        citizenship="CN",
        birth_date=D(year - rng.randint(19, 21), rng.randint(1, 12), rng.randint(1, 28)),
        passport_number=f"E{rng.randrange(10**8):08d}",
        passport_issued_on=issued,
        passport_expires_on=issued.replace(year=issued.year + 10) - datetime.timedelta(days=1),
        email=f"{given_latin}.{family_latin}.{index}@{EMAIL_DOMAINS[partner.code]}".lower(),
        phone=f"+86 1{rng.randrange(30, 90)} {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}",
    )
    return student, cohort, rng


def _enrollment(student: Student, generated: _Cohort, rng: random.Random, today: datetime.date) -> Enrollment:
    cohort = generated.cohort
    statuses, weights = zip(*OUTCOMES[generated.phase], strict=True)
    status = rng.choices(statuses, weights)[0]
    applied = min(today, cohort.start_date - datetime.timedelta(days=rng.randint(70, 100)))
    decided = min(today, applied + datetime.timedelta(days=rng.randint(14, 40)))
    enrollment = Enrollment(
        student=student,
        cohort=cohort,
        track_id=cohort.track_id,
        status=status,
        source=rng.choice((Enrollment.Source.IMPORT, Enrollment.Source.API, Enrollment.Source.STAFF)),
        applied_on=applied,
    )
    if status == S.REJECTED:
        enrollment.closed_on = decided
        enrollment.status_reason = "Incomplete documents (generated)."
    if status in (S.ADMITTED, S.ENROLLED, S.COMPLETED, S.WITHDRAWN, S.FAILED):
        enrollment.admitted_on = decided
    if status in (S.ENROLLED, S.COMPLETED, S.WITHDRAWN, S.FAILED):
        enrollment.enrolled_on = cohort.start_date
    if status == S.COMPLETED:
        enrollment.completed_on = cohort.end_date
    elif status == S.FAILED:
        enrollment.closed_on = cohort.end_date
        enrollment.status_reason = "A required module not passed in two attempts (generated)."
    elif status == S.WITHDRAWN:
        last = min(cohort.end_date, today)
        days = (last - cohort.start_date).days
        enrollment.closed_on = cohort.start_date + datetime.timedelta(days=rng.randint(min(20, days), days))
        enrollment.status_reason = "Left at the student's own request (generated)."
    return enrollment


def _results(enrollment: Enrollment, generated: _Cohort, rng: random.Random, context: _Context) -> list[ModuleResult]:
    if enrollment.status not in (S.ENROLLED, S.COMPLETED, S.WITHDRAWN, S.FAILED):
        return []
    cohort, track = generated.cohort, context.tracks[generated.cohort.track_id]
    last_day = cohort.end_date - datetime.timedelta(days=1)
    until = {S.WITHDRAWN: enrollment.closed_on, S.ENROLLED: context.today - datetime.timedelta(days=1)}.get(
        enrollment.status, last_day
    )
    required = [module for module in generated.modules if module.is_required]
    failed_module = rng.choice(required) if enrollment.status == S.FAILED else None
    ability = rng.uniform(64, 94)
    results = []

    def add(module, attempt, score, day):
        score = Decimal(score)
        grade = grade_for_score(track=track, module=module, score=score)
        results.append(
            ModuleResult(
                enrollment=enrollment,
                module=module,
                attempt=attempt,
                score=score,
                grade=grade,
                assessed_on=day,
                source=ModuleResult.Source.LMS,
            )
        )

    for module, day in zip(generated.modules, generated.exam_days, strict=True):
        if day > until:
            break
        if not module.is_required and rng.random() < 0.5:
            continue
        retake_on = _weekday(min(day + datetime.timedelta(days=21), last_day))
        if module == failed_module:
            add(module, 1, rng.randint(30, 55), day)
            add(module, 2, rng.randint(35, 58), retake_on)
        elif rng.random() < RETAKE_RATE:
            add(module, 1, rng.randint(30, 57), day)
            if retake_on <= until:  # always so for a completed enrollment: it passes every required module
                add(module, 2, rng.randint(61, 80), retake_on)
        else:
            add(module, 1, max(61, min(100, round(rng.gauss(ability, 8)))), day)
    return results


def _diploma(enrollment: Enrollment, rng: random.Random, context: _Context) -> Diploma | None:
    if enrollment.status != S.COMPLETED or rng.random() >= ISSUED_SHARE:
        return None
    day = min(context.today, enrollment.completed_on + datetime.timedelta(days=rng.randint(7, 30)))
    requested = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    return Diploma(
        enrollment=enrollment,
        status=Diploma.Status.ISSUED,
        requested_at=requested,
        issued_at=requested + datetime.timedelta(minutes=rng.randint(1, 90)),
        attempts=1,
        pdf=context.pdf_name,
        sha256=context.pdf_sha256,
    )


@transaction.atomic
def _write_batch(context: _Context, indexes: range) -> dict[str, int]:
    students, enrollments, results, diplomas = [], [], [], []
    plans = []
    for index in indexes:
        student, generated, rng = _student(context, index)
        enrollment = _enrollment(student, generated, rng, context.today)
        students.append(student)
        enrollments.append(enrollment)
        plans.append((enrollment, generated, rng))
    Student.objects.bulk_create(students, batch_size=1000)
    for enrollment in enrollments:
        enrollment.student_id = enrollment.student.pk  # set after the students got their ids
    Enrollment.objects.bulk_create(enrollments, batch_size=1000)
    # Passport data come with the college's attested consent to their transfer (docs/privacy.md), as through the API.
    text = context.consent_text
    Consent.objects.bulk_create(
        (
            Consent(
                student_id=enrollment.student_id,
                purpose=text.purpose,
                text=text,
                decision=Consent.Decision.GIVEN,
                given_by=Consent.GivenBy.COLLEGE,
                channel=Consent.Channel.IMPORT,
                language="zh",
                text_sha256=text.digest("zh"),
                collected_on=enrollment.applied_on,
            )
            for enrollment in enrollments
        ),
        batch_size=1000,
    )
    for enrollment, generated, rng in plans:
        for result in _results(enrollment, generated, rng, context):
            result.enrollment_id = enrollment.pk
            results.append(result)
        diploma = _diploma(enrollment, rng, context)
        if diploma is not None:
            diploma.enrollment_id = enrollment.pk
            diplomas.append(diploma)
    ModuleResult.objects.bulk_create(results, batch_size=2000)
    _number(diplomas)
    Diploma.objects.bulk_create(diplomas, batch_size=1000)
    return {
        "students": len(students),
        "enrollments": len(enrollments),
        "results": len(results),
        "diplomas": len(diplomas),
    }


def _number(diplomas: list[Diploma]) -> None:
    """Numbers from each year's counter, locked as ``diplomas.services`` locks it, in order of issue, skipping
    numbers already present (written by hand or imported), as ``diplomas.services._next_number`` does."""
    by_year: dict[int, list[Diploma]] = {}
    for diploma in sorted(diplomas, key=lambda d: d.issued_at):
        by_year.setdefault(timezone.localtime(diploma.issued_at).year, []).append(diploma)
    for year, waiting in by_year.items():
        counter, _ = DiplomaNumberCounter.objects.select_for_update().get_or_create(year=year)
        seq, waiting = counter.last, list(waiting)
        while waiting:
            candidates = {
                settings.DIPLOMA_NUMBER_FORMAT.format(year=year, seq=n): n
                for n in range(seq + 1, seq + 1 + len(waiting))
            }
            present = set(Diploma.objects.filter(number__in=candidates).values_list("number", flat=True))
            for number, n in candidates.items():
                seq = n
                if number not in present:
                    waiting.pop(0).number = number
        counter.last = seq
        counter.save(update_fields=["last"])
