"""``bench/roster_import.py`` at a small N in a throwaway SQLite database: a smoke run for CI (the timings are not
tested; that every step, its floors and the two targets are printed is)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (a smoke run of a bench in a database of its own): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow

STEPS = (
    "floor: openpyxl read-only, values only",
    "read XLSX",
    "read CSV",
    "parse XLSX rows (new students)",
    "parse CSV rows (new students)",
    "floor: openpyxl, the XLSX with its dimension",
    "read XLSX with its dimension",
    "parse XLSX rows with its dimension",
    "floor: bare bulk_create of the students",
    "floor: bare bulk_create of every row written",
    "apply (one transaction)",
    "re-import: read+parse XLSX",
    "re-import: apply (nothing to do)",
)


def test_roster_bench_imports_a_small_roster():
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "bench/roster_import.py", "--rows", "40"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "40 rows on sqlite" in done.stdout
    for step in STEPS:
        assert re.search(rf"^{re.escape(step)} +[\d.]+ s +\d+ rows/s  \(CPU +[\d.]+ s\)$", done.stdout, re.MULTILINE), (
            step
        )
    assert re.search(r"^preview: read \+ parse XLSX  .* the target of 5 s$", done.stdout, re.MULTILINE)
    assert re.search(r"^preview: read \+ parse XLSX with dimension .* the target of 5 s$", done.stdout, re.MULTILINE)
    assert re.search(r"^import: read \+ parse \+ apply XLSX .* the target of 15 s$", done.stdout, re.MULTILINE)
    assert "ImportResult(created=40, updated=0, applications=40)" in done.stdout
    assert "ImportResult(created=0, updated=0, applications=0)" in done.stdout
