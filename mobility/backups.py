"""Backup and restore of the database and of every stored file it references (docs/backups.md).

A backup is a folder::

    database.dump       pg_dump -Fc (PostgreSQL), or database.sqlite3 (SQLite, sqlite3's online backup API)
    files/<name>        every file a row names (diploma PDFs, signed agreements), copied through Django's storage
    manifest.json       written last: what the folder holds, row counts per table, each file's size and SHA-256

A folder without ``manifest.json`` is an unfinished backup and is refused by the restore.

The manifest describes exactly the dumped database: on PostgreSQL the row counts and the file names are read in a
read-only repeatable-read transaction whose snapshot ``pg_dump --snapshot`` uses too; on SQLite they are read from
the backup copy itself. Files are read through ``default_storage``'s API (never its folder), so the same code backs
up a local ``MEDIA_ROOT`` and an S3 bucket. Credentials reach ``pg_dump``/``pg_restore`` through ``PG*`` environment
variables, never their command line (visible to every user in ``ps``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

import django
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import connections, models, transaction
from django.utils import timezone

from diplomas.integrity import storage_sha256

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024
# Files whose row records the hash the file must have: (app_label, model, file field) → hash field.
RECORDED_HASHES = {("diplomas", "diploma", "pdf"): "sha256", ("diplomas", "transcript", "pdf"): "sha256"}
DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or the restore cannot go on; nothing (more) was changed. ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --- the database connection ------------------------------------------------------------------------------------


def database_engine(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in DUMP_FILES:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """The environment that points libpq's tools (pg_dump, pg_restore, createdb, psql) at a Django database."""
    env = {**os.environ}
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT")):
        values[variable] = options.get(option)
    values["PGSSLKEY"] = options.get("sslkey")
    for variable, value in values.items():
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def _run_tool(command: list[str], settings_dict: dict) -> None:
    try:
        result = subprocess.run(command, env=pg_environment(settings_dict), capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed: the PostgreSQL client tools of the server's version are needed "
            "(Debian: postgresql-client-15)"
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _table_names(cursor, engine: str) -> list[str]:
    if engine == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _column(field: Any) -> str:
    """The column of a concrete field (a model's own field: never a relation's reverse side, always a column)."""
    return cast(str, field.column)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(cursor, engine: str) -> dict[str, int]:
    """Rows of every table of the database (PostgreSQL: of its current schema)."""
    counts = {}
    for table in _table_names(cursor, engine):
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - a table name from the catalog, quoted
        counts[table] = cursor.fetchone()[0]
    return counts


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, model_field)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, models.FileField)
    ]


@dataclass
class Reference:
    model: str  # "diplomas.diploma"
    field: str
    pk: object
    recorded_sha256: str | None = None

    def as_dict(self) -> dict:
        data = {"model": self.model, "field": self.field, "pk": self.pk}
        if self.recorded_sha256 is not None:
            data["recorded_sha256"] = self.recorded_sha256
        return data


def file_references(cursor, tables: set[str]) -> dict[str, list[Reference]]:
    """Storage name → the rows that name it, for every file field of every installed model whose table exists."""
    found: dict[str, list[Reference]] = {}
    for model, model_field in _file_fields():
        table = model._meta.db_table
        if table not in tables:
            continue
        label = model._meta.label_lower
        hash_field = RECORDED_HASHES.get((model._meta.app_label, model._meta.model_name or "", model_field.name))
        columns = [_column(model._meta.pk), _column(model_field)]
        if hash_field:
            columns.append(_column(model._meta.get_field(hash_field)))
        cursor.execute(
            f"SELECT {', '.join(map(_quote, columns))} FROM {_quote(table)} "  # noqa: S608 - names from the models
            f"WHERE {_quote(_column(model_field))} <> '' ORDER BY 1"
        )
        for row in cursor.fetchall():
            recorded = row[2] if hash_field else None
            found.setdefault(row[1], []).append(Reference(label, model_field.name, row[0], recorded))
    return found


# --- files -------------------------------------------------------------------------------------------------------


def _local_path(root: Path, name: str) -> Path:
    """``root/name`` for a storage name, refusing names that would leave ``root`` (absolute, ``..``)."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise BackupError(f"refusing the file name {name!r}")
    return root.joinpath(*pure.parts)


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_out(storage, name: str, target: Path) -> tuple[str, int] | None:
    """Stream the stored file ``name`` to ``target``, hashing on the way; ``None`` if the storage has no such file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with storage.open(name, "rb") as stored, target.open("wb") as copy:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
                size += len(chunk)
    except FileNotFoundError:
        target.unlink(missing_ok=True)
        return None
    return digest.hexdigest(), size


def _git_revision() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


# --- backup ------------------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    manifest: dict
    problems: list[str] = field(default_factory=list)


def backup_create(*, output: Path, using: str = "default", log: Callable[[str], None] = lambda line: None):
    """Back up the database and every file it references into the new folder ``output``.

    Consistent: the row counts and file names in the manifest come from the very snapshot that is dumped, while the
    site keeps running. Files missing from the storage, or diploma files whose SHA-256 is not the recorded one, do
    not stop the backup (a backup of what there is beats none); they are listed in the manifest and in
    ``problems``. The manifest is written last, so an interrupted backup is never taken for a whole one.
    """
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise BackupError(f"{output} is a file: a backup goes into a new folder")
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: a backup goes into a new folder")
    output.mkdir(parents=True, exist_ok=True)
    engine = database_engine(using)
    connection = connections[using]
    dump = output / DUMP_FILES[engine]

    if engine == "postgresql":
        if connection.in_atomic_block:
            raise BackupError("a backup cannot run inside a transaction")
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            log(f"pg_dump -Fc of {connection.settings_dict['NAME']} (snapshot {snapshot})")
            _run_tool(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(dump)],
                connection.settings_dict,
            )
            counts = row_counts(cursor, engine)
            references = file_references(cursor, set(counts))
    else:
        log(f"sqlite3 online backup of {connection.settings_dict['NAME']}")
        connection.ensure_connection()
        copy = sqlite3.connect(dump)
        try:
            connection.connection.backup(copy)
            sqlite_cursor = copy.cursor()
            counts = row_counts(sqlite_cursor, engine)
            references = file_references(sqlite_cursor, set(counts))
        finally:
            copy.close()

    dump_sha, dump_size = file_sha256(dump)
    storage = _storage()
    files, missing, problems = [], [], []
    for name in sorted(references):
        refs = references[name]
        copied = _copy_out(storage, name, _local_path(output / "files", name))
        if copied is None:
            missing.append({"name": name, "references": [ref.as_dict() for ref in refs]})
            problems.append(f"missing in the storage: {name} ({_describe(refs)})")
            continue
        sha, size = copied
        entry_references: list[dict] = []
        entry = {"name": name, "size": size, "sha256": sha, "references": entry_references}
        for ref in refs:
            data = ref.as_dict()
            if ref.recorded_sha256 is not None:
                data["recorded_ok"] = ref.recorded_sha256 == sha
                if not data["recorded_ok"]:
                    problems.append(
                        f"not the recorded SHA-256: {name} ({ref.model} {ref.pk}): recorded "
                        f"{ref.recorded_sha256}, stored file {sha}"
                    )
            entry_references.append(data)
        files.append(entry)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "app": {"git": _git_revision(), "django": django.get_version()},
        "database": {
            "engine": engine,
            "name": str(connection.settings_dict["NAME"]),
            "file": dump.name,
            "size": dump_size,
            "sha256": dump_sha,
            "tables": counts,
        },
        "storage": f"{type(storage).__module__}.{type(storage).__qualname__}",
        "files": files,
        "missing": missing,
        "problems": problems,
    }
    partial = output / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    partial.replace(output / MANIFEST)
    return BackupResult(manifest=manifest, problems=problems)


def _describe(refs: list[Reference]) -> str:
    return ", ".join(f"{ref.model} {ref.pk}" for ref in refs)


def _storage():
    from django.core.files.storage import default_storage

    return default_storage


# --- restore -----------------------------------------------------------------------------------------------------


def manifest_read(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} not found: not a backup folder, or a backup that did not finish")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (this code reads {FORMAT})")
    return manifest


def backup_verify(folder: Path, manifest: dict) -> list[str]:
    """Differences between the backup folder and its manifest: the dump's and every file's SHA-256 and size."""
    folder = Path(folder)
    problems = []
    database = manifest["database"]
    dump = folder / database["file"]
    if not dump.exists():
        problems.append(f"{dump.name} is missing")
    elif file_sha256(dump) != (database["sha256"], database["size"]):
        problems.append(f"{dump.name} is not the file the manifest describes (SHA-256 differs)")
    for entry in manifest["files"]:
        path = _local_path(folder / "files", entry["name"])
        if not path.exists():
            problems.append(f"files/{entry['name']} is missing from the backup")
        elif file_sha256(path) != (entry["sha256"], entry["size"]):
            problems.append(f"files/{entry['name']} differs from the manifest (SHA-256 {file_sha256(path)[0]})")
    return problems


def restore_run(
    *, folder: Path, force: bool = False, using: str = "default", log: Callable[[str], None] = lambda line: None
) -> list[str]:
    """Restore a backup into the configured database and storage, then check the result; returns the differences
    found after restoring (empty: the restore is exact).

    Checks first and changes nothing if the backup folder differs from its manifest (a changed or truncated file),
    if the database engine differs, if the database already has tables, or if the storage holds a different file
    under a name to restore (the last two are allowed with ``force``: the tables are dropped and replaced,
    ``pg_restore --clean --if-exists``, and the files overwritten). PostgreSQL: ``pg_restore --no-owner --no-acl``
    in a single transaction (all or nothing). SQLite: sqlite3's backup API copies the whole file over the database.
    Afterwards every table's row count is compared with the manifest, every restored file is read back from the
    storage and hashed, and each diploma's file is compared with the SHA-256 its restored row records.
    """
    folder = Path(folder)
    manifest = manifest_read(folder)
    engine = database_engine(using)
    if manifest["database"]["engine"] != engine:
        raise BackupError(f"the backup is of a {manifest['database']['engine']} database, this one is {engine}")
    problems = backup_verify(folder, manifest)
    if problems:
        raise BackupError("the backup folder does not match its manifest; nothing was restored", problems)

    connection = connections[using]
    with connection.cursor() as cursor:
        existing = _table_names(cursor, engine)
    if existing and not force:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty ({len(existing)} tables); restore into "
            "an empty database, or pass --force to replace its tables"
        )
    storage = _storage()
    to_write, conflicts = [], []
    for entry in manifest["files"]:
        found = storage_sha256(storage, entry["name"]) if storage.exists(entry["name"]) else None
        if found is None:
            to_write.append((entry, False))
        elif found[0] != entry["sha256"]:
            conflicts.append(entry["name"])
            to_write.append((entry, True))
    if conflicts and not force:
        raise BackupError(
            "the storage holds other files under names to restore; pass --force to overwrite them", conflicts
        )

    dump = folder / manifest["database"]["file"]
    if engine == "postgresql":
        log(f"pg_restore into {connection.settings_dict['NAME']}")
        settings_dict = dict(connection.settings_dict)
        connections.close_all()
        _run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                settings_dict["NAME"],
                str(dump),
            ],
            settings_dict,
        )
    else:
        log(f"sqlite3 backup API: {dump.name} over {connection.settings_dict['NAME']}")
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    log(f"{len(to_write)} files into the storage ({len(manifest['files']) - len(to_write)} already there)")
    for entry, replace in to_write:
        name = entry["name"]
        if replace:
            storage.delete(name)
        with _local_path(folder / "files", name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"the storage saved {name} as {saved}")
    return restore_check(manifest, using=using)


def restore_check(manifest: dict, *, using: str = "default") -> list[str]:
    """Differences between the live database and storage and a backup's manifest: row counts of every table, each
    file's SHA-256, and each diploma's file against the hash its row records."""
    problems = []
    engine = database_engine(using)
    with connections[using].cursor() as cursor:
        counts = row_counts(cursor, engine)
        references = file_references(cursor, set(counts))
    for table, expected in manifest["database"]["tables"].items():
        if counts.get(table) != expected:
            problems.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    storage = _storage()
    for entry in manifest["files"]:
        name = entry["name"]
        found = storage_sha256(storage, name)
        if found is None:
            problems.append(f"file {name}: not in the storage after the restore")
            continue
        if found[0] != entry["sha256"]:
            problems.append(f"file {name}: SHA-256 {found[0]}, the backup had {entry['sha256']}")
        for ref in references.get(name, []):
            if ref.recorded_sha256 is not None and ref.recorded_sha256 != found[0]:
                problems.append(
                    f"file {name}: {ref.model} {ref.pk} records SHA-256 {ref.recorded_sha256}, the file has {found[0]}"
                )
    for name in sorted(set(references) - {entry["name"] for entry in manifest["files"]}):
        if not storage.exists(name):
            problems.append(f"file {name}: named by {_describe(references[name])} but not in the storage")
    return problems
