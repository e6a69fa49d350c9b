"""The verification page's answer for machines (``?format=json`` or ``Accept: application/json``): its shape is
``docs/schemas/verification.schema.json`` for issued, revoked, named and unnamed holders; its headers; 404 and 429 as
JSON; the site's local dates."""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings as django_settings

from diplomas.credentials.documents import status_list_url
from diplomas.credentials.status import LIST_BITS
from diplomas.models import Diploma
from students.tests.factories import EnrollmentFactory, StudentFactory, consent_attested

from .factories import DiplomaFactory
from .test_verification_consent import NAMES, assert_no_name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SCHEMA = json.loads((Path(django_settings.BASE_DIR) / "docs" / "schemas" / "verification.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.fixture(autouse=True)
def within_one_window(time_machine):
    start = (int(time.time()) // 60) * 60 + 20
    time_machine.move_to(datetime.datetime.fromtimestamp(start, tz=datetime.UTC), tick=False)


def _json(client, diploma, **extra):
    response = client.get(f"/verify/{diploma.verification_code}/?format=json", **extra)
    assert response["Content-Type"] == "application/json"
    return response


def _diploma(status=Diploma.Status.ISSUED, *, named=False, **fields):
    student = StudentFactory(**NAMES)
    if named:
        consent_attested(student, "public_name", given_by="student", channel="portal")
    return DiplomaFactory(status=status, enrollment=EnrollmentFactory(completed=True, student=student), **fields)


@pytest.mark.parametrize("named", [False, True])
def test_an_issued_diploma_answers_the_schema(client, named):
    diploma = _diploma(named=named)
    response = _json(client, diploma)
    assert response.status_code == 200
    answer = response.json()
    VALIDATOR.validate(answer)
    track, host = diploma.enrollment.track, diploma.enrollment.cohort.host
    assert answer["kind"] == "diploma" and answer["status"] == "issued"
    assert answer["number"] == diploma.number and answer["sha256"] == diploma.sha256
    assert answer["revoked_on"] is None and answer["revocation_reason"] is None
    assert answer["track"] == {
        "code": track.code,
        "name_en": track.name_en,
        "name_ru": track.name_ru,
        "name_zh": track.name_zh,
    }
    assert answer["issuer"] == {"name_en": host.name_en, "name_ru": host.name_ru, "name_zh": host.name_zh}
    assert answer["verification_url"] == diploma.verification_url
    number, index = divmod(diploma.pk, LIST_BITS)
    assert answer["credential"] == {
        "status_list": status_list_url(number),
        "status_index": index,
        "status_purpose": "revocation",
        "revoked": False,
    }
    if named:
        assert answer["holder"] == {
            "named": True,
            "latin": "Ouyang Xiaodong",
            "han": "欧阳晓东",
            "cyrillic": "Оуян Сяодун",
        }
    else:
        assert answer["holder"] == {"named": False, "latin": "O. X.", "han": "欧阳某", "cyrillic": "О. С."}
        assert_no_name(response)


@pytest.mark.parametrize("named", [False, True])
def test_a_revoked_diploma_answers_the_schema_with_the_public_reason(client, named):
    diploma = _diploma(Diploma.Status.REVOKED, named=named, revoked_reason="Name misspelt: Ouyang Xiaodong")
    response = _json(client, diploma)
    answer = response.json()
    VALIDATOR.validate(answer)
    assert answer["status"] == "revoked" and answer["credential"]["revoked"] is True
    assert answer["revoked_on"] == answer["issued_on"]  # the factory revokes at the moment of issue
    if named:
        assert answer["revocation_reason"] == "Name misspelt: Ouyang Xiaodong"
    else:
        assert answer["revocation_reason"] == "Name misspelt: O. X."
        assert_no_name(response)


def test_a_diploma_without_a_credential_has_null(client):
    answer = _json(client, _diploma(credential="")).json()
    VALIDATOR.validate(answer)
    assert answer["credential"] is None


def test_dates_are_the_sites_local_dates(client, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    late = datetime.datetime(2026, 12, 31, 22, 30, tzinfo=datetime.UTC)  # 01:30 on 1 January in Moscow
    answer = _json(client, _diploma(issued_at=late)).json()
    assert answer["issued_on"] == "2027-01-01"


def test_the_schema_refuses_what_it_must():
    good = {
        "kind": "transcript",
        "status": "issued",
        "number": "T-1",
        "issued_on": "2026-12-01",
        "revoked_on": None,
        "revocation_reason": None,
        "track": {"code": "M", "name_en": "M", "name_ru": "М", "name_zh": "机"},
        "holder": {"named": False, "latin": "O. X.", "han": "欧阳某", "cyrillic": "О. С."},
        "issuer": {"name_en": "U", "name_ru": "У", "name_zh": "大"},
        "sha256": "0" * 64,
        "verification_url": "https://example.edu/verify/transcript/abc/",
        "diploma": {"number": "D-1", "verification_url": "https://example.edu/verify/abc/"},
    }
    VALIDATOR.validate(good)
    for bad in (
        {**good, "credential": None},  # a transcript has no credential
        {**good, "kind": "diploma"},  # a diploma has one (null or an object) and no "diploma"
        {**good, "status": "revoked"},  # a revocation has its date and reason
        {**good, "issued_on": "01.12.2026"},
        {**good, "sha256": "XYZ"},
        {**good, "holder": {**good["holder"], "email": "x@example.edu"}},
    ):
        assert not VALIDATOR.is_valid(bad), bad


def test_the_headers_of_the_json(client):
    response = _json(client, _diploma())
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize(
    ("accept", "json_expected"),
    [
        ("application/json", True),
        ("application/json, text/html;q=0.5", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
        ("*/*", False),
        ("", False),
    ],
)
def test_the_accept_header_chooses(client, accept, json_expected):
    diploma = _diploma()
    response = client.get(f"/verify/{diploma.verification_code}/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert (response["Content-Type"] == "application/json") is json_expected
    assert "Accept" in response["Vary"]


def test_an_unknown_or_unissued_code_is_a_json_404(client):
    waiting = DiplomaFactory(status=Diploma.Status.RENDERING)
    for code in ("not-a-code-at-all-0000000000", waiting.verification_code):
        response = client.get(f"/verify/{code}/", HTTP_ACCEPT="application/json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"code": "not_found", "message": "No diploma has this verification code."}
        assert response["Access-Control-Allow-Origin"] == "*"


def test_the_json_is_rate_limited_like_the_page(client, settings):
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 2
    diploma = _diploma()
    assert _json(client, diploma).status_code == 200
    assert client.get(f"/verify/{diploma.verification_code}/").status_code == 200  # the page counts too
    limited = _json(client, diploma, HTTP_ACCEPT_LANGUAGE="ru")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    body = limited.json()
    assert body["code"] == "rate_limited" and "Повторите" in body["message"]
    assert limited["Access-Control-Allow-Origin"] == "*"
