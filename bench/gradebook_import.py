"""Gradebook import benchmark: a cohort of N enrolled students, a Moodle gradebook export of it, parse, preview, apply.

    DJANGO_DEBUG=1 .venv/bin/python bench/gradebook_import.py [--rows 17000] [--items 10] [--use-configured-db]

By default it works in a throwaway SQLite database (created and migrated in a temporary folder, removed at the end).
The students and their enrollments are only the setting and are made with ``bulk_create``; the results go through the
real import path, the functions ``manage.py import_grades`` and the staff pages use: ``read_table`` →
``parse_gradebook`` → ``gradebook_mapping_save`` → ``parse_gradebook`` (matching and reconciliation) →
``apply_gradebook`` (one transaction, ``results_record_bulk``), then the same file again (nothing changes).
Prints seconds and rows/s for each step, and the database queries of the steps that write.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import random
import time
from pathlib import Path

import benchsetup  # bench/benchsetup.py, beside this script

ROOT = Path(__file__).resolve().parent.parent

IDENTITY = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]
ITEM_KINDS = ["Quiz", "Assignment", "Exam"]
BY_ID_NUMBER = 10  # every 10th row of the file has no e-mail: matched by ID number (= home student id)
NO_GRADE = 20  # about one cell in 20 is "-" (no grade yet)


def module_codes(items: int) -> list[str]:
    return [f"GB{index + 1:02d}" for index in range(items)]


def item_names(items: int) -> list[str]:
    return [f"{ITEM_KINDS[index % 3]}: {code} work" for index, code in enumerate(module_codes(items))]


def gradebook_rows(students, items: int) -> list[list[str]]:
    """A Moodle export: identity columns, one ``<item> (Real)`` column per item, course total, download stamp."""
    rng = random.Random(2026)
    names = item_names(items)
    rows = [
        IDENTITY + [f"{name} (Real)" for name in names] + ["Course total (Real)", "Last downloaded from this course"]
    ]
    stamp = str(int(time.time()))
    for n, (home_id, family, given, email) in enumerate(students):
        scores = ["-" if rng.randrange(NO_GRADE) == 0 else f"{rng.randrange(3000, 10001) / 100:.2f}" for _ in names]
        total = sum(float(score) for score in scores if score != "-")
        rows.append(
            [given, family, home_id, "Bench college", "Mechanical engineering", "" if n % BY_ID_NUMBER == 0 else email]
            + scores
            + [f"{total:.2f}", stamp]
        )
    return rows


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # Moodle's "UTF-8" export, opened and saved by Excel: with a BOM


def setup_django(use_configured: bool) -> Path | None:
    return benchsetup.setup_django(use_configured, prefix="gradebook-bench-")


def seed(count: int, items: int):
    """A cohort of ``count`` enrolled students (bulk_create: the setting, not what is measured) and its modules."""
    from django.contrib.auth import get_user_model

    from programs.models import Agreement, AgreementQuota, Cohort, Institution, Module, Track
    from students.models import Enrollment, Student

    stamp = datetime.datetime.now().strftime("%H%M%S")
    host, _ = Institution.objects.get_or_create(
        code="BENCHHOST", defaults={"kind": "host", "name_en": "Bench host", "country": "RU"}
    )
    college = Institution.objects.create(code=f"GB{stamp}", kind="sending", name_en="Bench college", country="CN")
    track = Track.objects.create(code=f"GB{stamp}", name_en="Bench gradebook track")
    for index, code in enumerate(module_codes(items)):
        Module.objects.create(
            track=track,
            code=code,
            title_en=f"Bench module {index + 1}",
            hours=36,
            credits=1,
            assessment_kind=Module.AssessmentKind.CREDIT if index % 4 == 3 else Module.AssessmentKind.EXAM,
            order=index,
        )
    agreement = Agreement.objects.create(
        number=f"GB-{stamp}",
        title="Bench",
        host=host,
        partner=college,
        status="active",
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2030, 12, 31),
    )
    from django.utils import timezone

    # The site's date, as the services' "today": the machine's may be a day ahead or behind.
    start = timezone.localdate() - datetime.timedelta(days=120)
    AgreementQuota.objects.create(agreement=agreement, track=track, year=start.year, places=count)
    cohort = Cohort.objects.create(
        code=f"GB{stamp}",
        name="Bench gradebook cohort",
        track=track,
        host=host,
        partner=college,
        agreement=agreement,
        start_date=start,
        end_date=start + datetime.timedelta(days=300),
        capacity=count,
    )
    students = Student.objects.bulk_create(
        [
            Student(
                home_institution=college,
                home_student_id=f"G{n:07d}",
                family_name_latin="Zhang",
                given_name_latin=f"Wei{n}",
                email=f"g{n}@example.cn",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    applied = start - datetime.timedelta(days=60)
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                student=student,
                cohort=cohort,
                track=track,
                status=Enrollment.Status.ENROLLED,
                applied_on=applied,
                admitted_on=applied + datetime.timedelta(days=10),
                enrolled_on=start,
            )
            for student in students
        ],
        batch_size=2000,
    )
    user = get_user_model().objects.filter(username="gradebook-bench").first()
    if user is None:
        user = get_user_model().objects.create_superuser("gradebook-bench", password=None)
    cohort = Cohort.objects.select_related("track").get(pk=cohort.pk)  # as the page and the command load it
    return cohort, user, [(s.home_student_id, s.family_name_latin, s.given_name_latin, s.email) for s in students]


class Queries:
    """Counts the database queries of a block (works without DEBUG, unlike connection.queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(label: str, rows: int, func, queries: bool = False):
    from django.db import connection

    counter = Queries()
    started = time.perf_counter()
    if queries:
        with connection.execute_wrapper(counter):
            result = func()
    else:
        result = func()
    seconds = time.perf_counter() - started
    extra = f"  {counter.count:9d} queries" if queries else ""
    print(f"{label:<38} {seconds:8.2f} s  {rows / seconds:10.0f} rows/s{extra}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=17_000)
    parser.add_argument("--items", type=int, default=10, help="graded items (and modules), 8–12 in a real course")
    parser.add_argument("--use-configured-db", action="store_true", help="do not create a throwaway SQLite database")
    args = parser.parse_args(argv)
    folder = setup_django(args.use_configured_db)

    from django.db import connection
    from django.utils import timezone

    from mobility.foundation.models import AuditEntry
    from programs.models import Module
    from students.imports.base import read_table
    from students.imports.gradebook import apply_gradebook, gradebook_mapping_save, parse_gradebook
    from students.models import ModuleResult

    n = args.rows
    started = time.perf_counter()
    cohort, user, students = seed(n, args.items)
    print(f"setting: {n} enrolled students (bulk_create) in {time.perf_counter() - started:.2f} s")
    data = to_csv(gradebook_rows(students, args.items))
    print(f"{n} rows × {args.items} items on {connection.vendor}: CSV (UTF-8 with BOM) {len(data) / 1e6:.1f} MB")
    day = timezone.localdate()

    table = timed("read CSV", n, lambda: read_table(data))
    first = timed("parse + match (items not mapped yet)", n, lambda: parse_gradebook(table, cohort=cohort), True)
    assert len(first.unmapped_items) == args.items and not first.errors, (first.unmapped_items, first.errors[:5])
    modules = {module.code: module for module in Module.objects.filter(track=cohort.track)}
    mapping = dict(zip(item_names(args.items), (modules[code] for code in module_codes(args.items)), strict=True))
    gradebook_mapping_save(cohort=cohort, by=user, mapping=mapping)
    preview = timed("preview: parse + match + reconcile", n, lambda: parse_gradebook(table, cohort=cohort), True)
    counts = preview.counts()
    assert len(preview.matched) == n and not preview.unmatched and not preview.missing and not preview.errors
    by_id = sum(1 for row in preview.matched if row.matched_by == "id_number")
    print(f"  matched {len(preview.matched)} ({by_id} by ID number), scores: {counts}")
    outcome = timed(
        "apply_gradebook (one transaction)", n, lambda: apply_gradebook(preview, by=user, assessed_on=day), True
    )
    print(f"  {outcome}; {outcome.written / n:.1f} results per row")
    assert outcome.written == counts["new"] == ModuleResult.objects.filter(enrollment__cohort=cohort).count()
    audit = AuditEntry.objects.count()

    again = timed("re-import: read + preview", n, lambda: parse_gradebook(read_table(data), cohort=cohort), True)
    counts = again.counts()
    assert counts["new"] == counts["changed"] == 0 and counts["unchanged"] == outcome.written, counts
    outcome = timed(
        "re-import: apply (nothing to do)", n, lambda: apply_gradebook(again, by=user, assessed_on=day), True
    )
    print(f"  {outcome}")
    assert outcome.written == 0 and AuditEntry.objects.count() == audit
    if folder is not None:
        import shutil

        connection.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
