"""``bench/generate.py`` at a small N in a throwaway SQLite database: a smoke run for CI (the timings are not
tested; the rows it reports are)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (a smoke run of a bench in a database of its own): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow


def test_generate_bench_fills_a_throwaway_database():
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "bench/generate.py", "--throwaway", "--students", "30", "--batch-size", "20"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Generated students: 0 → 30" in done.stdout and "2 batches" in done.stdout
    created = re.search(r"Rows created: students (\d+), enrollments (\d+), results (\d+), diplomas (\d+)", done.stdout)
    assert created and created[1] == created[2] == "30" and int(created[3]) > 0, done.stdout
    assert "total:" in done.stdout
