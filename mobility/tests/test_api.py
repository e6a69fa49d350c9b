"""The partner API's shared parts: keys (valid, wrong, revoked, expired, last use), scopes, the staff key, sessions,
throttling, the error shape, idempotency's edges, the schema and Swagger UI from local files."""

import datetime
import json
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from mobility.foundation.access import OFFICE
from mobility.foundation.models import IdempotencyRecord, PartnerAPIKey
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import HostFactory
from students.models import Student
from students.tests.factories import StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

ERROR_KEYS = {"code", "message", "fields", "details"}


def test_me_names_the_key_and_its_institution(college):
    key, plain = make_api_key(college, scopes=["read"], name="Chongqing SIS")
    data = api_client(plain).get("/api/v1/me/").json()
    assert data["kind"] == "partner_key"
    assert data["institution"]["code"] == "CQEVTC" and data["institution"]["name_zh"] == college.name_zh
    assert data["scopes"] == ["read"] and data["key_prefix"] == key.prefix and data["key_name"] == "Chongqing SIS"


def test_me_for_a_staff_key_and_a_staff_session():
    host = HostFactory()
    _key, plain = make_api_key(host)
    assert api_client(plain).get("/api/v1/me/").json()["kind"] == "staff_key"
    data = api_client(user=make_user("popova", OFFICE)).get("/api/v1/me/").json()
    assert data["kind"] == "staff_user" and data["username"] == "popova" and data["institution"] is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"revoked": True}, "api_key_revoked"),
        ({"expiry_date": timezone.now() - datetime.timedelta(minutes=1)}, "api_key_expired"),
    ],
)
def test_revoked_and_expired_keys_are_401_with_their_reason(college, change, code):
    key, plain = make_api_key(college)
    PartnerAPIKey.objects.filter(pk=key.pk).update(**change)
    response = api_client(plain).get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS and response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key abcdefgh.wrongsecret", "Api-Key "])
def test_wrong_keys_are_401(college, header):
    make_api_key(college)
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] in ("invalid_api_key", "not_authenticated")


def test_a_right_prefix_with_a_wrong_secret_is_refused(college):
    key, plain = make_api_key(college)
    response = api_client(f"{key.prefix}.{'x' * 32}").get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"


def test_no_credentials_is_401_and_a_student_session_403(college):
    response = api_client().get("/api/v1/students/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    user = make_user("student")
    StudentFactory(home_institution=college, user=user)
    response = api_client(user=user).get("/api/v1/students/")
    assert response.status_code == 403 and response.json()["code"] == "not_api_user"


def test_a_read_only_key_cannot_write(college):
    _key, plain = make_api_key(college, scopes=["read"])
    response = api_client(plain).post("/api/v1/students/", {"home_student_id": "1"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert not Student.objects.exists()


def test_a_write_only_key_cannot_read(college):
    _key, plain = make_api_key(college, scopes=["write"])
    assert api_client(plain).get("/api/v1/students/").status_code == 403


def test_last_used_is_written_at_most_once_a_minute(college, django_assert_num_queries):
    key, plain = make_api_key(college)
    client = api_client(plain)
    with django_assert_num_queries(2):  # the key, its last use
        client.get("/api/v1/me/")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    with django_assert_num_queries(1):
        client.get("/api/v1/me/")
    PartnerAPIKey.objects.filter(pk=key.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/me/")
    key.refresh_from_db()
    assert key.last_used_at > first - datetime.timedelta(seconds=1)


def test_throttled_per_key_with_retry_after(college, settings):
    settings.API_RATE_LIMIT = "3/minute"
    _key, plain = make_api_key(college)
    client = api_client(plain)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled" and response.json()["details"]["retry_after"] > 0
    # Another key of the same partner has its own count.
    _other, plain_other = make_api_key(college, name="Other")
    assert api_client(plain_other).get("/api/v1/me/").status_code == 200


def test_unknown_ids_and_pages_are_json_404s(college):
    _key, plain = make_api_key(college)
    client = api_client(plain)
    for url in ("/api/v1/students/999999/", "/api/v1/students/?page=9"):
        response = client.get(url)
        assert response.status_code == 404 and set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v1/enrollments//progress/", "/api/v2/"])
def test_other_api_urls_are_json_404s(url):
    response = api_client().get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and set(response.json()) == ERROR_KEYS


def test_a_stale_in_flight_claim_is_given_up(college):
    key, plain = make_api_key(college)
    IdempotencyRecord.objects.create(
        owner=f"api-key:{key.prefix}",
        key="k",
        method="POST",
        path="/api/v1/students/",
        request_hash="x",
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    body = {"home_student_id": "1", "family_name_latin": "Li", "given_name_latin": "Na"}
    response = api_client(plain).post("/api/v1/students/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


@pytest.mark.parametrize("key", ["k" * 256, "   ", "k\x00"])
def test_an_idempotency_key_too_long_blank_or_with_a_nul_is_refused(college, key):
    _key, plain = make_api_key(college)
    response = api_client(plain).post("/api/v1/students/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["fields"]
    assert not IdempotencyRecord.objects.exists()


def test_staff_sessions_need_csrf_for_writes(college):
    client = api_client(user=make_user("office", OFFICE))
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/students/", {"home_institution": college.pk}, format="json")
    assert response.status_code == 403 and set(response.json()) == ERROR_KEYS


# --- every answer under /api/ is JSON ------------------------------------------------------------------------------


def _is_json_error(response, status: int, code: str | None = None) -> bool:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == ERROR_KEYS, body
    assert code is None or body["code"] == code, body
    return True


@pytest.mark.parametrize(
    ("method", "url"),
    [("put", "/api/v1/students/0.5/"), ("post", "/api/v1/nothing/"), ("delete", "/api/v1/students/0.5/")],
)
def test_a_write_to_an_unknown_api_url_is_a_json_404_not_the_csrf_page(method, url):
    client = api_client(user=make_user("office", OFFICE))  # a session: Django's CSRF check would apply
    client.handler.enforce_csrf_checks = True
    assert _is_json_error(getattr(client, method)(url, {}, format="json"), 404, "not_found")


def test_a_deeply_nested_body_is_a_400_parse_error_not_a_500(college):
    _key, plain = make_api_key(college)
    client = api_client(plain)
    for depth in (100_000, 40):  # past the interpreter's recursion limit; past the API's depth
        body = "[" * depth + "]" * depth
        response = client.post("/api/v1/students/", body, content_type="application/json")
        assert _is_json_error(response, 400, "parse_error")
    nested = {"home_student_id": {"a": {"b": [1, [2, [3]]]}}}  # within the depth: an ordinary validation error
    assert _is_json_error(client.post("/api/v1/students/", nested, format="json"), 400, "validation_error")


def test_a_body_over_the_limit_is_a_json_413_stating_it(college, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    _key, plain = make_api_key(college)
    client = api_client(plain)
    body = {"home_student_id": "1", "family_name_latin": "x" * 4096}
    for url in ("/api/v1/students/", "/api/v1/nothing/"):
        response = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="ru")
        assert _is_json_error(response, 413, "request_too_large")
        assert response.json()["details"] == {"max_bytes": 2048}
        assert "2048" in response.json()["message"]
    assert not Student.objects.exists()


def test_django_s_own_refusals_and_server_errors_are_json_under_api(college):
    _key, plain = make_api_key(college)
    # DisallowedHost: Django's 400 page, answered before any view.
    assert _is_json_error(api_client(plain).get("/api/v1/me/", HTTP_HOST="evil.example"), 400, "bad_request")
    # An unexpected error in a view: the 500 handler's page.
    client = api_client(plain)
    client.raise_request_exception = False
    with mock.patch("mobility.api_views.MeView.get", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/me/")
    assert _is_json_error(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    assert response.has_header("X-Request-ID")
    # Outside /api/ the site's pages stay HTML.
    assert "text/html" in api_client().get("/no-such-page/")["Content-Type"]


def test_filters_refuse_values_the_schema_does_not_allow_and_unknown_ids_find_nothing(college):
    _key, plain = make_api_key(college)
    client = api_client(plain)
    StudentFactory(home_institution=college)
    for query in (
        "modified_since=",
        "home_institution=abc",
        "home_institution=",
        "enrollment_status=",
        "page_size=0",
        "page_size=abc",
        "home_institution=0",  # ids are from 1 to 2**63 - 1, as the schema says
        "email=a%00b",  # no NUL in text (the schema's pattern): no database column holds one
        f"cohort={2**70}",
    ):
        assert _is_json_error(client.get(f"/api/v1/students/?{query}"), 400, "validation_error"), query
    assert _is_json_error(client.get("/api/v1/tracks/?is_active=maybe"), 400, "validation_error")
    # A filter declared with its own rule (open for applications today) is as strict as the generated ones.
    for value in ("null", "maybe", ""):
        response = client.get(f"/api/v1/cohorts/?accepts_applications={value}")
        assert _is_json_error(response, 400, "validation_error"), value
    assert _is_json_error(client.get("/api/v1/me/?format="), 404, "not_found")
    # An id that is not the caller's (or does not exist) filters to nothing: not a 400.
    for query in ("home_institution=999999", "cohort=999999", f"home_institution={2**63 - 1}"):
        response = client.get(f"/api/v1/students/?{query}")
        assert response.status_code == 200 and response.json()["count"] == 0, query
    assert client.get("/api/v1/students/?page_size=1000").status_code == 200  # more than 100 gives 100
    # The same refusals once the schema was generated (which builds and keeps the filters' form fields).
    assert api_client().get("/api/schema/").status_code == 200
    assert _is_json_error(client.get("/api/v1/cohorts/?delivery_mode="), 400, "validation_error")
    assert _is_json_error(client.get("/api/v1/students/?modified_since="), 400, "validation_error")


# --- the schema and its UI ---------------------------------------------------------------------------------------


def test_the_schema_generates_without_warnings_or_errors(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/enrollments/{id}/progress/" in text and "ApiKey" in text
    assert "examples:" in text


def test_every_write_takes_json_and_documents_the_idempotency_key():
    """Bodies are JSON only (a body also declared as form and multipart makes openapi-python-client 0.29 write
    modules that do not import), and every write names the optional Idempotency-Key header, so generated clients
    can send it per request."""
    schema = api_client().get("/api/schema/?format=json").json()
    writes = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "head", "options"):
                continue
            writes += 1
            [header] = [p for p in operation["parameters"] if p["in"] == "header"]
            assert header["name"] == "Idempotency-Key" and not header.get("required", False), (method, path)
            assert header["schema"]["maxLength"] == 255, (method, path)
            if "requestBody" in operation:
                assert list(operation["requestBody"]["content"]) == ["application/json"], (method, path)
    assert writes >= 8


def test_a_form_body_is_refused_as_an_unsupported_media_type(college):
    _key, plain = make_api_key(college)
    response = api_client(plain).post("/api/v1/students/", {"home_student_id": "1"}, format="multipart")
    assert response.status_code == 415 and set(response.json()) == ERROR_KEYS


def test_the_schema_is_served_to_anyone():
    response = api_client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_swagger_ui_loads_only_local_files():
    response = api_client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html) + re.findall(r'url:\s*["\']([^"\']+)', html)
    assert any("swagger-ui" in url for url in urls)
    for url in urls:
        assert url.startswith("/"), url
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_a_conflict_and_writes_once(college):
    """Two clients send the same Idempotency-Key at once: the second, while the first is still writing, gets 409;
    afterwards the key replays the first's response. One student, one audit entry."""
    import threading
    from unittest import mock

    from django.db import connection

    from mobility.foundation.models import AuditEntry
    from students import services

    _key, plain = make_api_key(college)
    body = {"home_student_id": "1", "family_name_latin": "Li", "given_name_latin": "Na"}
    real_create = services.student_create
    in_flight, release = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        in_flight.set()
        release.wait(10)
        return real_create(**kwargs)

    responses = {}

    def first():
        try:
            responses["first"] = api_client(plain).post(
                "/api/v1/students/", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
        finally:
            connection.close()

    with mock.patch.object(services, "student_create", side_effect=slow_create):
        thread = threading.Thread(target=first)
        thread.start()
        assert in_flight.wait(10)
        second = api_client(plain).post("/api/v1/students/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
        release.set()
        thread.join(10)
    assert second.status_code == 409 and second.json()["code"] == "idempotency_in_progress"
    assert responses["first"].status_code == 201
    third = api_client(plain).post("/api/v1/students/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert third.status_code == 201 and third.json() == responses["first"].json()
    assert Student.objects.count() == 1
    assert AuditEntry.objects.filter(action="student.create").count() == 1


def test_values_representation_refuses_fields_that_are_not_columns():
    """``ValuesRepresentation`` shapes ``values()`` rows: a dotted source or a method field would be shown wrong
    (or not at all), so it is refused when the representation is built, not served."""
    from rest_framework import serializers

    from diplomas.api.serializers import DiplomaSerializer
    from mobility.foundation.api_lists import ValuesRepresentation
    from students.api.serializers import ResultSerializer, StudentSerializer

    for serializer_class in (DiplomaSerializer, ResultSerializer):  # enrollment.student_id, method fields
        with pytest.raises(TypeError, match="not flat|plain ids"):
            ValuesRepresentation(serializer_class)

    class Nested(serializers.Serializer):
        home_institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    with pytest.raises(TypeError, match="plain ids"):
        ValuesRepresentation(Nested)
    flat = ValuesRepresentation(StudentSerializer, exclude=tuple(Student.SENSITIVE_FIELDS))
    assert "home_institution" in flat.columns and not set(Student.SENSITIVE_FIELDS) & set(flat.columns)
