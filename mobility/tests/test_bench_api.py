"""``bench/api.py`` at a small N in a throwaway SQLite database: a smoke run for CI (the figures are not tested)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (a smoke run of a bench: starts a server and loads it): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow


def test_api_bench_runs_at_a_small_n():
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "bench/api.py", "--throwaway", "--students", "40", "--requests", "20", "--concurrency", "2"],
        cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("me", "progress", "lookup", "students_page_100"):
        assert f"\n{name} " in done.stdout
    assert "× floor" in done.stdout
