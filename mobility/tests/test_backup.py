"""Backup and restore (``manage.py backup_data`` / ``restore_data``, ``mobility.backups``), the real way.

On PostgreSQL: students, enrollments, issued diplomas (one rendered and signed for real, the others by a fake renderer
with bytes of their own), a revoked one and a signed agreement are committed; ``backup_data`` runs ``pg_dump -Fc``;
a new empty database is made with ``createdb``; ``restore_data`` runs in a subprocess pointed at that database and at
an empty ``MEDIA_ROOT``; then every table's row count and every file's SHA-256 are compared with the source. A
tampered file in the backup makes the restore fail before it changes anything; a non-empty database is refused
without ``--force`` and replaced with it.

On SQLite (the demo), whatever the test run's database: the demo seeded and a cohort's diplomas issued in a database
of its own, backed up through sqlite3's backup API, changed, and restored (subprocesses).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from diplomas import services as diploma_services
from diplomas.models import Diploma
from mobility.backups import pg_environment, row_counts
from mobility.tests.support import postgresql_test_marks, worker_database_url
from programs.models import Agreement
from programs.tests.factories import AgreementFactory
from students.tests.factories import EnrollmentFactory

ROOT = Path(__file__).resolve().parents[2]


def _marked(marks):
    def decorate(function):
        for mark in marks:
            function = mark(function)
        return function

    return decorate


def _fake_pdf(diploma) -> bytes:
    return b"%PDF-1.7 fake diploma " + diploma.number.encode() + b"\n%%EOF\n"


def _data(*, real: int = 1, fake: int = 3) -> list[Diploma]:
    """Committed rows: diplomas issued through the services (``real`` by the real renderer and signer), the last one
    revoked, and an active agreement with its signed file."""
    diplomas = []
    for i in range(real + fake):
        enrollment = EnrollmentFactory(completed=True)
        if i < real:
            diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
        else:
            with mock.patch.object(diploma_services, "_render_and_sign", side_effect=_fake_pdf):
                diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
        diploma.refresh_from_db()
        assert diploma.status == Diploma.Status.ISSUED, diploma.failure_reason
        diplomas.append(diploma)
    diploma_services.diploma_revoke(diploma=diplomas[-1], by=None, reason="wrong name")
    AgreementFactory(signed_document=ContentFile(b"%PDF-1.4 signed agreement\n", name="agreement.pdf"))
    return diplomas


def _run_manage(*args, database: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": worker_database_url(database)}
    env["MEDIA_ROOT"] = str(media_root)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def fresh_database():
    """A new, empty PostgreSQL database on the test database's server, dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"[:63]
    env = pg_environment(connection.settings_dict)
    subprocess.run(["createdb", name], env=env, check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", name], env=env, capture_output=True)


def _counts_of(database: str) -> dict[str, int]:
    import psycopg2

    db = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=database, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
        ) as other,
        other.cursor() as cursor,
    ):
        return row_counts(cursor, "postgresql")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@_marked(postgresql_test_marks())
def test_backup_and_restore_into_a_new_database(tmp_path, fresh_database):
    diplomas = _data()
    backup = tmp_path / "backup"
    call_command("backup_data", output=backup, quiet=True)

    manifest = json.loads((backup / "manifest.json").read_text())
    source_counts = row_counts(connection.cursor(), "postgresql")
    assert manifest["database"]["engine"] == "postgresql" and (backup / "database.dump").stat().st_size > 0
    assert manifest["database"]["tables"] == source_counts
    assert source_counts["diplomas_diploma"] == 4 and source_counts["students_student"] == 4
    names = {entry["name"] for entry in manifest["files"]}
    assert names == {d.pdf.name for d in diplomas} | {Agreement.objects.get().signed_document.name}
    diploma_entries = [e for e in manifest["files"] if e["name"].startswith("diplomas/")]
    assert all(ref["recorded_ok"] for e in diploma_entries for ref in e["references"])
    assert manifest["missing"] == [] and manifest["problems"] == []

    # A tampered copy of the backup is refused before anything is written.
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    victim = tampered / "files" / diplomas[1].pdf.name
    victim.write_bytes(victim.read_bytes() + b"\n% appended")
    media = tmp_path / "restored-media"
    result = _run_manage("restore_data", "--input", str(tampered), database=fresh_database, media_root=media)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"files/{diplomas[1].pdf.name} differs from the manifest" in result.stderr
    assert _counts_of(fresh_database) == {} and not media.exists()

    # A storage holding another file under a name to restore is refused too (overwritten only with --force).
    squatter = media / diplomas[0].pdf.name
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"another file")
    result = _run_manage("restore_data", "--input", str(backup), database=fresh_database, media_root=media)
    assert result.returncode == 1 and "the storage holds other files" in result.stderr, result.stderr
    assert diplomas[0].pdf.name in result.stderr and _counts_of(fresh_database) == {}
    squatter.unlink()

    result = _run_manage("restore_data", "--input", str(backup), database=fresh_database, media_root=media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "row counts and every file's SHA-256 match the backup" in result.stdout

    assert _counts_of(fresh_database) == source_counts
    for diploma in Diploma.objects.all():
        assert _sha(media / diploma.pdf.name) == diploma.sha256
    agreement = Agreement.objects.get()
    assert (media / agreement.signed_document.name).read_bytes() == b"%PDF-1.4 signed agreement\n"
    # The restored site agrees: every diploma file matches the hash its restored row records.
    result = _run_manage("verify_diploma_files", database=fresh_database, media_root=media)
    assert result.returncode == 0 and "checked 4, ok 4, missing 0, mismatched 0" in result.stdout, result.stderr

    # A database that is not empty is refused, then replaced with --force (pg_restore --clean --if-exists).
    result = _run_manage("restore_data", "--input", str(backup), database=fresh_database, media_root=media)
    assert result.returncode == 1 and "is not empty" in result.stderr
    result = _run_manage("restore_data", "--input", str(backup), "--force", database=fresh_database, media_root=media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _counts_of(fresh_database) == source_counts


@_marked(postgresql_test_marks())
def test_a_backup_reports_a_missing_and_a_changed_diploma_file(tmp_path):
    diplomas = _data(real=0, fake=3)
    media = Path(settings.MEDIA_ROOT)
    (media / diplomas[0].pdf.name).unlink()
    (media / diplomas[1].pdf.name).write_bytes(b"%PDF-1.7 not the issued one\n")
    out = tmp_path / "backup"
    with _command_error() as caught:
        call_command("backup_data", output=out, quiet=True)
    assert "2 problems" in str(caught.value)
    manifest = json.loads((out / "manifest.json").read_text())  # written all the same
    assert [m["name"] for m in manifest["missing"]] == [diplomas[0].pdf.name]
    (changed,) = [e for e in manifest["files"] if e["name"] == diplomas[1].pdf.name]
    assert changed["references"][0]["recorded_ok"] is False


def _command_error():
    from django.core.management.base import CommandError

    return pytest.raises(CommandError)


def _demo(*args, folder: Path, check: bool = True) -> subprocess.CompletedProcess:
    """``manage.py`` on a demo database of its own: SQLite in ``folder``, tasks in-process, whatever the test run's
    database is (so CI on PostgreSQL runs the demo's backup path too)."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": "",
        "DIPLOMA_SIGNING_KEY": str(folder / "signing" / "key.pem"),
        "DIPLOMA_SIGNING_CERT": str(folder / "signing" / "cert.pem"),
        "DJANGO_SUPERUSER_PASSWORD": "pw-extra-1",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


# Slow on its own (seeds the demo, backs it up and restores it in a subprocess): ./dev test --fast leaves it out.
@pytest.mark.slow
def test_the_demo_databases_backup_and_restore_round_trip(tmp_path):
    """The SQLite path (sqlite3's online backup API) on the real demo: seeded, a cohort's diplomas rendered and
    signed, backed up, changed, restored."""
    _demo("migrate", "-v0", folder=tmp_path)
    seeded = _demo("seed_demo", folder=tmp_path).stdout
    # The demo's codes carry the years of the day it is seeded (in the subprocess, on the machine's clock): the
    # completed Mechatronics cohort's code is read from the seed's report.
    completed = re.search(r"^ +(CQ-MECH-\d{4}) +completed$", seeded, re.MULTILINE)
    assert completed, seeded
    _demo("issue_diplomas", "--cohort", completed.group(1), "--wait", folder=tmp_path)
    backup = tmp_path / "backup"
    _demo("backup_data", "--output", str(backup), "--quiet", folder=tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "sqlite" and (backup / "database.sqlite3").exists()
    diploma_files = sorted((tmp_path / "media").rglob("*.pdf"))
    assert len(diploma_files) >= 10  # the cohort's completed students

    # Things change after the backup: a new user, a diploma file lost.
    _demo("createsuperuser", "--noinput", "--username", "extra", "--email", "extra@example.edu", folder=tmp_path)
    lost = diploma_files[0]
    kept_sha = _sha(lost)
    lost.unlink()
    assert _demo("verify_diploma_files", "--quiet", folder=tmp_path, check=False).returncode == 1

    refused = _demo("restore_data", "--input", str(backup), folder=tmp_path, check=False)
    assert refused.returncode != 0 and "is not empty" in refused.stderr + refused.stdout
    assert not lost.exists()  # nothing restored

    _demo("restore_data", "--input", str(backup), "--force", folder=tmp_path)
    assert _sha(lost) == kept_sha
    verified = _demo("verify_diploma_files", folder=tmp_path)
    assert f"checked {len(diploma_files)}, ok {len(diploma_files)}, missing 0" in verified.stdout
    users = "from django.contrib.auth.models import User; print(User.objects.filter(username='extra').count())"
    assert _demo("shell", "-c", users, folder=tmp_path).stdout.strip().splitlines()[-1] == "0"  # made after
