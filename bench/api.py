"""Partner API benchmark: requests/s and latency percentiles of four endpoints under a bounded load, next to the
bare DRF endpoint (``/api/v1/me/``: authentication, throttle and a tiny body) as the floor, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/api.py --students 10000 [--requests 2000] [--concurrency 4]
    DJANGO_DEBUG=1 .venv/bin/python bench/api.py --throwaway --students 50 --requests 40   # smoke run, SQLite

1. Data: migrates the database, runs ``seed_demo`` and grows it to ``--students`` generated students
   (``mobility.demo.grow``, as ``bench/generate.py``), vacuums and analyzes the tables read on PostgreSQL (as
   autovacuum would after the bulk load), and creates a read-only key of the Chongqing college (revoked at the end).
2. Server: Django's threaded development WSGI server (what ``runserver`` runs; gunicorn is not a dependency yet),
   without its request log and with TCP_NODELAY, on 127.0.0.1 in a child process with production settings
   (``DJANGO_DEBUG`` unset: no query log, no browsable API, persistent database connections). One process and the
   GIL: the figures compare endpoints on one server, they do not promise a production throughput.
3. Load: this process, a bounded client of its own: ``--concurrency`` threads, each with one keep-alive
   ``http.client`` connection, sends ``--requests`` requests per endpoint after a warm-up; every answer must be 200.
4. Prints requests/s, p50/p95/p99 in ms, the ratio to the floor against its target (progress and lookup ≥ 0.5,
   a page of 100 students ≥ 0.2), and the database queries of one request of each (Django's test client,
   in-process, on the same data).
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import benchsetup  # bench/benchsetup.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"progress": 0.5, "lookup": 0.5, "students_page_100": 0.2}


def prepare(students: int) -> tuple[str, dict[str, str]]:
    """The data and a fresh key; returns (the key, endpoint name → path)."""
    from mobility import services
    from mobility.demo import seed_demo
    from mobility.demo.grow import grow_demo
    from programs.models import Institution
    from students.models import Enrollment

    started = time.monotonic()
    seed_demo()
    report = grow_demo(students=students)
    print(report.format() if report.created["students"] else f"Generated students: {report.students_after}")
    analyze_tables()
    print(f"data ready in {time.monotonic() - started:.1f} s")
    college = Institution.objects.get(code="CQEVTC")
    _key, raw_key = services.api_key_create(
        institution=college,
        name=f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}",
        scopes=["read"],
        expires_at=None,
        by=None,
    )
    enrollment = (
        Enrollment.objects.filter(student__home_institution=college, status=Enrollment.Status.COMPLETED)
        .order_by("-id")
        .first()
    )
    from diplomas.models import Diploma

    diploma = (
        Diploma.objects.filter(status=Diploma.Status.ISSUED, enrollment__student__home_institution=college)
        .order_by("-id")
        .first()
    )
    if enrollment is None or diploma is None:
        raise SystemExit("No completed enrollment or issued diploma of CQEVTC: grow the data (--students).")
    paths = {
        "me": "/api/v1/me/",
        "progress": f"/api/v1/enrollments/{enrollment.pk}/progress/",
        "lookup": f"/api/v1/diplomas/lookup/?number={diploma.number}",
        "students_page_100": "/api/v1/students/?page_size=100",
    }
    return raw_key, paths


def analyze_tables() -> None:
    """``VACUUM (ANALYZE)`` the tables the endpoints read, on PostgreSQL: what autovacuum does on a real server
    after a bulk load, and what a server with autovacuum off (the CI and bench containers) never does. Without it
    the planner has no statistics and the visibility map is empty, so the page's ``COUNT`` over a partner's
    students reads the whole heap (2.4 ms) instead of scanning the ``home_institution_id`` index only (0.7 ms)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from diplomas.models import Diploma
    from students.models import Enrollment, ModuleResult, Student

    with connection.cursor() as cursor:
        for model in (Student, Enrollment, ModuleResult, Diploma):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def queries_per_request(raw_key: str, paths: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}", SERVER_NAME="127.0.0.1")
    counts = {}
    for name, path in paths.items():
        client.get(path)  # first use: content types and the like get cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        counts[name] = len(captured.captured_queries)
    return counts


def serve(port: int, *, urlconf: str | None = None) -> None:
    """The child process: Django's threaded development WSGI server (what ``runserver`` runs) without its request
    log and with TCP_NODELAY on each connection. Without it, the handler's separate writes of headers and body meet
    Nagle's algorithm and the client's delayed ACK, and every keep-alive answer waits about 40 ms. ``urlconf``
    replaces the root URLconf (``bench/benchurls.py``: the product's URLs plus a bench-only floor view)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    import django

    django.setup()
    if urlconf:
        from django.conf import settings

        settings.ROOT_URLCONF = urlconf  # read by the handler on every request
        # Pages link their static files: production's manifest storage wants a ``collectstatic`` (over a minute
        # here, brotli of the vendored files) before the server starts. The plain storage makes the same links
        # without the hashes; static files themselves are not what the bench measures.
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    class Server(ThreadedWSGIServer):
        daemon_threads = True

        def get_request(self):
            sock, address = super().get_request()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, address

    server = Server(("127.0.0.1", port), QuietHandler)
    server.set_app(get_internal_wsgi_application())
    server.serve_forever()


BENCH_SECRET_KEY = "bench-only-" + "x" * 50


def free_port(port: int) -> int:
    """``port``, or a port the system says is free when it is 0."""
    if port:
        return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, *, script: Path | None = None) -> subprocess.Popen:
    """``script --serve PORT`` (this file by default) in a child process with production settings; returns once
    the port answers."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        pass
    else:  # someone else's server would answer the load (and fail it with their 401s)
        raise SystemExit(f"port {port} is already in use: pass another --port (or 0 for a free one)")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SECURE_SSL_REDIRECT": "0",
        "API_RATE_LIMIT": "10000000/minute",
    }
    env.pop("DJANGO_DEBUG", None)
    server = subprocess.Popen(
        [sys.executable, str(script or Path(__file__).resolve()), "--serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def load(port: int, path: str, headers: dict, *, requests: int, concurrency: int) -> dict:
    """``requests`` GETs of ``path`` from ``concurrency`` threads with keep-alive connections."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [requests]

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{response.status}: {body[:200]!r}")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} failed requests, e.g. {errors[:3]}")
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rps": len(latencies) / wall,
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "latencies": latencies,  # seconds, for a caller that adds up several loads (bench/staff.py's rounds)
        "wall": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="generated students (1k, 10k, 100k)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint, after the warm-up")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (connections)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--throwaway", action="store_true", help="a temporary SQLite database (smoke run)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the server's own process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    folder = benchsetup.setup_django(not args.throwaway, prefix="bench-api-")
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    raw_key, paths = prepare(args.students)
    queries = queries_per_request(raw_key, paths)
    connection.close()  # the server gets the database to itself
    print(f"load: {args.requests} requests per endpoint, {args.concurrency} connections, loopback; `uptime`: ", end="")
    print(os.getloadavg())
    args.port = free_port(args.port)
    server = start_server(args.port)
    headers = {"Authorization": f"Api-Key {raw_key}", "Accept": "application/json"}
    results = {}
    try:
        for path in paths.values():
            load(args.port, path, headers, requests=max(10, args.requests // 10), concurrency=args.concurrency)
        for name, path in paths.items():
            results[name] = load(args.port, path, headers, requests=args.requests, concurrency=args.concurrency)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    from mobility import services
    from mobility.foundation.models import PartnerAPIKey

    services.api_key_revoke(api_key=PartnerAPIKey.objects.get_from_key(raw_key), by=None, reason="end of the bench run")
    floor = results["me"]["rps"]
    print(f"\n{'endpoint':<18} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>8}  × floor (target)")
    for name, figures in results.items():
        ratio = figures["rps"] / floor
        target = TARGETS.get(name)
        verdict = f"{ratio:.2f} (≥ {target}: {'met' if ratio >= target else 'NOT met'})" if target else "1.00 (floor)"
        print(
            f"{name:<18} {figures['rps']:>8.1f} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['p99']:>8.1f} "
            f"{queries[name]:>8}  {verdict}"
        )
    print(f"paths: {paths}")
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
