"""``bench/staff.py`` at a small N in a throwaway SQLite database: a smoke run for CI (the figures are not tested,
the table and the pages' answers are: every page answered 200 to the logged-in clerk, rows were shown)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (a smoke run of a bench: starts a server and loads it): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow


def test_staff_list_bench_runs_at_a_small_n():
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "bench/staff.py", "--throwaway", "--students", "40", "--requests", "20", "--concurrency", "2"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "× floor" in done.stdout
    rows = {}
    for name in ("list", "list_search_han", "list_cohort_status"):
        match = re.search(
            rf"^{name} +([\d.]+) +[\d.]+ +[\d.]+ +[\d.]+ +(\d+) +(\d+) +(floor_\d+) +([\d.]+) +([\d.]+) +(yes|no)$",
            done.stdout,
            re.MULTILINE,
        )
        assert match, f"no row for {name} in:\n{done.stdout[-2000:]}"
        rows[name] = (float(match[1]), int(match[2]), int(match[3]), match[4], float(match[6]))
    assert all(rps > 0 and queries > 0 for rps, queries, *_ in rows.values())
    # The list shows the 40 generated students and the demo's; the Han search finds student 0 at least.
    assert rows["list"][2] > 0 and rows["list_search_han"][2] >= 1
    # Each page is printed beside the floor of its own number of rows, and that floor shows as many rows.
    for name, (_rps, _queries, shown, floor, _ratio) in rows.items():
        assert floor == f"floor_{shown}", (name, floor, shown)
        floor_row = re.search(rf"^{floor} +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +\d+ +(\d+) ", done.stdout, re.MULTILINE)
        assert floor_row and int(floor_row[1]) == shown, (floor, done.stdout[-2000:])
