"""``manage.py import_grades FILE --cohort CODE [--dry-run]``: the staff page's gradebook import, for scripts.

Same parsing, matching, mapping and all-or-nothing import as the page (``students.imports.gradebook``). Prints the
reconciliation and every error; exits non-zero (CommandError) when the file or the mapping is refused.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mobility.exceptions import DomainError
from programs.models import Cohort, Module
from students.imports.base import CSV_ENCODINGS, read_table
from students.imports.gradebook import (
    GradebookPreview,
    apply_gradebook,
    gradebook_mapping_save,
    parse_gradebook,
    refused_item_message,
)

NOT_A_MODULE = ("", "-", "none")


class Command(BaseCommand):
    help = "Import module results of a cohort from an LMS gradebook export (CSV or XLSX), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cohort", required=True, help="cohort code")
        parser.add_argument("--dry-run", action="store_true", help="check and report; save nothing")
        parser.add_argument("--encoding", choices=CSV_ENCODINGS, default="auto")
        parser.add_argument("--by", help="username recorded as the author (default: system)")
        parser.add_argument("--date", help="assessed on, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar='"ITEM=MODULE_CODE"',
            help='map a gradebook item to a module of the track (or "ITEM=-": not a module); saved for the cohort',
        )

    def handle(self, *args, **options):
        try:
            cohort = Cohort.objects.select_related("track").get(code=options["cohort"])
        except Cohort.DoesNotExist:
            raise CommandError(f"No cohort with code {options['cohort']}.") from None
        by = self._user(options["by"])
        assessed_on = self._date(options["date"])
        try:
            data = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            table = read_table(data, encoding=options["encoding"])
            mapping = self._mapping(cohort, options["map"])
            if mapping and options["dry_run"]:
                self.stdout.write("Dry run: the --map options are used but not saved.")
            elif mapping:
                gradebook_mapping_save(cohort=cohort, by=by, mapping=mapping)
            preview = parse_gradebook(table, cohort=cohort, mapping=mapping if options["dry_run"] else None)
        except DomainError as error:  # ImportFileError included
            raise CommandError(error.message) from None
        self._report(preview)
        if preview.unmapped_items:
            raise CommandError(
                "Refused: these gradebook items are not mapped for cohort "
                f"{cohort.code}: {', '.join(preview.unmapped_items)}. "
                'Give --map "Item name=MODULE_CODE" (or "Item name=-" for not a module) for each.'
            )
        if preview.errors:
            raise CommandError(f"Refused: the file has {len(preview.errors)} error(s); nothing was imported.")
        if options["dry_run"]:
            counts = preview.counts()
            self.stdout.write(
                f"Dry run: {counts['new'] + counts['changed']} result(s) would be saved; nothing was changed."
            )
            return
        try:
            outcome = apply_gradebook(preview, by=by, assessed_on=assessed_on)
        except DomainError as error:
            raise CommandError(f"Refused: {error.message} Nothing was imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {outcome.written} result(s) saved ({outcome.new} new, {outcome.changed} corrected); "
                f"{outcome.unchanged} unchanged, {outcome.kept} passed results kept."
            )
        )

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username}.") from None

    def _date(self, text) -> datetime.date:
        if not text:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {text!r}.") from None

    def _mapping(self, cohort: Cohort, pairs: list[str]) -> dict[str, Module | None]:
        modules = {module.code.upper(): module for module in Module.objects.filter(track_id=cohort.track_id)}
        mapping = {}
        for pair in pairs:
            item, sep, code = pair.rpartition("=")
            if not sep or not item.strip():
                raise CommandError(f'--map takes "Item name=MODULE_CODE", not {pair!r}.')
            code = code.strip()
            if code.lower() in NOT_A_MODULE:
                mapping[item.strip()] = None
            elif code.upper() in modules:
                mapping[item.strip()] = modules[code.upper()]
            else:
                raise CommandError(
                    f"No module {code} in track {cohort.track.code}; its modules: {', '.join(sorted(modules))}."
                )
        return mapping

    def _report(self, preview: GradebookPreview) -> None:
        out = self.stdout.write
        counts = preview.counts()
        out(
            f"Cohort {preview.cohort.code}: {len(preview.rows)} row(s), {len(preview.matched)} matched, "
            f"{len(preview.unmatched)} unmatched, {len(preview.missing)} enrolled student(s) missing from the file."
        )
        for item, module in preview.mapped_items:
            out(f"  mapping: {item} → {module.code}")
        for header in preview.refused_items:
            out(f"  note: {refused_item_message(header)}")
        for row in preview.matched:
            cells = ", ".join(f"{c.module.code} {c.score} ({c.grade}) {c.status}" for c in row.cells) or "no scores"
            out(f"  row {row.source.row}: {row.student.full_name_latin} — {cells}")
        for row in preview.unmatched:
            out(f"  row {row.source.row} not imported: {row.source.name or row.source.email} — {row.message}")
        for enrollment in preview.missing:
            out(f"  missing from the file: {enrollment.student.full_name_latin} ({enrollment.student.home_student_id})")
        out(
            f"Results: {counts['new']} new, {counts['changed']} corrected, {counts['unchanged']} unchanged, "
            f"{counts['kept']} passed kept."
        )
        for error in preview.errors:
            self.stderr.write(f"  error: {error}")
