"""The request id (X-Request-ID) and the log formats: every line written during a request or a Celery task
carries its id; production lines are JSON objects."""

import io
import json
import logging
import logging.config
import re
from urllib.parse import urlsplit

import pytest
from celery import shared_task

from mobility.foundation import request_id
from mobility.foundation.logs import (
    GunicornAccessFields,
    JsonFormatter,
    PlainFormatter,
    RequestIdFilter,
    logging_config,
)

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines(caplog):
    """caplog's records with the request-id filter of our console handler applied to them."""
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    yield caplog
    caplog.handler.removeFilter(caplog.handler.filters[-1])


def test_a_new_id_on_every_response(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second


@pytest.mark.parametrize("incoming", ["req-42", "a.b_C-9", "x" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_a_sane_incoming_id_is_echoed(client, incoming):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "has space", "semi;colon", "new\\nline", '{"json": 1}', "ключ", "<script>", "a/b"],
)
def test_anything_else_is_replaced_by_a_new_id(client, incoming):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert HEX32.fullmatch(answered) and answered != incoming


def test_redirects_and_errors_carry_the_id_too(client):
    assert client.get("/", HTTP_X_REQUEST_ID="redirected")["X-Request-ID"] == "redirected"  # to the login page
    assert client.get("/no-such-page/", HTTP_X_REQUEST_ID="missing")["X-Request-ID"] == "missing"


def test_a_line_logged_during_a_request_carries_its_id(client, log_lines, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"  # /healthz logs the broker's failure
    response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-me-1")
    assert response.status_code == 503
    lines = [r for r in log_lines.records if r.name == "mobility.health"]
    assert lines and all(r.request_id == "trace-me-1" for r in lines)
    # Django's "Service Unavailable: /healthz", written after the middleware returned, has it as well.
    (django_line,) = [r for r in log_lines.records if r.name == "django.request"]
    assert django_line.request_id == "trace-me-1"
    assert request_id.current() is None  # and it does not leak past the request


def test_lines_outside_a_request_have_none():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id is None


@shared_task
def _logging_task():
    logging.getLogger("mobility.tests.task").info("inside the task")


def test_a_celery_task_logs_its_task_id(log_lines):
    result = _logging_task.apply_async()
    (line,) = [r for r in log_lines.records if r.name == "mobility.tests.task"]
    assert line.request_id == result.id
    assert request_id.current() is None


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _configured_logger(fmt: str) -> tuple[logging.Logger, io.StringIO]:
    """A logger wired like production (logging_config's handler, filter and formatter) writing into a buffer."""
    config = logging_config(fmt=fmt)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(logging.config.BaseConfigurator({}).resolve(config["filters"][name]["()"])())
    formatter_spec = config["formatters"][fmt]
    handler.setFormatter(logging.config.BaseConfigurator({}).resolve(formatter_spec["()"])())
    logger = logging.getLogger(f"mobility.tests.format.{fmt}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_json_lines_parse_with_time_level_logger_message_request_id_and_exception():
    logger, stream = _configured_logger("json")
    token = request_id._current.set("abc123")
    try:
        logger.info("Диплом %s выдан 毕业", "STK-1", extra={"diploma_id": 7})
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        request_id._current.reset(token)
    logger.warning("no request")
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "Диплом STK-1 выдан 毕业"
    assert first["level"] == "INFO" and first["logger"] == "mobility.tests.format.json"
    assert first["request_id"] == "abc123" and first["diploma_id"] == 7
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["time"])
    assert (
        second["level"] == "ERROR" and "ValueError: boom" in second["exception"] and "Traceback" in second["exception"]
    )
    assert third["request_id"] is None


def test_plain_lines_show_the_id_or_a_dash():
    logger, stream = _configured_logger("plain")
    token = request_id._current.set("abc123")
    try:
        logger.info("with")
    finally:
        request_id._current.reset(token)
    logger.info("without")
    with_id, without = stream.getvalue().splitlines()
    assert with_id.endswith("INFO mobility.tests.format.plain [abc123] with")
    assert without.endswith("INFO mobility.tests.format.plain [-] without")


def test_gunicorn_access_lines_get_the_response_id_and_fields():
    atoms = {"h": "10.0.0.1", "m": "GET", "U": "/healthz", "s": "200", "D": 1234, "B": 97, "a": "curl/8"}
    atoms["{x-request-id}o"] = "from-response"
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(s)s", (atoms,), None)
    assert record.args == atoms  # logging unpacks a single mapping, as gunicorn relies on
    GunicornAccessFields().filter(record)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "from-response" and line["status_code"] == 200 and line["path"] == "/healthz"
    assert line["duration_ms"] == 1.2 and line["method"] == "GET" and line["message"] == "200"


def test_log_format_defaults(settings):
    # Tests run with DJANGO_DEBUG=1: plain; production (DJANGO_DEBUG unset) is json, see test_settings.py.
    assert settings.LOG_FORMAT == "plain"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(fmt="xml")


def test_a_task_received_line_carries_the_task_id_from_celerys_data():
    record = logging.LogRecord("celery.worker.strategy", logging.INFO, __file__, 1, "Task x[abc] received", None, None)
    record.data = {"id": "abc", "name": "x"}
    RequestIdFilter().filter(record)
    assert record.request_id == "abc"


def test_a_password_reset_token_never_reaches_a_log_line(client, caplog, django_user_model, mailoutbox):
    django_user_model.objects.create_user("reader", email="reader@example.edu", password="old-pass-9x!")
    client.post("/accounts/password_reset/", {"email": "reader@example.edu"})
    links = re.findall(r"https?://\S+/accounts/reset/\S+?/\S+?/", mailoutbox[0].body)
    (path,) = {urlsplit(link).path for link in links}
    token = path.rstrip("/").rsplit("/", 1)[1]
    # Django keeps the token in the session on the first visit and redirects to a URL without it; the link itself
    # stays valid until the password is set, so the line of that first visit must not show it.
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    assert token not in response["Location"]
    caplog.set_level(logging.INFO)
    client.get(path + "more/")  # a 404: django.request logs the path and the request
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and token in records[0].getMessage()
    atoms = {"h": "10.0.0.1", "r": f"GET {path} HTTP/1.1", "m": "GET", "U": path, "s": "302", "D": 900, "B": 0}
    access = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None)
    GunicornAccessFields().filter(access)
    for record in [*records, access]:
        RequestIdFilter().filter(record)
        for formatter in (JsonFormatter(), PlainFormatter()):
            line = formatter.format(record)
            assert token not in line and path.replace(token, "[redacted]") in line
