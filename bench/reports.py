"""Reports page (``/reports/``) benchmark: requests/s and latency percentiles of the office head's report (every
intake; one year's period), its XLSX export and the list of enrollments behind a figure, each beside its floor in
the same run on the same server (``bench/benchurls.py``): a bare Django view with the same access checks that renders
the same number of rows in the same layout from one plain query per table (the report's figures rows and quotas:
``/bench/report-floor/?rows=N&quotas=M``; the enrollments: ``/bench/enrollments-floor/?status=…``). The XLSX is
printed against the report's floor (the same figures, another format).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility_bench_100000 DJANGO_DEBUG=1 \\
        .venv/bin/python bench/reports.py --students 100000 [--requests 200] [--concurrency 2]
    DJANGO_DEBUG=1 .venv/bin/python bench/reports.py --throwaway --students 50 --requests 20   # smoke run, SQLite

Data, server and load are ``bench/staff.py``'s (``seed_demo`` grown to ``--students`` generated students, the demo's
``office`` clerk logged in, Django's threaded WSGI server with production settings); the queries of one request of
each page and the time of ``report_data`` alone (in-process, the best of five) are printed beside.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
from pathlib import Path
from urllib.parse import urlencode

import api  # bench/api.py, beside this script
import benchsetup  # bench/benchsetup.py, beside this script
import staff  # bench/staff.py, beside this script

URLCONF = "benchurls"  # bench/benchurls.py


def prepare(students: int) -> dict[str, str]:
    """The data; returns page name → path."""
    from mobility.demo import seed_demo
    from mobility.demo.grow import grow_demo
    from mobility.reports.figures import Period, report_data

    started = time.monotonic()
    seed_demo()
    report = grow_demo(students=students)
    print(report.format() if report.created["students"] else f"Generated students: {report.students_after}")
    api.analyze_tables()
    print(f"data ready in {time.monotonic() - started:.1f} s")
    figures = report_data()
    timings = []
    for _ in range(5):
        step = time.monotonic()
        report_data()
        timings.append(time.monotonic() - step)
    print(
        f"report_data(): {len(figures.rows)} rows, {len(figures.quotas)} quotas, "
        f"{figures.totals.applications} enrollments; best of 5: {1000 * min(timings):.1f} ms"
    )
    year = max((row.year for row in figures.rows), default=2025)
    period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    one_year = report_data(Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
    return {
        "report_floor": "/bench/report-floor/?" + urlencode({"rows": len(figures.rows), "quotas": len(figures.quotas)}),
        "report_year_floor": "/bench/report-floor/?"
        + urlencode({"rows": len(one_year.rows), "quotas": len(one_year.quotas)}),
        "enrollments_floor": "/bench/enrollments-floor/?status=completed",
        "report": "/reports/",
        "report_year": "/reports/?" + urlencode(period),
        "report_xlsx": "/reports/report.xlsx",
        "enrollments_done": "/reports/enrollments/?status=completed",
    }


FLOOR_OF = {  # page → its floor
    "report": "report_floor",
    "report_xlsx": "report_floor",
    "report_year": "report_year_floor",
    "enrollments_done": "enrollments_floor",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="generated students (1k, 10k, 100k)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page, after the warm-up")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads (connections)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--throwaway", action="store_true", help="a temporary SQLite database (smoke run)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the server's own process
    args = parser.parse_args()
    if args.serve:
        api.serve(args.serve, urlconf=URLCONF)
        return

    os.environ["DJANGO_SECRET_KEY"] = api.BENCH_SECRET_KEY  # the server must accept the cookie made here
    folder = benchsetup.setup_django(not args.throwaway, prefix="bench-reports-")
    from django.conf import settings
    from django.db import connection

    settings.ROOT_URLCONF = URLCONF
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    paths = prepare(args.students)
    client = staff.staff_client()
    queries, rows = staff.queries_per_request(client, paths)
    results = staff.serve_and_load(client, paths, args, script=Path(__file__).resolve(), warm_up=5)
    staff.print_table(results, queries, staff.shown_rows(rows), FLOOR_OF)
    print(f"load average after the run: {os.getloadavg()}")
    print(f"paths: {paths}")
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
