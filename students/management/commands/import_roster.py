"""``import_roster FILE --cohort CODE [--dry-run] [--encoding auto|utf-8|gb18030] [--by USERNAME]``.

The same parse and apply as the staff page (``students.imports.roster``): prints every error by row and column and
a summary; exits non-zero (``CommandError``) when the file is refused, and then saves nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from programs.models import Cohort
from students.imports.base import CSV_ENCODINGS, ImportFileError, read_table
from students.imports.roster import ImportResult, RosterPreview, RosterRefused, apply_roster, parse_roster


def roster_load(path: str | Path, *, cohort_code: str, encoding: str = "auto", by=None) -> RosterPreview:
    """Read and parse a roster file for a cohort (by code). Raises ``CommandError`` for a file or cohort refused."""
    cohort = Cohort.objects.select_related("track", "partner", "agreement").filter(code__iexact=cohort_code).first()
    if cohort is None:
        raise CommandError(f"There is no cohort {cohort_code}.")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        table = read_table(data, encoding=encoding)
    except ImportFileError as exc:
        raise CommandError(exc.message) from exc
    return parse_roster(table, cohort=cohort, viewer=by)


class Command(BaseCommand):
    help = "Import a partner college's roster (XLSX or CSV) into a cohort: students and their applications."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--cohort", required=True, help="code of the cohort the students apply to")
        parser.add_argument("--dry-run", action="store_true", help="parse and report only; save nothing")
        parser.add_argument("--encoding", choices=CSV_ENCODINGS, default="auto", help="of a CSV file")
        parser.add_argument(
            "--by",
            help="username the changes are recorded under (without it: 'system', and passport columns are ignored)",
        )

    def handle(self, *args, file, cohort, dry_run, encoding, by, **options):
        user = None
        if by:
            user = get_user_model().objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active user {by}.")
        started = time.perf_counter()
        preview = roster_load(file, cohort_code=cohort, encoding=encoding, by=user)
        parsed = time.perf_counter()
        counts = preview.counts
        for warning in preview.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        for message in preview.file_errors:
            self.stderr.write(f"error: {message}")
        for error in preview.errors:
            self.stderr.write(f"error: {error}")
        self.stdout.write(
            f"{counts['rows']} rows ({preview.kind}{', ' + preview.encoding if preview.encoding else ''}) in "
            f"{parsed - started:.2f} s: {counts['create']} new students, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged, {counts['applications']} new applications, "
            f"{counts['rows_with_errors']} rows with errors."
        )
        if preview.has_errors:
            raise CommandError(
                f"The roster is refused ({len(preview.file_errors) + len(preview.errors)} errors); nothing was saved."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
            return
        try:
            result: ImportResult = apply_roster(preview, by=user)
        except RosterRefused as exc:
            for error in exc.errors:
                self.stderr.write(f"error: {error}")
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported in {time.perf_counter() - parsed:.2f} s: {result.created} students created, "
                f"{result.updated} updated, {result.applications} applications."
            )
        )
