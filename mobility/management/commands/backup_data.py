"""Back up the database and the stored files it references into a new folder (docs/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mobility.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc on PostgreSQL, sqlite3's online backup on SQLite) and every stored file it "
        "references (diploma PDFs, signed agreements) into a new folder, with manifest.json (row counts, each file's "
        "size and SHA-256). Exits with 1 if a file is missing or a diploma file is not the recorded one (the backup "
        "is written all the same)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="A new (or empty) folder for the backup.")
        parser.add_argument("--quiet", action="store_true", help="Print only problems.")

    def handle(self, *args, output: Path, quiet=False, **options):
        log = (lambda line: None) if quiet else self.stdout.write
        try:
            result = backup_create(output=output, log=log)
        except BackupError as error:
            raise CommandError(f"backup failed: {error}") from error
        manifest = result.manifest
        tables = manifest["database"]["tables"]
        size = sum(entry["size"] for entry in manifest["files"])
        log(
            f"backup {output}: {manifest['database']['engine']} database, {len(tables)} tables, "
            f"{sum(tables.values())} rows; {len(manifest['files'])} files ({size / 1e6:.1f} MB), "
            f"{len(manifest['missing'])} missing"
        )
        for problem in result.problems:
            self.stderr.write(problem)
        if result.problems:
            raise CommandError(f"backup written to {output} with {len(result.problems)} problems", returncode=1)
