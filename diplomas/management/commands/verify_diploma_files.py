"""Check every stored diploma and transcript file against the SHA-256 recorded when it was issued (docs/backups.md)."""

import time

from django.core.management.base import BaseCommand, CommandError

from diplomas.integrity import diploma_files_check


class Command(BaseCommand):
    help = (
        "Read every stored diploma file (issued and revoked) and transcript file through Django's storage and "
        "compare its SHA-256 with the recorded one. Prints a summary and every missing or changed file; exits with 1 "
        "if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing when every file is fine (for cron: mail only problems)."
        )
        parser.add_argument("--jobs", type=int, default=8, help="Files read at once (default 8; more helps on S3).")

    def handle(self, *args, quiet=False, jobs=8, **options):
        started = time.monotonic()
        report = diploma_files_check(jobs=jobs)
        seconds = time.monotonic() - started
        for problem in report.problems:
            diploma = problem.number or f"#{problem.diploma_id}"
            line = f"{problem.kind}: {problem.document} {diploma} {problem.name or '(no file)'}"
            if problem.kind == "mismatched":
                line += f" recorded {problem.recorded} found {problem.found}"
            self.stderr.write(line)
        summary = (
            f"checked {report.checked}, ok {report.ok}, missing {len(report.missing)}, "
            f"mismatched {len(report.mismatched)} ({seconds:.1f} s)"
        )
        if report.problems:
            raise CommandError(f"diploma and transcript files: {summary}", returncode=1)
        if not quiet:
            self.stdout.write(f"diploma and transcript files: {summary}")
