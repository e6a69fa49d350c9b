"""``bench/reports.py`` at a small N in a throwaway SQLite database: a smoke run for CI (the figures are not tested,
the table and the pages' answers are: every page answered 200 to the logged-in clerk, within the query budget)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (a smoke run of a bench: starts a server and loads it): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow

FLOORS = ("report_floor", "report_year_floor", "enrollments_floor")
PAGES = ("report", "report_year", "report_xlsx", "enrollments_done")


def test_reports_bench_runs_at_a_small_n():
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "bench/reports.py", "--throwaway", "--students", "30", "--requests", "10",
         "--concurrency", "2"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "× floor" in done.stdout and re.search(r"report_data\(\): \d+ rows", done.stdout)
    rows = {}
    for name in FLOORS + PAGES:
        match = re.search(
            rf"^{name} +([\d.]+) +[\d.]+ +[\d.]+ +[\d.]+ +(\d+) +(\d+) +(\w+) +[\d.]+ +([\d.]+)",
            done.stdout,
            re.MULTILINE,
        )
        assert match, f"no row for {name} in:\n{done.stdout[-2000:]}"
        rows[name] = (float(match[1]), int(match[2]), int(match[3]), match[4])
    assert all(rps > 0 and 0 < queries <= 10 for rps, queries, *_ in rows.values())
    # Each page beside its floor, and each floor shows as many table rows as its page.
    assert {name: rows[name][3] for name in PAGES} == {
        "report": "report_floor",
        "report_year": "report_year_floor",
        "report_xlsx": "report_floor",
        "enrollments_done": "enrollments_floor",
    }
    assert rows["report"][2] == rows["report_floor"][2] > 0
    assert rows["report_year"][2] == rows["report_year_floor"][2]
    assert rows["enrollments_done"][2] == rows["enrollments_floor"][2] > 0
