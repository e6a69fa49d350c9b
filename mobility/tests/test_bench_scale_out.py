"""``bench/scale_out.py`` at a tiny N: a smoke run for CI against the configured PostgreSQL and broker (the figures
are not tested, they need a quiet machine; the table and every diploma issued are), and its refusal without them."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from mobility.tests.support import worker_test_marks


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/scale_out.py", *args],
        cwd=Path(settings.BASE_DIR), env={**env, "DJANGO_DEBUG": "1"}, capture_output=True, text=True, timeout=400,
    )  # fmt: skip


def test_without_a_broker_it_refuses_to_measure():
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    done = _run("-n", "2", env=env)
    assert done.returncode != 0
    assert "set CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL)" in done.stderr


def _smoke_marks(test):
    # Slow (worker processes start twice, diplomas rendered for real): ./dev test --fast leaves it out; and the
    # worker tests' marks: skipped unless DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is set.
    for mark in (pytest.mark.slow, *worker_test_marks()):
        test = mark(test)
    return test


@_smoke_marks
def test_the_bench_issues_every_diploma_on_one_and_two_worker_processes():
    env = {key: value for key, value in os.environ.items() if key != "CELERY_VISIBILITY_TIMEOUT"}
    # 12 diplomas: two chunks of the batch (10 + 2), so two worker processes can each take one. The bench makes its
    # databases next to the configured one (DATABASE_URL) and drops them.
    done = _run("-n", "12", "--workers", "1,2", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "floor: W=1" in out and "cores busy" in out
    rows = [line.split() for line in out.splitlines() if re.match(r"^ +[12] ", line)]
    # Per W: the throughput row (12 columns) and the shared-cost row (10, ending in issued and failed).
    assert sorted((row[0], len(row)) for row in rows) == [("1", 10), ("1", 12), ("2", 10), ("2", 12)], out[-3000:]
    assert all(float(row[1]) > 0 for row in rows if len(row) == 12)  # diplomas/s
    assert [row[-2:] for row in rows if len(row) == 10] == [["12", "0"], ["12", "0"]]  # all issued, none failed
    assert re.search(r"17,000 diplomas: .* → \d+ worker processes", out)
    assert re.search(r"100,000 diplomas: .* → \d+ worker processes", out)
