"""The access matrix of the partner API: every operation of its OpenAPI schema (drf-spectacular, as served) × every
caller: a session of each role of the partnership (``partnership.ROLES``) and each kind of key (A's read-write and
read-only keys, B's key, the office's staff key), on one world built once for the module (``matrix.build_world``).

Checked for each operation and caller, on A's object and on B's (an operation with an id, a create naming A's or B's
rows):
- the status: staff (office sessions, the staff key) get the operation's success; A's callers (coordinator A's
  session, A's key) succeed on A's rows and get ``other`` (404 for an id, 400 for a body naming them) on B's, and B's
  callers the reverse; readers (observer A, A's read-only key) read like A's callers and get 403 on writes; the
  facilitator, teachers and students get 403, anonymous callers 401;
- a refused write (4xx) changes nothing in the database;
- a list holds the caller's rows only (A's callers see A's student and never B's, staff both);
- the sensitive fields (``Student.SENSITIVE_FIELDS``) appear only for office-admin (``students.view_sensitive``).

How to add a row: every operationId of the schema must be a key of ``OPERATIONS`` (``test_every_operation_has_a_row``
fails listing the ones that are not). ``Op(ok, other=404)``: ``ok`` the success status, ``other`` what a tenant gets
on another's row (``None``: no tenant, every allowed caller gets ``ok``); ``listed="student"`` for a list whose rows
are partners'. An id in a path takes the object of the kind its segment names (``matrix.SEGMENTS``), a body comes
from ``_body``. A known bug is an entry of ``KNOWN`` ((operationId, caller) → reason): the case is marked
xfail(strict=True), so it fails the day it is fixed, when the entry goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from diplomas.models import Diploma
from mobility.foundation.models import AuditEntry, WebhookEndpoint
from mobility.tests.matrix import ROLES, SEGMENTS, module_world
from mobility.tests.support import api_client, make_api_key
from programs.tests.factories import CohortFactory
from students.models import Enrollment, Student
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

KEYS = ("key-a", "read-key-a", "key-b", "staff-key")
CALLERS = (*ROLES, *KEYS)
STAFF = ("office", "office-admin", "staff-key")
SIDE = {"coordinator-a": 0, "observer-a": 0, "key-a": 0, "read-key-a": 0, "coordinator-b": 1, "key-b": 1}
READERS = ("observer-a", "read-key-a")
REFUSED = ("facilitator", "teacher-m", "teacher-n", "student", "other-student")  # 403: the API is not theirs
WRITES = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Op:
    """``ok``: the success status; ``other``: what a tenant's caller gets on another tenant's row (None: the rows
    are no tenant's); ``listed``: the kind of object a list holds, checked for the caller's rows only."""

    ok: int = 200
    other: int | None = 404
    listed: str = ""


def LIST(kind: str) -> Op:  # noqa: N802 (reads as a kind of row, like Op)
    """A list of partners' rows: everyone allowed gets 200, with only their rows."""
    return Op(other=None, listed=kind)


OPERATIONS: dict[str, Op] = {
    "me": Op(other=None),
    "institutions_list": LIST("institution"),
    "institutions_retrieve": Op(),
    "tracks_list": Op(other=None),
    "tracks_retrieve": Op(other=None),
    "modules_list": Op(other=None),
    "modules_retrieve": Op(other=None),
    "cohorts_list": LIST("cohort"),
    "cohorts_retrieve": Op(),
    "students_list": LIST("student"),
    "students_create": Op(201, other=400),  # naming another's college as home institution: "does not exist"
    "students_retrieve": Op(),
    "students_update": Op(),
    "students_partial_update": Op(),
    "enrollments_list": LIST("enrollment"),
    "enrollments_create": Op(201, other=400),  # another's student and cohort: "does not exist"
    "enrollments_retrieve": Op(),
    "enrollments_history_list": Op(),
    "enrollments_progress_retrieve": Op(),
    "results_list": LIST("result"),
    "results_retrieve": Op(),
    "diplomas_list": LIST("diploma"),
    "diplomas_retrieve": Op(),
    "diplomas_pdf_retrieve": Op(),
    "diplomas_credential_retrieve": Op(),
    "diplomas_lookup_retrieve": Op(),  # ?number= of another's diploma: 404
    "transcripts_list": LIST("transcript"),
    "transcripts_retrieve": Op(),
    "transcripts_pdf_retrieve": Op(),
    "webhook_endpoints_list": LIST("webhook"),
    "webhook_endpoints_create": Op(201, other=400),
    "webhook_endpoints_retrieve": Op(),
    "webhook_endpoints_update": Op(),
    "webhook_endpoints_partial_update": Op(),
    "webhook_endpoints_destroy": Op(204),
    "webhook_deliveries_list": LIST("webhook-delivery"),
    "webhook_deliveries_retrieve": Op(),
}

# (operationId, caller) → the bug, for a case that fails today (marked xfail(strict=True): it flips when fixed).
# None found on this branch: every API view takes a coordinator's or observer's session as its college's key.
KNOWN: dict[tuple[str, str], str] = {}


def _operations() -> list[tuple[str, str, str]]:
    """``(operationId, method, path)`` of every operation of the public schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (operation["operationId"], method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    )


SCHEMA_OPERATIONS = _operations()


def test_every_operation_has_a_row():
    enumerated = {operation_id for operation_id, _method, _path in SCHEMA_OPERATIONS}
    assert sorted(enumerated - set(OPERATIONS)) == [], "add a row to OPERATIONS for each of these operations"
    assert sorted(set(OPERATIONS) - enumerated) == [], "a row names an operation that no longer exists"


# --- the world, once for the module --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix's world, and for the API: a key of each kind, and for each college a student without an
    enrollment and a cohort that takes applications (what a create names)."""
    with module_world(django_db_blocker, tmp_path_factory.mktemp("media")) as (partnership, objects, _ids):
        with django_db_blocker.unblock():
            keys = {
                "key-a": make_api_key(partnership.college_a)[1],
                "read-key-a": make_api_key(partnership.college_a, scopes=["read"], name="Read only")[1],
                "key-b": make_api_key(partnership.college_b)[1],
                "staff-key": make_api_key(partnership.host, name="Office systems")[1],
            }
            colleges = objects["institution"]
            objects["free-student"] = tuple(StudentFactory(home_institution=c) for c in colleges)
            objects["open-cohort"] = tuple(CohortFactory(partner=c, track=partnership.track) for c in colleges)
        yield partnership, objects, keys


@pytest.fixture(autouse=True)
def _private_media(settings, world):
    """The world's media folder (``module_world``), not the root conftest's per test; the throttles' counts start
    at zero."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


def _client(world, caller: str):
    partnership, _objects, keys = world
    if caller in keys:
        return api_client(keys[caller])
    return api_client(user=partnership.user(caller))


def _url(path: str, objects: dict, side: int) -> str:
    parts = path.split("/")
    return "/".join(str(objects[SEGMENTS[parts[i - 1]]][side].pk) if p == "{id}" else p for i, p in enumerate(parts))


NEW_STUDENT = {
    "home_student_id": "2026099999",
    "family_name_latin": "Li",
    "given_name_latin": "Na",
    "citizenship": "CN",
}


def _body(operation_id: str, objects: dict, side: int) -> dict:
    student = objects["student"][side]
    return {
        "students_create": {**NEW_STUDENT, "home_institution": objects["institution"][side].pk},
        "students_update": {**NEW_STUDENT, "home_student_id": student.home_student_id, "phone": "+7 000"},
        "students_partial_update": {"phone": "+7 000"},
        "enrollments_create": {"student": objects["free-student"][side].pk, "cohort": objects["open-cohort"][side].pk},
        "webhook_endpoints_create": {
            "url": "https://new.example.cn/",
            "events": ["diploma.issued"],
            "institution": objects["institution"][side].pk,
        },
        "webhook_endpoints_update": {"url": "https://b.example.cn/", "events": ["result.recorded"]},
        "webhook_endpoints_partial_update": {"description": "SIS"},
    }.get(operation_id, {})


def _query(operation_id: str, objects: dict, side: int) -> dict:
    return {"number": objects["diploma"][side].number} if operation_id == "diplomas_lookup_retrieve" else {}


def _snapshot(objects: dict) -> tuple:
    """What a refused write must leave as it was: the rows' counts, the audit log, A's and B's students and webhook
    endpoints."""

    def rows(model, kind):
        ids = [o.pk for o in objects[kind]]
        return list(model.objects.filter(pk__in=ids).order_by("pk").values())

    return (
        AuditEntry.objects.count(),
        Student.objects.count(),
        Enrollment.objects.count(),
        WebhookEndpoint.objects.count(),
        Diploma.objects.count(),
        rows(Student, "student"),
        rows(WebhookEndpoint, "webhook"),
    )


def _expected(op: Op, caller: str, method: str, side: int) -> int:
    """The status ``caller`` gets for an operation on the object of college A (side 0) or B (side 1)."""
    if caller == "anonymous":
        return 401
    if caller in REFUSED:
        return 403
    if caller in READERS and method in WRITES:
        return 403
    if caller in STAFF or op.other is None or SIDE[caller] == side:
        return op.ok
    return op.other


def _cases():
    for operation_id, method, path in SCHEMA_OPERATIONS:
        for caller in CALLERS:
            marks = []
            if (operation_id, caller) in KNOWN:
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN[(operation_id, caller)])]
            yield pytest.param(operation_id, method, path, caller, id=f"{operation_id}-{caller}", marks=marks)


@pytest.mark.parametrize(("operation_id", "method", "path", "caller"), list(_cases()))
def test_operation(world, operation_id, method, path, caller):
    op = OPERATIONS.get(operation_id)
    if op is None:
        pytest.skip("no row: test_every_operation_has_a_row fails")
    _partnership, objects, _keys = world
    client = _client(world, caller)
    # An id, a body or a query naming A's rows, then B's; a list once.
    sides = (0, 1) if "{id}" in path or method == "post" or _query(operation_id, objects, 0) else (0,)
    for side in sides:
        url = _url(path, objects, side)
        before = _snapshot(objects)
        if method in WRITES:
            response = getattr(client, method)(url, _body(operation_id, objects, side), format="json")
        else:
            response = client.get(url, _query(operation_id, objects, side))
        expected = _expected(op, caller, method, side)
        assert response.status_code == expected, (url, caller, getattr(response, "data", None))
        if response.status_code >= 400 and method in WRITES:
            assert _snapshot(objects) == before, f"a refused {method} of {caller} to {url} changed something"
        if response.status_code == 200 and operation_id.startswith("students_") and method == "get":
            _assert_sensitive_fields(response.json(), caller, url)
        if op.listed and response.status_code == 200:
            _assert_only_own_rows(response.json()["results"], objects[op.listed], caller)


def _assert_sensitive_fields(data: dict, caller: str, url: str):
    students = data.get("results", [data])
    assert students, url
    for student in students:
        shown = set(Student.SENSITIVE_FIELDS) & set(student)
        if caller == "office-admin":
            assert shown == set(Student.SENSITIVE_FIELDS), url
        else:
            assert shown == set(), (caller, url, shown)


def _assert_only_own_rows(results: list, pair: tuple, caller: str):
    ids = {row["id"] for row in results}
    if caller in STAFF:
        assert {pair[0].pk, pair[1].pk} <= ids, caller
    else:
        own, other = pair[SIDE[caller]], pair[1 - SIDE[caller]]
        assert own.pk in ids and other.pk not in ids, (caller, ids)


# --- passport data: who writes them, who reads them back ---------------------------------------------------------

# A's student's passport number written by each caller that may change the student: the partners wrote these data
# (``can_write_sensitive``: A's key and A's coordinator, for A's students), office-admin holds the permission; the
# office without it and the staff key (office systems, acting as the office) are refused.
PASSPORT_WRITES = {
    "key-a": 200,
    "coordinator-a": 200,
    "office-admin": 200,
    "office": 400,
    "staff-key": 400,
}


@pytest.mark.parametrize(("caller", "status"), list(PASSPORT_WRITES.items()))
def test_passport_data_are_written_by_partners_and_read_back_only_in_that_answer(world, caller, status):
    _partnership, objects, _keys = world
    student = objects["student"][0]
    client = _client(world, caller)
    url = f"/api/v1/students/{student.pk}/"
    before = _snapshot(objects)
    response = client.patch(url, {"passport_number": "EX1234567"}, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert response.json()["code"] == "sensitive_forbidden"
        assert _snapshot(objects) == before
        return
    # The answer to the write shows what was sent; a later read shows it only to office-admin.
    assert response.json()["passport_number"] == "EX1234567"
    assert Student.objects.get(pk=student.pk).passport_number == "EX1234567"
    again = client.get(url).json()
    assert ("passport_number" in again) == (caller == "office-admin")
