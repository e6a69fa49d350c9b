"""``manage.py import_grades FILE --cohort CODE [--map "ITEM=CODE[@MAX]"]... [--dry-run]``: the staff page's gradebook
import, for scripts.

Same parsing, matching, mapping and all-or-nothing import as the page, through one service
(``students.imports.gradebook.gradebook_import``): the ``--map`` options are saved together with the results, in one
transaction, so a refused import saves nothing, the mapping included; a dry run runs the same checks and rolls back.
Prints the reconciliation and every error; exits non-zero (CommandError) when the file or the mapping is refused.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mobility.foundation.exceptions import DomainError
from programs.models import Cohort, Module
from students.imports.base import CSV_ENCODINGS, read_table
from students.imports.gradebook import (
    GradebookPreview,
    GradebookRefused,
    gradebook_import,
    refused_item_message,
)

NOT_A_MODULE = ("", "-", "none")


class Command(BaseCommand):
    help = "Import module results of a cohort from an LMS gradebook export (CSV or XLSX), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cohort", required=True, help="cohort code")
        parser.add_argument(
            "--dry-run", action="store_true", help="run every check of a real import, then roll back: save nothing"
        )
        parser.add_argument("--encoding", choices=CSV_ENCODINGS, default="auto")
        parser.add_argument("--by", help="username recorded as the author (default: system)")
        parser.add_argument("--date", help="assessed on, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar='"ITEM=MODULE_CODE[@MAX]"',
            help=(
                'map a gradebook item to a module of the track (or "ITEM=-": not a module), with the maximum points '
                "of a Real item after @ (default 100); saved for the cohort when the import succeeds"
            ),
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
            mapping, maxima = self._mapping(cohort, options["map"])
            result = gradebook_import(
                table=table,
                cohort=cohort,
                by=by,
                assessed_on=assessed_on,
                mapping=mapping,
                maxima=maxima,
                dry_run=options["dry_run"],
            )
        except GradebookRefused as refusal:
            self._report(refusal.preview)
            if refusal.code == "unmapped":
                raise CommandError(
                    "Refused: these gradebook items are not mapped for cohort "
                    f"{cohort.code}: {', '.join(refusal.preview.unmapped_items)}. "
                    'Give --map "Item name=MODULE_CODE" (or "Item name=-" for not a module) for each. '
                    "Nothing was saved."
                ) from None
            if refusal.code == "max_needed":
                raise CommandError(
                    f'Refused: {refusal.message} Give it as --map "Item name=MODULE_CODE@MAX". Nothing was saved.'
                ) from None
            raise CommandError(f"Refused: {refusal.message} Nothing was saved.") from None
        except DomainError as error:  # ImportFileError included
            raise CommandError(f"{error.message} Nothing was saved.") from None
        self._report(result.preview)
        outcome = result.outcome
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {outcome.written} result(s) would be saved ({outcome.new} new, {outcome.changed} "
                "corrected); every check of a real import passed; nothing was changed."
            )
            return
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

    def _mapping(self, cohort: Cohort, pairs: list[str]) -> tuple[dict[str, Module | None], dict[str, Decimal]]:
        """``--map "Item=CODE[@MAX]"`` options → (item → module or None, item → maximum points)."""
        modules = {module.code.upper(): module for module in Module.objects.filter(track_id=cohort.track_id)}
        mapping: dict[str, Module | None] = {}
        maxima: dict[str, Decimal] = {}
        for pair in pairs:
            item, sep, target = pair.rpartition("=")
            item = item.strip()
            if not sep or not item:
                raise CommandError(f'--map takes "Item name=MODULE_CODE[@MAX]", not {pair!r}.')
            code, at, maximum = target.partition("@")
            code = code.strip()
            if code.lower() in NOT_A_MODULE:
                if at:
                    raise CommandError(f"--map {pair!r}: an item that is not a module has no maximum.")
                mapping[item] = None
                continue
            if code.upper() not in modules:
                raise CommandError(
                    f"No module {code} in track {cohort.track.code}; its modules: {', '.join(sorted(modules))}."
                )
            mapping[item] = modules[code.upper()]
            if at:
                try:
                    maxima[item] = Decimal(maximum.strip().replace(",", "."))
                except InvalidOperation:
                    raise CommandError(f"--map {pair!r}: the maximum after @ must be a number.") from None
        return mapping, maxima

    def _report(self, preview: GradebookPreview) -> None:
        out = self.stdout.write
        counts = preview.counts()
        out(
            f"Cohort {preview.cohort.code}: {len(preview.rows)} row(s), {len(preview.matched)} matched, "
            f"{len(preview.unmatched)} unmatched, {len(preview.missing)} enrolled student(s) missing from the file."
        )
        for item, module in preview.mapped_items:
            maximum = preview.max_of(item)
            out(f"  mapping: {item} → {module.code}" + (f" (points out of {maximum})" if maximum is not None else ""))
        for header in preview.refused_items:
            out(f"  note: {refused_item_message(header)}")
        for row in preview.matched:
            cells = (
                ", ".join(
                    f"{c.module.code} {f'{c.raw}/{c.max_points} → ' if c.converted else ''}{c.score} ({c.grade}) "
                    f"{c.status}"
                    for c in row.cells
                )
                or "no scores"
            )
            out(f"  row {row.source.row}: {row.student.full_name_latin} — {cells}")
        for unmatched in preview.unmatched:
            source = unmatched.source
            out(f"  row {source.row} not imported: {source.name or source.email} — {unmatched.message}")
        for enrollment in preview.missing:
            out(f"  missing from the file: {enrollment.student.full_name_latin} ({enrollment.student.home_student_id})")
        out(
            f"Results: {counts['new']} new, {counts['changed']} corrected, {counts['unchanged']} unchanged, "
            f"{counts['kept']} passed kept."
        )
        for error in preview.errors:
            self.stderr.write(f"  error: {error}")
