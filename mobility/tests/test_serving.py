"""Smoke test of production serving: gunicorn (gunicorn.conf.py) with production settings answers /healthz, serves a
hashed static file compressed with a far-future Cache-Control (WhiteNoise), and writes JSON log lines with the
request id."""

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# collectstatic compresses every file with Brotli at its best quality: the admin's, DRF's and Swagger UI's files
# (10 MB) would take most of a minute; our own are enough to see the storage at work.
IGNORED_APPS_STATIC = ["admin", "rest_framework", "drf_spectacular_sidecar"]
TEN_YEARS = 315360000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production(tmp_path):
    """A production environment of its own: secret, host, SQLite file and STATIC_ROOT in tmp, no broker, HTTP."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_", "LOG_", "CACHE_URL", "GUNICORN_"))
    }
    env.update(
        DJANGO_SECRET_KEY="smoke-" + "s3cr3t-" * 9,
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        DIPLOMA_FONT_DIR=str(tmp_path / "fonts"),
    )
    return {"env": env, "port": port, "tmp": tmp_path}


# Slow on its own (starts gunicorn): ./dev test --fast leaves it out.
@pytest.mark.slow
def test_gunicorn_serves_health_static_files_and_json_logs(production):
    env, tmp_path = production["env"], production["tmp"]
    base = f"http://127.0.0.1:{production['port']}"
    started = time.monotonic()
    ignore = [arg for app in IGNORED_APPS_STATIC for arg in ("-i", app)]
    prepare = [
        subprocess.Popen([sys.executable, "manage.py", *command], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0", *ignore])
    ]
    for process in prepare:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    prepared = time.monotonic() - started

    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz", **{"X-Request-ID": "smoke-1"})
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer:\n" + log_path.read_text()
                time.sleep(0.1)
        up = time.monotonic() - started

        assert status == 200, body
        assert json.loads(body) == {
            "status": "ok",
            "checks": {
                "database": {"ok": True, "ms": json.loads(body)["checks"]["database"]["ms"]},
                "broker": {"ok": True, "mode": "eager"},
            },
        }
        assert headers["X-Request-ID"] == "smoke-1"

        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
        hashed = manifest["vendor/bootstrap/bootstrap.min.css"]
        assert hashed != "vendor/bootstrap/bootstrap.min.css"
        original = (ROOT / "static" / "vendor" / "bootstrap" / "bootstrap.min.css").read_bytes()
        status, headers, body = _get(f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == original
        assert f"max-age={TEN_YEARS}" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
        assert headers["X-Request-ID"]
        assert len(body) < len(original) / 4
        status, headers, body = _get(f"{base}/static/{hashed}", **{"Accept-Encoding": "br, gzip"})
        assert status == 200 and headers["Content-Encoding"] == "br" and len(body) < len(original) / 4
        status, headers, body = _get(f"{base}/static/{hashed}")
        assert status == 200 and "Content-Encoding" not in headers and body == original

        # deploy/healthcheck.py (docker-compose.yml's web healthcheck) finds the server from the same environment.
        check = subprocess.run(
            [sys.executable, "deploy/healthcheck.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0 and check.stdout.startswith("healthz: 200 "), check.stdout + check.stderr

        # A page renders its static links through the manifest (hashed names).
        status, headers, body = _get(f"{base}/accounts/login/")
        assert status == 200, body[:2000]
        page = body.decode()
        assert "/static/vendor/bootstrap/bootstrap-portal.min." in page
        assert manifest["vendor/bootstrap/bootstrap-portal.min.css"] in page

        # A password-reset link (here one for no user: the page says the link is invalid) is logged without its token.
        status, _, _ = _get(f"{base}/accounts/reset/MQ/d1g5x2-0f5e8a1b2c3d4e5f6a7b/")
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    total = time.monotonic() - started

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "gunicorn.access" and line.get("path") == "/healthz"]
    assert access and access[0]["request_id"] == "smoke-1" and access[0]["status_code"] == 200
    assert {"time", "level", "logger", "message", "request_id"} <= set(access[0])
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert "0f5e8a1b2c3d4e5f6a7b" not in log_path.read_text()
    assert any(line.get("path") == "/accounts/reset/MQ/[redacted]/" for line in lines)
    print(
        f"prepared (migrate + collectstatic) in {prepared:.1f} s, gunicorn answering at {up:.1f} s, all {total:.1f} s"
    )
    assert total < 40


# --- the deployment examples (Procfile, systemd units, Dockerfile, docker-compose.yml) stay in step --------------


def _unit(name: str):
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((ROOT / "deploy" / "systemd" / name).read_text())
    return parser


def test_procfile_and_systemd_units_run_the_same_commands():
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert set(procfile) == {"release", "web", "worker", "beat"}
    assert procfile["web"] == "gunicorn -c gunicorn.conf.py"
    assert procfile["release"] == "python manage.py migrate --noinput"
    assert procfile["worker"].startswith("celery -A mobility worker")
    assert procfile["beat"].startswith("celery -A mobility beat")

    for name, command in [
        ("mobility-web.service", "gunicorn -c /srv/mobility/gunicorn.conf.py"),
        ("mobility-worker.service", "celery -A mobility worker"),
        ("mobility-beat.service", "celery -A mobility beat"),
    ]:
        service = _unit(name)["Service"]
        assert command in service["ExecStart"], name
        assert service["EnvironmentFile"] == "/etc/mobility/mobility.env"
        assert service["User"] == "mobility" and service["WorkingDirectory"] == "/srv/mobility"
    assert _unit("mobility-web.service")["Service"]["Type"] == "notify"  # gunicorn calls sd_notify


def test_the_environment_example_names_only_documented_variables():
    import re

    documented = (ROOT / "docs" / "configuration.md").read_text()
    text = (ROOT / "deploy" / "mobility.env.example").read_text()
    # Set lines (NAME=value) and commented-out ones (# NAME=value).
    names = re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)
    assert {"DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "LOG_FORMAT"} <= set(names)
    assert "DJANGO_DEBUG" not in names
    assert [name for name in names if f"`{name}`" not in documented] == []


def test_the_image_installs_what_dev_installs_less_the_test_tools():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nFROM python:3.11-slim-bookworm\n" in dockerfile
    dev = (ROOT / "dev").read_text()
    packages = dev.split("SYSTEM_PACKAGES=(", 1)[1].split(")", 1)[0].split()
    test_tools = {"poppler-utils", "qpdf", "chromium"}
    installed = dockerfile.split("--no-install-recommends", 1)[1].split("&&", 1)[0].replace("\\", " ").split()
    assert set(packages) - test_tools <= set(installed), installed
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile


def test_docker_compose_runs_web_worker_beat_on_postgres_and_redis():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} == set(services)
    assert services["db"]["image"] == "postgres:15" and services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["build"] == "."
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert "media:/data/media" in service["volumes"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["command"][:4] == ["celery", "-A", "mobility", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "mobility", "beat"]
    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert {"media", "postgres", "redis"} <= set(compose["volumes"])
