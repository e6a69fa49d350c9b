"""Helpers shared by the test suites of every app (test-only code: product modules never import it, nor pytest)."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import quote, urlsplit

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def recorded_page(browser, live_server, *, timeout_ms: int, **context_options):
    """A page in a fresh browser context (no cookies; ``context_options`` as Playwright's ``new_context``) that
    records every request it makes and every uncaught script error. On leaving, the context is closed and the test
    fails if a page asked any host but the live server, or a script failed."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    page.requested_urls = []
    page.script_errors = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    yield page
    context.close()
    own = urlsplit(live_server.url).netloc
    outside = [
        url
        for url in page.requested_urls
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
    ]
    assert outside == [], f"pages requested outside hosts: {outside}"
    assert page.script_errors == []


@contextmanager
def refused_by_database(constraint: str | None = None):
    """Assert that the block fails with an IntegrityError raised by the database (not by a form or ``clean()``),
    naming ``constraint`` when the backend reports constraint names (PostgreSQL always does)."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if constraint and "CHECK constraint failed" not in message and "UNIQUE constraint failed" not in message:
        assert constraint in message, message


def make_user(username: str, group: str | None = None, *, password: str = "pw", **fields):
    """A user, in one of the staff groups (``mobility.foundation.access.OFFICE`` / ``OFFICE_ADMIN``) when ``group`` is
    given."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password=password, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_api_key(institution, *, scopes=("read", "write"), name: str = "SIS", **fields):
    """A partner API key of ``institution``: ``(key, plain_key)``; the plain key is what a client sends."""
    from mobility.foundation.models import PartnerAPIKey

    return PartnerAPIKey.objects.create_key(name=name, institution=institution, scopes=list(scopes), **fields)


def api_client(plain_key: str | None = None, *, user=None):
    """A DRF test client sending ``Authorization: Api-Key <plain_key>``, or logged in as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    if plain_key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain_key}")
    if user is not None:
        client.force_login(user)
    return client


def worker_database_url(name: str | None = None) -> str:
    """The URL of the test database pytest-django created (PostgreSQL, or SQLite in a file), for a worker process; of
    the database ``name`` on the same server when given."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(name or db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name or db['NAME']}"


def postgresql_test_marks() -> list[pytest.MarkDecorator]:
    """The ``pytestmark`` of a module that needs the test database on PostgreSQL, committed so that other processes
    (pg_dump, a subprocess) see its rows: skipped unless ``DATABASE_URL`` is PostgreSQL (CI's .ci/run sets it)."""
    from django.conf import settings

    return [
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(
            "postgresql" not in settings.DATABASES["default"]["ENGINE"],
            reason="needs DATABASE_URL on PostgreSQL; .ci/run sets it and runs these tests",
        ),
    ]


def shared_test_database() -> bool:
    """True when another process can open the test database: PostgreSQL, or SQLite in a file (``DATABASE_TEST_NAME``)
    rather than in memory."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        return True
    name = (database.get("TEST") or {}).get("NAME") or ""
    return database["ENGINE"].endswith("sqlite3") and bool(name) and "memory" not in str(name)


def worker_test_marks() -> list[pytest.MarkDecorator]:
    """The ``pytestmark`` of a module whose tests run real worker processes: marked ``worker``, on a test database the
    workers can see (committed transactions), skipped unless PostgreSQL and a broker are configured.

    In one xdist group (pytest.ini's ``--dist loadgroup``): under ``-n`` these tests run one after the other in one
    pytest process. Each test's workers consume a queue of its own, but the Redis transport keeps every queue's
    unacknowledged messages in one set per Redis database, and a worker started with the 4 s visibility timeout
    gives back any message of that set older than 4 s: another test's running task, run twice, if two such tests
    shared the broker at once."""
    from django.conf import settings

    return [
        pytest.mark.worker,
        pytest.mark.xdist_group("celery-worker"),
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(
            "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not settings.CELERY_BROKER_URL,
            reason="needs DATABASE_URL on PostgreSQL and CELERY_BROKER_URL (a real worker cannot share an in-memory "
            "SQLite test database); .ci/run sets both and runs these tests",
        ),
    ]


class Workers:
    """Start, wait on and kill real ``celery -A mobility worker`` processes consuming one queue of the test's own.

    ``env`` is the workers' environment: change it before ``start()``. Brokers give a killed worker's
    unacknowledged messages back after ``CELERY_VISIBILITY_TIMEOUT``, 4 s here.
    """

    def __init__(self, tmp_path: Path, media_root: Path):
        self.queue = f"test-worker-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DJANGO_DEBUG": "1",
            "DATABASE_CONN_MAX_AGE": "0",
            "MEDIA_ROOT": str(media_root),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": "4",
        }
        self.processes: list[subprocess.Popen] = []
        self.logs = []

    def start(
        self, concurrency: int = 2, *, pool: str = "prefork", app: str = "mobility", options: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        """Start a worker of the Celery ``app`` (a module holding it: ``mobility``, or a test's variant of it), with
        more command-line ``options`` of ``celery worker`` if given."""
        # The log goes to a file, not a pipe: a full pipe would block the worker.
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "w+")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", self.queue]
        command += ["-P", pool, "-c", str(concurrency), "-n", f"{self.queue}-{len(self.processes)}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info", *options]
        # A session of its own: kill -9 of the process group takes the main process and its pool children at once.
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def start_beat(self) -> subprocess.Popen:
        """Start ``celery -A mobility beat`` with the workers' environment (its schedule file in the test's folder);
        stopped with the workers."""
        log = open(self.tmp_path / f"beat-{len(self.processes)}.log", "w+")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "celery", "-A", "mobility", "beat", "-l", "info"]
        command += ["--schedule", str(self.tmp_path / "celerybeat-schedule")]
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def kill9(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()

    def output(self) -> str:
        """The end of every worker's log, for failure messages."""
        text = []
        for log in self.logs:
            log.flush()
            log.seek(0)
            text.append(log.read()[-4000:])
        return "\n---\n".join(text)

    def log_of(self, index: int) -> str:
        """The whole log of the ``index``-th worker started (read through a file handle of its own: seeking the
        shared one would move the worker's write position)."""
        return Path(self.logs[index].name).read_text(errors="replace")

    def wait_ready(self, *, timeout: float = 60) -> None:
        """Wait until every worker started has logged that it is ready to consume."""
        self.wait_for(
            lambda: all(" ready." in self.log_of(i) for i in range(len(self.logs))),
            timeout=timeout,
            what="every worker to be ready",
        )

    def wait_for(self, condition: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Poll ``condition`` until it holds; fail the test with the workers' logs after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}:\n{self.output()}")


@contextmanager
def celery_workers(tmp_path: Path, *, enqueued_from: str) -> Iterator[Workers]:
    """``Workers`` whose queue also receives what the module ``enqueued_from`` (e.g. ``"diplomas.services"``) sends
    with ``enqueue_on_commit`` or ``enqueue_many_on_commit``; every worker is stopped on the way out."""
    import importlib

    from django.conf import settings

    from mobility.foundation import tasks

    workers = Workers(tmp_path, Path(settings.MEDIA_ROOT))
    module = importlib.import_module(enqueued_from)
    try:
        with contextlib.ExitStack() as patches:
            for name in ("enqueue_on_commit", "enqueue_many_on_commit"):
                if hasattr(module, name):
                    send = functools.partial(getattr(tasks, name), queue=workers.queue)
                    patches.enter_context(mock.patch.object(module, name, send))
            yield workers
    finally:
        workers.stop()


# --- a broker that is down, and one that is back -------------------------------------------------------------------


def closed_port() -> int:
    """A local TCP port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Tasks go to the broker at ``url`` in this process for the block, not run eagerly (unit tests run them eagerly
    otherwise): ``redis://127.0.0.1:<closed_port()>/0`` is a broker that is down, ``memory://`` one that is up
    (kombu's in-process transport; ``broker_messages`` reads what it holds). The outbox starts without its
    after-failure pause."""
    from django.test import override_settings

    from mobility.celery import app
    from mobility.foundation import outbox

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    outbox._broker_down_until = 0.0
    try:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it).
        with override_settings(CELERY_BROKER_URL=url), mock.patch.dict(os.environ, {"CELERY_BROKER_URL": url}):
            yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        outbox._broker_down_until = 0.0


@contextmanager
def embedded_broker_at(folder: Path) -> Iterator[dict]:
    """``broker_at("filesystem://")`` with the embedded broker's files in ``folder`` (the demo's broker, decision
    0020); yields the environment a worker process needs to share it."""
    from django.conf import settings
    from django.test import override_settings

    from mobility.celery import app
    from mobility.foundation.embedded import embedded_broker_options

    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **embedded_broker_options(folder)}
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = options
    try:
        with broker_at("filesystem://"), override_settings(CELERY_BROKER_TRANSPORT_OPTIONS=options):
            yield {"CELERY_BROKER_URL": "filesystem://", "CELERY_BROKER_FOLDER": str(folder)}
    finally:
        app.conf.broker_transport_options = saved


def broker_messages(queue: str | None = None) -> list[tuple[str, list]]:
    """Take every message from ``queue`` (default: the default queue) of the broker ``broker_at`` set:
    ``(task name, args)`` in the order sent."""
    import queue as queue_module

    from mobility.celery import app

    taken = []
    with app.connection_for_read() as connection:
        simple = connection.SimpleQueue(queue or app.conf.task_default_queue)
        while True:
            try:
                message = simple.get(timeout=0.1)
            except queue_module.Empty:
                break
            taken.append((message.headers["task"], message.payload[0]))
            message.ack()
        simple.close()
    return taken


def outbox_rows() -> list[tuple[str, list]]:
    """What waits in the outbox: ``(task name, args)`` in the order written."""
    from mobility.foundation.models import OutboxMessage

    return list(OutboxMessage.objects.order_by("pk").values_list("task", "args"))


def relay_to_a_broker_that_is_back() -> list[tuple[str, list]]:
    """Relay every row of the outbox, however young, to a broker that is up (kombu's in-process one), assert that it
    took them all and left the outbox empty, and return the messages it got, in order."""
    import datetime

    from mobility.foundation.models import OutboxMessage
    from mobility.foundation.outbox import outbox_relay

    with broker_at("memory://"):
        broker_messages()  # nothing left over from another test
        relayed = outbox_relay(older_than=datetime.timedelta(0))
        assert relayed.error == "" and relayed.left == []
        messages = broker_messages()
    assert not OutboxMessage.objects.exists()
    return messages


class RedisServer:
    """A ``redis-server`` of the test's own on a free local port (no persistence): a broker the test can stop and
    start again on the same port. ``url`` is its database 0."""

    def __init__(self, tmp_path: Path):
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 10) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = self.tmp_path / f"redis-{self.port}.log"
        with open(log, "a") as output:
            self.process = subprocess.Popen(
                command, cwd=self.tmp_path, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"redis-server did not start on port {self.port}: {log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def admin_url(model, view: str, *args) -> str:
    """The URL of one of the Django admin's pages of ``model`` (``changelist``, ``add``, ``change``, ``delete``)."""
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
