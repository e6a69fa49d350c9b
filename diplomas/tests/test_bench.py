"""The diploma benchmarks at a tiny N (a smoke run for CI; the figures are not tested, they need a quiet machine)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow on its own (smoke runs of the benches, each in a process of its own): ./dev test --fast leaves it out.
pytestmark = pytest.mark.slow


def _run(script: str, *args: str) -> str:
    root = Path(settings.BASE_DIR)
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["DJANGO_DEBUG"] = "1"
    done = subprocess.run(
        [sys.executable, str(root / "bench" / script), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_render_bench_prints_each_step_for_the_same_page():
    out = _run("diplomas_render.py", "-n", "3")
    for line in (
        "(a) bare WeasyPrint, whole page",
        "whole page + PDF/A + signature",
        "layers: variable laid out + PDF/A + static under",
        "signature alone",
        "(b) full path",
        "first diploma of the cohort",
        "transcripts (12 modules, 2 pages)",
        "(b) full path (render_transcript_pdf + signature)",
        "floor: bare diploma + bare transcript",
        "full path, both documents signed",
        "peak RSS",
    ):
        assert line in out


def test_the_task_path_bench_issues_every_diploma_eagerly():
    out = _run("diplomas.py", "-n", "3")
    assert "mode: eager" in out and "issued 3 (3 with a credential, 3 with a transcript), failed 0" in out


def test_the_signature_bench_signs_with_every_key_type_beside_its_floor():
    out = _run("signatures.py", "-n", "2")
    assert "key alone (floor)" in out
    for algorithm in ("RSA 2048", "RSA 3072", "RSA 4096", "ECDSA P-256", "ECDSA P-384"):
        assert f"  {algorithm}" in out, algorithm
