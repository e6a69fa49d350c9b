import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run_check(**env_overrides):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key_and_hosts():
    result = _run_check()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY and ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_check(DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "needs ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (None, "needs EMAIL_BACKEND"),
        ("django.core.mail.backends.console.EmailBackend", "the console backend would write password-reset"),
    ],
)
def test_production_refuses_to_start_without_a_mail_backend_that_sends(backend, reason):
    # The console backend (the development default) prints every e-mail, reset links and their tokens included.
    extra = {"EMAIL_BACKEND": backend} if backend else {}
    result = _run_check(DJANGO_SECRET_KEY=PRODUCTION_SECRET, ALLOWED_HOSTS="mobility.example.edu", **extra)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and reason in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = _run_check(
        DJANGO_SECRET_KEY="k3J9#vQ2!xR8@mT5$wZ1^pL7&nB4*cF6(hD0)yG3-sA9+eU2=iO5",
        ALLOWED_HOSTS="mobility.stankin.example",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION_SECRET = "k3J9#vQ2!xR8@mT5$wZ1^pL7&nB4*cF6(hD0)yG3-sA9+eU2=iO5"


def _production_env(tmp_path, **overrides) -> dict:
    """The environment of a production run: no DJANGO_DEBUG, a real secret and host, its own SQLite file, no broker."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_", "LOG_", "CACHE_URL", "EMAIL_"))
    }
    env.update(
        DJANGO_SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="mobility.example.edu",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(overrides)
    return env


def test_check_deploy_prints_nothing_but_its_all_clear_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_serves_hashed_compressed_static_files_and_logs_json(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['staticfiles']['BACKEND']); print(settings.LOG_FORMAT); "
        "print(settings.MIDDLEWARE[:4])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**_production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "mobility.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    storage, log_format, middleware = result.stdout.splitlines()
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert log_format == "json"
    assert middleware == str(
        [
            "mobility.foundation.request_id.RequestIdMiddleware",
            "mobility.foundation.api_errors.ApiErrorsMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
        ]
    )


def test_every_environment_variable_is_documented():
    import re

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', (ROOT / "mobility" / "settings.py").read_text()))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_DEBUG"} <= read
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert sorted(name for name in read if f"`{name}`" not in documented) == []


def test_the_root_is_the_dashboard_behind_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def _settings_in_subprocess(code: str, **env_overrides) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL"))}
    env.update({"DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "mobility.settings", **env_overrides})
    prelude = "import django; django.setup(); from django.conf import settings; from django.core.cache import cache\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_cache_is_per_process_by_default_and_redis_from_cache_url():
    assert _settings_in_subprocess("print(settings.CACHES['default']['BACKEND'])") == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    backend = _settings_in_subprocess(
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        CACHE_URL="redis://127.0.0.1:6379/11",
    )
    assert backend == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/11"


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="needs Redis (CELERY_BROKER_URL=redis://…, as in CI)",
)
def test_with_cache_url_on_redis_two_processes_count_together():
    url = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/11"
    key = f"test-shared-{os.getpid()}"
    _settings_in_subprocess(f"cache.set({key!r}, 0, 60); cache.incr({key!r})", CACHE_URL=url)
    assert _settings_in_subprocess(f"print(cache.incr({key!r})); cache.delete({key!r})", CACHE_URL=url) == "2"
