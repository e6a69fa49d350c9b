"""Staff students list (``/students/``) benchmark: requests/s and latency percentiles of the list as office staff
see it (the default page, a search by a Han name, a filter by cohort and status), next to a bare staff view on the
same server in the same run as the floor, and the database queries of one request of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/staff.py --students 10000 [--requests 1000] [--concurrency 4]
    DJANGO_DEBUG=1 .venv/bin/python bench/staff.py --throwaway --students 50 --requests 40   # smoke run, SQLite

1. Data: as ``bench/api.py`` (``seed_demo``, grown to ``--students`` generated students, ``VACUUM (ANALYZE)`` on
   PostgreSQL). The viewer is the demo's ``office`` user (group ``office``), logged in once: the load sends its
   session cookie, as a browser would.
2. Server: ``bench/api.py``'s (Django's threaded WSGI server, production settings, 127.0.0.1, a child process),
   with the bench-only URLconf ``bench/benchurls.py``: the product's URLs plus the floors. The floor of a page is
   ``/bench/floor/?rows=N``: a bare Django view behind the same ``StaffRequiredMixin`` and permission as the list that
   renders the same number of rows (N, the page's) in the same layout (``base.html``, the list's table markup) from
   one plain ``values_list`` query, without the list's filter form, count, pagination, flags, per-row includes,
   ``{% url %}`` or translations. One floor per row count shown; each page is printed beside its floor, with the
   ratio and the issue's target (``TARGET`` × the floor).
3. Load and figures: as ``bench/api.py``, in ``ROUNDS`` rounds in which the pages and floors take turns (the
   machine's other work falls on a page and its floor alike); the page size is the UI's default
   (``students.forms.DEFAULT_PER_PAGE``).
   Queries per request come from one in-process request of each (Django's test client, the same data and URLconf).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import api  # bench/api.py, beside this script
import benchsetup  # bench/benchsetup.py, beside this script

URLCONF = "benchurls"  # bench/benchurls.py
VIEWER = "office"  # the demo's office clerk (seed_demo)
TARGET = 0.5  # issue 20: a staff page at 100,000 students answers at least half its floor's requests per second


def prepare(students: int) -> dict[str, str]:
    """The data; returns endpoint name → path."""
    from mobility.demo import seed_demo
    from mobility.demo.grow import COHORT_PREFIX, generated_students, grow_demo
    from programs.models import Cohort
    from students.forms import DEFAULT_PER_PAGE
    from students.models import Enrollment

    started = time.monotonic()
    seed_demo()
    report = grow_demo(students=students)
    print(report.format() if report.created["students"] else f"Generated students: {report.students_after}")
    api.analyze_tables()
    print(f"data ready in {time.monotonic() - started:.1f} s; page size {DEFAULT_PER_PAGE} (the UI's default)")
    # The same student and cohort at every size: student 0 and the first generated cohort of 2023 by code.
    first = generated_students().order_by("home_student_id").first()
    cohort = Cohort.objects.filter(code__startswith=f"{COHORT_PREFIX}CQEVTC-", start_date__year=2023).order_by("code")
    cohort = cohort.first()
    if first is None or cohort is None:
        raise SystemExit("No generated students or cohorts: grow the data (--students).")
    han = f"{first.family_name_han}{first.given_name_han}"
    return {
        "list": "/students/",
        "list_search_han": "/students/?" + urlencode({"q": han}),
        "list_cohort_status": "/students/?" + urlencode({"cohort": cohort.pk, "status": Enrollment.Status.COMPLETED}),
    }


def staff_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.get(username=VIEWER))
    return client


def queries_per_request(client, paths: dict[str, str]) -> tuple[dict[str, int], dict[str, int]]:
    """Queries and rows shown (``<tr>`` in the body) of one request of each path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, rows = {}, {}
    for name, path in paths.items():
        client.get(path)  # first use: content types, permissions and the like get cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        counts[name] = len(captured.captured_queries)
        rows[name] = response.content.count(b"<tr")
    return counts, rows


def shown_rows(rows: dict[str, int]) -> dict[str, int]:
    """Table rows shown by each page: ``<tr>`` less the table's header row."""
    return {name: max(0, count - 1) for name, count in rows.items()}


def print_table(results: dict, queries: dict, rows: dict, floor_of: dict[str, str]) -> None:
    """Each page's figures beside its floor's (``floor_of``: page → floor name; floors print as themselves):
    req/s, latencies, queries, rows, the floor's req/s, the ratio and whether it reaches ``TARGET``."""
    print(
        f"\n{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>8} {'rows':>5}"
        f"  {'floor':<18} {'floor/s':>8} {'× floor':>8}  ≥ {TARGET}"
    )
    for name, figures in results.items():
        floor = floor_of.get(name, name)
        ratio = figures["rps"] / results[floor]["rps"]
        verdict = "" if floor == name else ("yes" if ratio >= TARGET else "no")
        print(
            f"{name:<20} {figures['rps']:>8.1f} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['p99']:>8.1f} "
            f"{queries[name]:>8} {rows[name]:>5}  {floor:<18} {results[floor]['rps']:>8.1f} {ratio:>8.2f}  {verdict}"
        )


ROUNDS = 5  # each page's load in rounds, the pages taking turns: the machine's other work falls on all alike


def serve_and_load(client, paths: dict, args, *, script: Path, warm_up: int) -> dict:
    """Serve ``script``'s URLs in a server process of their own and load each path with the session of ``client``
    (``api.load``): a warm-up of ``max(warm_up, args.requests // 10)`` requests, then ``args.requests`` in
    ``ROUNDS`` rounds in which every path takes its turn, so that a page and its floor share the machine's busy and
    quiet moments. Returns each path's figures by name (requests/s over its rounds, latency percentiles of all its
    requests). Shared by the staff pages' and the reports' benches."""
    from django.conf import settings
    from django.db import connection

    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "Accept-Language": "en",
    }
    connection.close()  # the server gets the database to itself
    print(f"load: {args.requests} requests per page in {ROUNDS} rounds, {args.concurrency} connections, loopback")
    print(f"load average before: {os.getloadavg()}")
    args.port = api.free_port(args.port)
    server = api.start_server(args.port, script=script)
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    wall = dict.fromkeys(paths, 0.0)
    try:
        for path in paths.values():
            api.load(args.port, path, headers, requests=max(warm_up, args.requests // 10), concurrency=args.concurrency)
        for round_number in range(ROUNDS):
            share = args.requests // ROUNDS + (1 if round_number < args.requests % ROUNDS else 0)
            for name, path in paths.items():
                figures = api.load(args.port, path, headers, requests=max(1, share), concurrency=args.concurrency)
                latencies[name] += figures["latencies"]
                wall[name] += figures["wall"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    results = {}
    for name in paths:
        quantiles = statistics.quantiles(latencies[name], n=100, method="inclusive")
        results[name] = {
            "rps": len(latencies[name]) / wall[name],
            "p50": quantiles[49] * 1000,
            "p95": quantiles[94] * 1000,
            "p99": quantiles[98] * 1000,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="generated students (1k, 10k, 100k)")
    parser.add_argument("--requests", type=int, default=1000, help="requests per page, after the warm-up")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (connections)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--throwaway", action="store_true", help="a temporary SQLite database (smoke run)")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of each page's request")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the server's own process
    args = parser.parse_args()
    if args.serve:
        api.serve(args.serve, urlconf=URLCONF)
        return

    # The server signs sessions with its own key: the cookie made here must be valid there.
    os.environ["DJANGO_SECRET_KEY"] = api.BENCH_SECRET_KEY
    folder = benchsetup.setup_django(not args.throwaway, prefix="bench-staff-")
    from django.conf import settings
    from django.db import connection

    settings.ROOT_URLCONF = URLCONF
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    pages = prepare(args.students)
    client = staff_client()
    queries, rows = queries_per_request(client, pages)
    rows = shown_rows(rows)
    # One floor per number of rows shown, each page beside the floor of its own rows.
    floors = {f"floor_{count}": f"/bench/floor/?rows={count}" for count in sorted(set(rows.values()), reverse=True)}
    floor_queries, floor_rows = queries_per_request(client, floors)
    queries |= floor_queries
    rows |= shown_rows(floor_rows)
    floor_of = {name: f"floor_{count}" for name, count in rows.items() if name in pages}
    if args.show_queries:
        from django.test.utils import CaptureQueriesContext

        for name, path in pages.items():
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            print(f"\n-- {name} {path}")
            for query in captured.captured_queries:
                print(f"{query['time']}s  {query['sql'][:400]}")
    paths = floors | pages
    results = serve_and_load(client, paths, args, script=Path(__file__).resolve(), warm_up=10)
    print_table(results, queries, rows, floor_of)
    print(f"load average after the run: {os.getloadavg()}")
    print(f"paths: {paths}")
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
