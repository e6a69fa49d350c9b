"""``/verify/``: a printed diploma's number and code lead to its verification page; a wrong code and an unknown
number get the same answer, by the same path; the code may be the whole printed address; CSRF; the rate limit."""

from __future__ import annotations

import datetime
import secrets
import time
from unittest import mock

import pytest
from django.test import Client

from diplomas import verification
from diplomas.models import Diploma

from .factories import DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/verify/"
NO_MATCH = {
    "en": "No issued diploma has this number and code.",
    "ru": "Нет выданного диплома с таким номером и кодом.",
    "zh-hans": "没有与此编号和验证码相符的已颁发证书。",
}


@pytest.fixture(autouse=True)
def within_one_window(time_machine):
    start = (int(time.time()) // 60) * 60 + 20
    time_machine.move_to(datetime.datetime.fromtimestamp(start, tz=datetime.UTC), tick=False)


@pytest.fixture
def diploma():
    return DiplomaFactory(status=Diploma.Status.ISSUED)


def _post(client, number, code, **extra):
    return client.post(URL, {"number": number, "code": code}, **extra)


def test_the_form_is_public_and_not_stored(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="number"' in html and 'name="code"' in html and "csrfmiddlewaretoken" in html
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("{number}", "{code}"),
        ("  {number_lower} ", " {code} "),  # case and spaces of the number; spaces around the code
        ("{number_spaced}", "{code}"),  # the number with spaces in it
        ("{number_dashes}", "{code}"),  # typographic dashes, full-width letters
        ("{number}", "{url}"),  # the whole printed address
        ("{number}", "{url_wrapped}"),  # …broken over two lines on paper
        ("{number}", "{url_bare}"),  # …without the scheme
    ],
)
def test_number_and_code_lead_to_the_verification_page(client, diploma, number, code):
    url = diploma.verification_url
    values = {
        "number": diploma.number,
        "number_lower": diploma.number.lower(),
        "number_spaced": " ".join(diploma.number.split("-")).replace(" ", " - "),
        "number_dashes": diploma.number.replace("-", "\u2013").replace("S", "\uff33"),
        "code": diploma.verification_code,
        "url": url,
        "url_wrapped": url[:20] + "\n" + url[20:],
        "url_bare": url.split("://", 1)[1].rstrip("/"),
    }
    response = _post(client, number.format(**values), code.format(**values))
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{diploma.verification_code}/"


def test_a_revoked_diploma_is_found_too(client):
    revoked = DiplomaFactory(status=Diploma.Status.REVOKED)
    assert _post(client, revoked.number, revoked.verification_code).status_code == 302


def _refusal(response) -> str:
    html = response.content.decode()
    # Everything but the CSRF token and the echoed input.
    return "\n".join(line for line in html.splitlines() if "csrfmiddlewaretoken" not in line and "value=" not in line)


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, diploma, language):
    unissued = DiplomaFactory(status=Diploma.Status.RENDERING)
    wrong_code = _post(client, diploma.number, secrets.token_urlsafe(24), HTTP_ACCEPT_LANGUAGE=language)
    unknown_number = _post(client, "STK-IAM-2026-123456", secrets.token_urlsafe(24), HTTP_ACCEPT_LANGUAGE=language)
    not_issued = _post(client, unissued.number, unissued.verification_code, HTTP_ACCEPT_LANGUAGE=language)
    other_code = _post(
        client,
        diploma.number,
        DiplomaFactory(status=Diploma.Status.ISSUED).verification_code,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    answers = [wrong_code, unknown_number, not_issued, other_code]
    assert {response.status_code for response in answers} == {200}
    assert len({_refusal(response) for response in answers}) == 1
    html = wrong_code.content.decode()
    assert html.count(NO_MATCH[language]) == 1
    assert diploma.verification_code not in html


def test_the_code_is_compared_in_constant_time_whether_the_number_exists_or_not(client, diploma):
    """Both paths call ``secrets.compare_digest`` once: with the diploma's code when the number exists, with the dummy
    when it does not."""
    with mock.patch.object(verification.secrets, "compare_digest", wraps=secrets.compare_digest) as compare:
        _post(client, diploma.number, "wrong-code")
        _post(client, "STK-IAM-2026-123456", "wrong-code")
        _post(client, diploma.number, diploma.verification_code)
    assert compare.call_count == 3
    expected = [call.args[1] for call in compare.call_args_list]
    assert expected[0] == expected[2] == diploma.verification_code.encode()
    assert expected[1] == verification._DUMMY_CODE and len(expected[1]) == len(expected[0])


def test_empty_fields_are_form_errors(client):
    html = _post(client, " ", "").content.decode()
    assert html.count("This field is required.") == 2 and NO_MATCH["en"] not in html


def test_the_form_needs_the_csrf_token(diploma):
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, diploma.number, diploma.verification_code).status_code == 403
    token = strict.get(URL).cookies["csrftoken"].value
    response = strict.post(
        URL, {"number": diploma.number, "code": diploma.verification_code, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_the_checks_are_rate_limited_per_client_address(client, diploma, settings):
    settings.DIPLOMA_VERIFY_RATE_LIMIT = 3
    for _ in range(3):
        assert _post(client, diploma.number, "wrong", REMOTE_ADDR="203.0.113.5").status_code == 200
    limited = _post(client, diploma.number, diploma.verification_code, REMOTE_ADDR="203.0.113.5")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many checks" in limited.content.decode()
    # Another address has its own count, and the verification page its own window.
    assert _post(client, diploma.number, diploma.verification_code, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert client.get(f"/verify/{diploma.verification_code}/", REMOTE_ADDR="203.0.113.5").status_code == 200


def test_the_pages_link_to_the_form(client, diploma):
    assert f'href="{URL}"' in client.get(f"/verify/{diploma.verification_code}/").content.decode()
    assert f'href="{URL}"' in client.get("/accounts/login/").content.decode()
