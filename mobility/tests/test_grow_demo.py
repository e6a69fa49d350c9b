"""The benchmark data generator (``mobility.demo.grow``, ``manage.py grow_demo``, ``bench/generate.py``) at a small
N: histories the state machines could have produced, idempotent growth, a reset that touches nothing else."""

import datetime
import hashlib
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from diplomas.models import Diploma, DiplomaNumberCounter
from mobility.demo import seed_demo
from mobility.demo.grow import COHORT_PREFIX, generated_students, grow_demo, grow_demo_reset
from programs.models import Cohort
from students.models import Enrollment, ModuleResult, Student
from students.selectors import completion_missing_modules

pytestmark = pytest.mark.django_db

S = Enrollment.Status
TODAY = datetime.date(2026, 11, 24)
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN = re.compile(r"^[A-Z][a-z]+$")
CYRILLIC = re.compile(r"^[А-ЯЁ][а-яёъ]*$")


@pytest.fixture
def demo():
    seed_demo()


def _generated_counts() -> dict[str, int]:
    enrollments = Enrollment.objects.filter(cohort__code__startswith=COHORT_PREFIX)
    return {
        "students": generated_students().count(),
        "enrollments": enrollments.count(),
        "results": ModuleResult.objects.filter(enrollment__in=enrollments).count(),
        "diplomas": Diploma.objects.filter(enrollment__in=enrollments).count(),
    }


def test_generated_histories_hold_the_rules(demo):
    report = grow_demo(students=200, batch_size=64, today=TODAY)
    assert report.students_after == 200 and report.batches == 4
    assert report.created == _generated_counts()
    enrollments = Enrollment.objects.filter(cohort__code__startswith=COHORT_PREFIX).select_related("student")
    statuses = {row["status"] for row in enrollments.values("status").annotate(n=Count("id"))}
    assert {S.COMPLETED, S.ENROLLED, S.REJECTED} <= statuses
    for enrollment in enrollments:
        student = enrollment.student
        assert HAN.match(student.family_name_han + student.given_name_han)
        assert LATIN.match(student.family_name_latin) and LATIN.match(student.given_name_latin)
        assert CYRILLIC.match(student.family_name_cyrillic) and CYRILLIC.match(student.given_name_cyrillic)
        if enrollment.status == S.COMPLETED:
            assert not completion_missing_modules(enrollment=enrollment).exists(), enrollment
        if enrollment.status in (S.APPLIED, S.ADMITTED, S.REJECTED):
            assert not enrollment.results.exists()
    results = ModuleResult.objects.filter(enrollment__in=enrollments)
    assert results.filter(passed=False).exists() and results.filter(attempt=2).exists()


def test_issued_diplomas_continue_the_years_counter_and_carry_the_files_hash(demo):
    DiplomaNumberCounter.objects.create(year=2026, last=41)
    grow_demo(students=300, today=TODAY)
    diplomas = Diploma.objects.filter(enrollment__cohort__code__startswith=COHORT_PREFIX)
    assert diplomas.exists() and not diplomas.exclude(status=Diploma.Status.ISSUED).exists()
    assert not diplomas.exclude(enrollment__status=S.COMPLETED).exists()
    numbers_2026 = sorted(diplomas.filter(number__contains="-2026-").values_list("number", flat=True))
    assert numbers_2026[0] == settings.DIPLOMA_NUMBER_FORMAT.format(year=2026, seq=42)
    assert DiplomaNumberCounter.objects.get(year=2026).last == 41 + len(numbers_2026)
    diploma = diplomas.first()
    with diploma.pdf.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == diploma.sha256


def test_growing_is_idempotent_and_continues_where_it_stopped(demo):
    grow_demo(students=30, today=TODAY)
    first = _generated_counts()
    again = grow_demo(students=30, today=TODAY)
    assert again.created["students"] == 0 and _generated_counts() == first
    assert grow_demo(students=10, today=TODAY).students_after == 30  # never removes
    grow_demo(students=45, today=TODAY)
    ids = sorted(generated_students().values_list("home_student_id", flat=True))
    assert ids == [f"G{n:08d}" for n in range(45)]


def test_the_same_index_gives_the_same_student(demo):
    grow_demo(students=5, today=TODAY)
    before = list(generated_students().order_by("home_student_id").values("family_name_han", "given_name_han", "email"))
    grow_demo_reset()
    grow_demo(students=5, today=TODAY)
    after = list(generated_students().order_by("home_student_id").values("family_name_han", "given_name_han", "email"))
    assert before == after


def test_reset_removes_generated_rows_only(demo):
    demo_counts = (Student.objects.count(), Enrollment.objects.count(), ModuleResult.objects.count())
    grow_demo(students=40, today=TODAY)
    deleted = grow_demo_reset()
    assert deleted["students"] == 40 and deleted["cohorts"] == 36  # 2 partners × 3 tracks × 6 intakes
    assert (Student.objects.count(), Enrollment.objects.count(), ModuleResult.objects.count()) == demo_counts
    assert not Cohort.objects.filter(code__startswith=COHORT_PREFIX).exists()


def test_command_grows_resets_and_needs_the_demo():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("grow_demo", "5", allow_non_debug=True, stdout=StringIO())
    seed_demo()
    out = StringIO()
    call_command("grow_demo", "20", allow_non_debug=True, stdout=out)
    assert "Generated students: 0 → 20" in out.getvalue()
    out = StringIO()
    call_command("grow_demo", "20", "--reset", allow_non_debug=True, stdout=out)
    assert "Deleted: diplomas" in out.getvalue() and "0 → 20" in out.getvalue()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("grow_demo", "20", stdout=StringIO())


# Slow on its own (runs the bench script in a process of its own): ./dev test --fast leaves it out.
@pytest.mark.slow
def test_bench_script_runs_at_a_small_n(tmp_path):
    """The benchmark's own command line, in a throwaway SQLite database (a smoke run for CI)."""
    root = Path(settings.BASE_DIR)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_DEBUG": "1",
    }
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, str(root / "bench" / "generate.py"), "--students", "50", "--batch-size", "20"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Generated students: 0 → 50" in done.stdout and "total:" in done.stdout


def test_grown_students_hold_the_colleges_attested_transfer_consent(demo):
    from students.consent.models import Consent

    grow_demo(students=30, today=TODAY)
    grown = generated_students().exclude(passport_number="").exclude(consents__current=True)
    assert not grown.exists()  # every student with passport data holds a consent
    consent = Consent.objects.filter(channel="import", given_by="college").latest("id")
    assert consent.collected_on == consent.student.enrollments.get().applied_on
