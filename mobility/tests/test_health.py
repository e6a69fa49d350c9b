"""/healthz: the database and the broker, each checked with a short timeout; 200 when both answer, 503 otherwise."""

import socket
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ok_on_the_test_database_without_a_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert isinstance(body["checks"]["database"]["ms"], float)
    assert body["checks"]["broker"] == {"ok": True, "mode": "eager"}


def test_never_cached_no_session_no_login(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    assert not response.cookies  # no session, no CSRF cookie
    # No login either: a POST without a CSRF token is refused by the method, not by CSRF or authentication.
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_probes_over_plain_http_are_answered_not_redirected(client, settings):
    # Production redirects HTTP to HTTPS; a load balancer's probe inside the network speaks plain HTTP.
    settings.CELERY_BROKER_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_a_broker_that_is_down_answers_503_quickly(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"] == "OperationalError"
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 2.5, elapsed


def test_a_database_error_answers_503(client, settings):
    settings.CELERY_BROKER_URL = ""
    with mock.patch("mobility.health.connection") as connection:
        connection.vendor = "sqlite"
        connection.cursor.side_effect = OperationalError("could not connect to server")
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "ok": False,
        "ms": body["checks"]["database"]["ms"],
        "error": "OperationalError",
    }
    assert "could not connect" not in response.content.decode()  # details go to the log, not to the world


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="needs Redis (CELERY_BROKER_URL=redis://…, as in CI)",
)
def test_ok_with_the_configured_redis_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is True and "mode" not in broker and broker["ms"] < 2000


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL (DATABASE_URL, as in CI)"
)
def test_a_database_that_hangs_answers_503_within_the_statement_timeout(client, settings):
    settings.CELERY_BROKER_URL = ""
    with mock.patch("mobility.health.DATABASE_QUERY", "SELECT pg_sleep(10)"):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "OperationalError"  # canceled by statement_timeout
    assert elapsed < 4, elapsed
    # The connection is left usable: the next check passes.
    assert client.get("/healthz").status_code == 200
