"""The demo's embedded services (decision 0020): the broker switch in the settings, and SQLite shared by the web
process and a worker process without "database is locked"."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env_overrides) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "mobility.settings", **env_overrides})
    prelude = "import django; django.setup(); from django.conf import settings; from mobility.celery import app\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _output(code: str, **env_overrides) -> str:
    process = _python(code, **env_overrides)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip()


def test_no_broker_runs_tasks_in_process():
    assert _output("print(settings.CELERY_TASK_ALWAYS_EAGER, app.conf.task_always_eager)", DJANGO_DEBUG="1") == (
        "True True"
    )


def test_filesystem_selects_the_embedded_broker_in_its_folder(tmp_path):
    folder = tmp_path / "broker"
    out = _output(
        """
        options = app.conf.broker_transport_options
        print(app.conf.broker_url, app.conf.task_always_eager, options["data_folder_in"] == options["data_folder_out"])
        print(options["data_folder_in"], options["processed_folder"], options["control_folder"])
        """,
        DJANGO_DEBUG="1",
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_FOLDER=str(folder),
    )
    first, second = out.splitlines()
    assert first == "filesystem:// False True"
    assert second.split() == [str(folder / "queue"), str(folder / "processed"), str(folder / "control")]
    assert all((folder / name).is_dir() for name in ("queue", "processed", "control"))


def test_a_task_sent_by_one_process_reaches_another_through_the_folder(tmp_path):
    env = {"DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "filesystem://", "CELERY_BROKER_FOLDER": str(tmp_path)}
    _output("app.send_task('mobility.tasks.outbox_relay', args=[], queue='mobility')", **env)
    assert len(list((tmp_path / "queue").iterdir())) == 1
    got = _output(
        """
        with app.connection_for_read() as connection:
            message = connection.SimpleQueue("mobility").get(timeout=5)
            print(message.headers["task"]); message.ack()
        """,
        **env,
    )
    assert got == "mobility.tasks.outbox_relay"
    assert list((tmp_path / "queue").iterdir()) == []


def test_production_refuses_the_embedded_broker():
    process = _python(
        "",
        DJANGO_SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="example.org",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        CELERY_BROKER_URL="filesystem://",
    )
    _out, err = process.communicate(timeout=120)
    assert process.returncode != 0 and "the demo's embedded broker" in err


WRITER = """
import time
from django.db import connection, transaction
for i in range({rounds}):
    # Read, then write, in one transaction: under SQLite's default (deferred) transactions two processes doing this
    # at once fail with "database is locked" when both try to upgrade their read lock.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(n), 0) FROM counter")
            n = cursor.fetchone()[0]
            time.sleep(0.002)
            cursor.execute("INSERT INTO counter (n, who) VALUES (%s, %s)", [n + 1, "{who}"])
print("ok")
"""


def test_two_processes_writing_one_sqlite_file_never_meet_database_is_locked(tmp_path):
    database = tmp_path / "shared.sqlite3"
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}
    setup = """
        from django.db import connection
        connection.cursor().execute("CREATE TABLE counter (n integer UNIQUE, who text)")
        print(connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])
        """
    assert _output(setup, **env) == "wal"
    rounds = 150
    writers = [_python(WRITER.format(rounds=rounds, who=who), **env) for who in ("web", "worker")]
    results = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0 and out.strip() == "ok", err[-2000:]
    count = _output(
        "from django.db import connection\n"
        "print(connection.cursor().execute('SELECT COUNT(*), MAX(n) FROM counter').fetchone())",
        **env,
    )
    assert count == f"({2 * rounds}, {2 * rounds})"  # every transaction saw the other's writes: none lost
