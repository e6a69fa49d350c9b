"""Restore a backup made by backup_data into the configured database and storage, and check it (docs/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mobility.backups import BackupError, restore_run


class Command(BaseCommand):
    help = (
        "Restore a backup folder (backup_data): check it against its manifest first, then the database (pg_restore "
        "--clean --if-exists --no-owner, or the SQLite copy) and the files into the storage; then compare row counts "
        "and every file's SHA-256 with the manifest and the diplomas' recorded hashes. Exits with 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path, help="The backup folder.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the tables of a database that is not empty, and overwrite different files in the storage.",
        )

    def handle(self, *args, input: Path, force=False, **options):  # noqa: A002 - the option's name
        try:
            problems = restore_run(folder=input, force=force, log=self.stdout.write)
        except BackupError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(f"restore refused: {error}") from error
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"restored, but {len(problems)} differences from the backup (listed above)")
        self.stdout.write(f"restored {input}: row counts and every file's SHA-256 match the backup")
