"""The partner API's access matrix: every /api/ URL pattern and method, enumerated from the URL resolver (a new
endpoint or action without a row fails ``test_every_api_endpoint_and_method_has_a_row``), × every kind of caller.

Partner A ("own") and partner B ("other") each have a student, a cohort, an enrollment, a result and an issued
diploma; every URL names A's objects. Checked: the status; lists hold only the caller's rows; B gets 404 for A's
ids; a refused write (B pointing at A's objects, a read-only key, …) changes nothing.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from diplomas.transcripts import services as transcript_services
from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry, IdempotencyRecord, PartnerAPIKey, WebhookDelivery, WebhookEndpoint
from mobility.tests.support import api_client, make_api_key, make_user
from programs.models import Cohort
from programs.tests.factories import CohortFactory, HostFactory, InstitutionFactory
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    """What each caller gets. ``ok``: staff and A's key (and A's read-only key on a read); ``other``: B's key.
    ``public``: everyone gets ``ok``. ``scoped``: a list whose rows belong to partners (checked for leaks)."""

    ok: int
    other: int | None = None
    public: bool = False
    scoped: bool = False


# (URL name, method) → Row. Names are the router's basename-action names in the "api" namespace.
ROWS: dict[tuple[str, str], Row] = {
    ("schema", "get"): Row(200, public=True),
    ("docs", "get"): Row(200, public=True),
    ("me", "get"): Row(200, other=200),
    ("institution-list", "get"): Row(200, other=200, scoped=True),
    ("institution-detail", "get"): Row(200, other=404),
    ("track-list", "get"): Row(200, other=200),
    ("track-detail", "get"): Row(200, other=200),
    ("module-list", "get"): Row(200, other=200),
    ("module-detail", "get"): Row(200, other=200),
    ("cohort-list", "get"): Row(200, other=200, scoped=True),
    ("cohort-detail", "get"): Row(200, other=404),
    ("student-list", "get"): Row(200, other=200, scoped=True),
    ("student-list", "post"): Row(201, other=400),  # B naming A as home institution: "does not exist"
    ("student-detail", "get"): Row(200, other=404),
    ("student-detail", "put"): Row(200, other=404),
    ("student-detail", "patch"): Row(200, other=404),
    ("enrollment-list", "get"): Row(200, other=200, scoped=True),
    ("enrollment-list", "post"): Row(201, other=400),  # B applying A's student to A's cohort
    ("enrollment-detail", "get"): Row(200, other=404),
    ("enrollment-history", "get"): Row(200, other=404),
    ("enrollment-progress", "get"): Row(200, other=404),
    ("result-list", "get"): Row(200, other=200, scoped=True),
    ("result-detail", "get"): Row(200, other=404),
    ("diploma-list", "get"): Row(200, other=200, scoped=True),
    ("diploma-detail", "get"): Row(200, other=404),
    ("diploma-pdf", "get"): Row(200, other=404),
    ("diploma-credential", "get"): Row(200, other=404),
    ("diploma-lookup", "get"): Row(200, other=404),
    ("transcript-list", "get"): Row(200, other=200, scoped=True),
    ("transcript-detail", "get"): Row(200, other=404),
    ("transcript-pdf", "get"): Row(200, other=404),
    ("webhook-endpoint-list", "get"): Row(200, other=200, scoped=True),
    ("webhook-endpoint-list", "post"): Row(201, other=400),  # B registering one for A: "does not exist"
    ("webhook-endpoint-detail", "get"): Row(200, other=404),
    ("webhook-endpoint-detail", "put"): Row(200, other=404),
    ("webhook-endpoint-detail", "patch"): Row(200, other=404),
    ("webhook-endpoint-detail", "delete"): Row(204, other=404),
    ("webhook-delivery-list", "get"): Row(200, other=200, scoped=True),
    ("webhook-delivery-detail", "get"): Row(200, other=404),
}

ROLES = [
    "staff_session",
    "staff_key",
    "own_key",
    "own_read_only_key",
    "other_key",
    "expired_key",
    "revoked_key",
    "student_session",
    "anonymous",
]
WRITES = {"post", "put", "patch", "delete"}


def _api_patterns() -> list[tuple[str, str, str]]:
    """``(route, name, method)`` for every URL under ``api/`` and every method its view answers (but OPTIONS)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name, pattern.callback

    found = set()
    for route, name, callback in walk(get_resolver().url_patterns):
        if not route.startswith("api/") or name == "not-found":  # the JSON 404 of other URLs: test_api.py
            continue
        actions = getattr(callback, "actions", None)  # viewsets: method → action
        if actions is not None:
            methods = set(actions)
        else:
            view_class = callback.cls if hasattr(callback, "cls") else callback.view_class
            methods = {m for m in view_class.http_method_names if hasattr(view_class, m)} - {"options", "head"}
        for method in methods:
            found.add((route, name, method))
    return sorted(found)


API_PATTERNS = _api_patterns()


def test_every_api_endpoint_and_method_has_a_row():
    enumerated = {(name, method) for _route, name, method in API_PATTERNS}
    assert enumerated - set(ROWS) == set(), "add a row to ROWS for each new endpoint and method"
    assert set(ROWS) - enumerated == set(), "a row names an endpoint that no longer exists"
    assert len(enumerated) >= 27


# --- two partners and a client of every kind -------------------------------------------------------------------


def _partner_rows(code: str) -> dict:
    college = InstitutionFactory(code=code)
    enrollment = EnrollmentFactory(completed=True, cohort=CohortFactory(partner=college))
    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF),
        mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF),
    ):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
        diploma = diploma_services.diploma_issue(diploma_id=diploma.pk)
    assert diploma.status == Diploma.Status.ISSUED
    result = ModuleResultFactory(enrollment=enrollment)
    with mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF):
        transcript = transcript_services.transcript_issue(enrollment=enrollment, by=None)
    hook = WebhookEndpoint.objects.create(
        institution=college, url="https://hooks.example.cn/", events=["diploma.issued"]
    )
    delivery = WebhookDelivery.objects.create(endpoint=hook, event="diploma.issued", event_id=uuid.uuid4(), payload={})
    return {
        "institution": college,
        "student": enrollment.student,
        "enrollment": enrollment,
        "cohort": enrollment.cohort,
        "result": result,
        "diploma": diploma,
        "transcript": transcript,
        "track": enrollment.track,
        "module": result.module,
        # A student of A's without an enrollment, for applications; a cohort of A's that takes them.
        "free_student": StudentFactory(home_institution=college),
        "open_cohort": CohortFactory(partner=college, track=enrollment.track),
        "webhook_endpoint": hook,
        "webhook_delivery": delivery,
    }


@pytest.fixture
def partners_and_clients():
    """Two partners, ``own`` and ``other``, each with a row of every kind the API shows (``_partner_rows``), and an
    API client of every kind: the office's key and session, the own partner's keys (read-write, read-only, expired,
    revoked), the other partner's key, a student's session and anonymous."""
    cache.clear()
    own, other = _partner_rows("OWNCOL"), _partner_rows("OTHERCOL")
    host = HostFactory()
    clients = {}
    _k, plain = make_api_key(host, name="Office systems")
    clients["staff_key"] = api_client(plain)
    _k, plain = make_api_key(own["institution"])
    clients["own_key"] = api_client(plain)
    _k, plain = make_api_key(own["institution"], scopes=["read"], name="Read only")
    clients["own_read_only_key"] = api_client(plain)
    _k, plain = make_api_key(other["institution"])
    clients["other_key"] = api_client(plain)
    _k, plain = make_api_key(own["institution"], name="Old", expiry_date=timezone.now() - datetime.timedelta(days=1))
    clients["expired_key"] = api_client(plain)
    key, plain = make_api_key(own["institution"], name="Revoked")
    PartnerAPIKey.objects.filter(pk=key.pk).update(revoked=True)
    clients["revoked_key"] = api_client(plain)
    clients["staff_session"] = api_client(user=make_user("office", OFFICE))
    student_user = make_user("student")
    own["student"].user = student_user
    own["student"].save(update_fields=["user"])
    clients["student_session"] = api_client(user=student_user)
    clients["anonymous"] = api_client()
    yield {"own": own, "other": other, "clients": clients}
    cache.clear()


# Which object of A's a URL's id stands for, by the path segment before it.
SEGMENT_OBJECT = {
    "institutions": "institution",
    "tracks": "track",
    "modules": "module",
    "cohorts": "cohort",
    "students": "student",
    "enrollments": "enrollment",
    "results": "result",
    "diplomas": "diploma",
    "transcripts": "transcript",
    "webhook-endpoints": "webhook_endpoint",
    "webhook-deliveries": "webhook_delivery",
}


def _url(route: str, own: dict) -> str:
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    parts = []
    for segment in route.split("/"):
        if re.fullmatch(r"<(?:\w+:)?\w+>", segment):
            parts.append(str(own[SEGMENT_OBJECT[parts[-1]]].pk))
        else:
            parts.append(segment)
    return "/" + "/".join(parts)


NEW_STUDENT = {
    "home_student_id": "2026099999",
    "family_name_latin": "Li",
    "given_name_latin": "Na",
    "citizenship": "CN",
}


def _body(name: str, method: str, own: dict) -> dict:
    if name == "student-list":
        return {**NEW_STUDENT, "home_institution": own["institution"].pk}
    if name == "student-detail":
        body = {**NEW_STUDENT, "home_student_id": own["student"].home_student_id, "phone": "+7 000"}
        return {"phone": "+7 000"} if method == "patch" else body
    if name == "enrollment-list":
        return {"student": own["free_student"].pk, "cohort": own["open_cohort"].pk}
    if name == "webhook-endpoint-list":
        return {"url": "https://new.example.cn/", "events": ["diploma.issued"], "institution": own["institution"].pk}
    if name == "webhook-endpoint-detail":
        return {"description": "SIS"} if method == "patch" else {"url": "https://b.cn/", "events": ["result.recorded"]}
    return {}


def _query(name: str, own: dict) -> dict:
    return {"number": own["diploma"].number} if name == "diploma-lookup" else {}


def _snapshot(own: dict) -> tuple:
    student = Student.objects.get(pk=own["student"].pk)
    return (
        Student.objects.count(),
        Enrollment.objects.count(),
        Cohort.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
        [getattr(student, f.attname) for f in Student._meta.concrete_fields if f.name != "modified_at"],
    )


def _expected(row: Row, role: str, method: str) -> int:
    if row.public:
        return row.ok
    if role in ("anonymous", "expired_key", "revoked_key"):
        return 401
    if role == "student_session":
        return 403
    if role == "own_read_only_key" and method in WRITES:
        return 403
    if role == "other_key":
        return row.other
    return row.ok


# Rows of a scoped list: which of the partners_and_clients objects' ids it lists.
LIST_OBJECT = {
    "institution-list": "institution",
    "cohort-list": "cohort",
    "student-list": "student",
    "enrollment-list": "enrollment",
    "result-list": "result",
    "diploma-list": "diploma",
    "transcript-list": "transcript",
    "webhook-endpoint-list": "webhook_endpoint",
    "webhook-delivery-list": "webhook_delivery",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "name", "method"), API_PATTERNS)
def test_access_matrix(partners_and_clients, route, name, method, role):
    own, other = partners_and_clients["own"], partners_and_clients["other"]
    row = ROWS.get((name, method))
    if row is None:  # test_every_api_endpoint_and_method_has_a_row fails for it
        pytest.skip(f"no row for {name} {method}")
    client = partners_and_clients["clients"][role]
    url = _url(route, own)
    before = _snapshot(own)
    if method in WRITES:
        response = getattr(client, method)(url, _body(name, method, own), format="json")
    else:
        response = client.get(url, _query(name, own))
    expected = _expected(row, role, method)
    assert response.status_code == expected, (url, role, getattr(response, "data", None))

    if response.status_code >= 400:
        if response["Content-Type"].startswith("application/json"):
            assert set(response.json()) == {"code", "message", "fields", "details"}
        if method in WRITES:
            assert _snapshot(own) == before, "a refused write changed something"

    if row.scoped and response.status_code == 200:
        ids = {item["id"] for item in response.json()["results"]}
        kind = LIST_OBJECT[name]
        if role in ("own_key", "own_read_only_key"):
            assert own[kind].pk in ids and other[kind].pk not in ids
        elif role == "other_key":
            assert other[kind].pk in ids and own[kind].pk not in ids
        else:  # staff
            assert {own[kind].pk, other[kind].pk} <= ids


def test_another_partners_write_pointing_at_own_objects_changes_nothing(partners_and_clients):
    """B names A's student and cohort, A's institution, A's student record: "does not exist" or 404, no row."""
    own = partners_and_clients["own"]
    client = partners_and_clients["clients"]["other_key"]
    before = _snapshot(own)
    cases = [
        ("post", "/api/v1/enrollments/", {"student": own["free_student"].pk, "cohort": own["open_cohort"].pk}),
        (
            "post",
            "/api/v1/enrollments/",
            {"student": partners_and_clients["other"]["student"].pk, "cohort": own["open_cohort"].pk},
        ),
        ("post", "/api/v1/students/", {**NEW_STUDENT, "home_institution": own["institution"].pk}),
        ("patch", f"/api/v1/students/{own['student'].pk}/", {"phone": "+86"}),
    ]
    for method, url, body in cases:
        response = getattr(client, method)(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"{method}{url}{body}"[:255])
        assert response.status_code in (400, 404), (url, body)
        if response.status_code == 400:
            assert any(
                "does not exist" in message for messages in response.json()["fields"].values() for message in messages
            )
    # The refusals are remembered under their Idempotency-Keys (B's own), nothing else was written.
    after = _snapshot(own)
    assert after[:4] == before[:4] and after[5] == before[5]
