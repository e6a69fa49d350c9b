"""The public verification page and the holder's consent to show their name (issue 18): initials without it, nowhere
a full name in the response; the name check (three scripts, order, case, spaces, tones) and its rate limit; the
upload check on the consent-less page; a withdrawal seen on the next request; the page in three languages."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from diplomas.models import Diploma
from students.consent.models import Consent
from students.consent.selectors import current_text
from students.consent.services import consent_decide
from students.tests.factories import EnrollmentFactory, StudentFactory, consent_attested

from .factories import FAKE_PDF, DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

NAMES = {
    "family_name_han": "欧阳",
    "given_name_han": "晓东",
    "family_name_latin": "Ouyang",
    "given_name_latin": "Xiaodong",
    "family_name_cyrillic": "Оуян",
    "given_name_cyrillic": "Сяодун",
}
FULL_NAMES = ("欧阳晓东", "Ouyang Xiaodong", "Оуян Сяодун")
# Every form of the name that must not be in a response without the consent: full names, both orders, the given
# names alone, and the names as HTML or JSON would escape them.
LEAKS = (*FULL_NAMES, "Xiaodong Ouyang", "Сяодун Оуян", "晓东", "Xiaodong", "Сяодун", "Ouyang", "Оуян")


def _escaped(text: str) -> list[bytes]:
    return [
        text.encode(),
        text.encode("unicode_escape"),  # \u6b27 as in JSON
        "".join(f"&#{ord(c)};" for c in text).encode(),
        "".join(f"&#x{ord(c):x};" for c in text).encode(),
    ]


def assert_no_name(response):
    """No form of the holder's name in the response's bytes nor in any header."""
    headers = "\n".join(f"{key}: {value}" for key, value in response.items()).encode()
    for text in LEAKS:
        for form in _escaped(text):
            assert form not in response.content, text
            assert form not in headers, text
            assert form.lower() not in response.content.lower(), text


@pytest.fixture
def holder():
    return StudentFactory(**NAMES)


@pytest.fixture
def diploma(holder):
    return DiplomaFactory(status=Diploma.Status.ISSUED, enrollment=EnrollmentFactory(completed=True, student=holder))


def _url(diploma, name=False):
    return f"/verify/{diploma.verification_code}/" + ("name/" if name else "")


def _consent(student):
    return consent_attested(student, "public_name", given_by="student", channel="portal")


@pytest.fixture(autouse=True)
def within_one_window(time_machine, settings):
    """django-ratelimit counts in fixed windows of the clock: the clock stands still, so a test's checks never
    straddle two windows. Name checks are limited only in the test of the limit."""
    settings.DIPLOMA_NAME_CHECK_RATE_LIMIT = "100/m"
    time_machine.move_to(datetime.datetime.fromtimestamp(int(time.time()), tz=datetime.UTC), tick=False)


# --- what the page shows ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_without_consent_the_page_shows_initials_and_no_name_anywhere(client, diploma, language):
    response = client.get(_url(diploma), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("O. X.", "欧阳某", "О. С.", diploma.number, diploma.sha256, diploma.enrollment.track.name_en):
        assert shown in html, shown
    assert 'data-named="false"' in html and 'class="name-check"' in html and 'class="diploma-check' in html
    assert response["Cache-Control"] == "no-store"
    assert_no_name(response)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ("Valid", "Check a name", "Initials only", "Check a copy")),
        ("ru", ("Действителен", "Проверить имя", "Только инициалы", "Проверить копию")),
        ("zh-hans", ("有效", "核验姓名", "姓名已部分隐去", "核验副本", "持有人姓名")),
    ],
)
def test_the_page_in_three_languages(client, diploma, language, texts):
    html = client.get(_url(diploma), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for text in texts:
        assert text in html, text


def test_a_declined_consent_is_no_consent_either(client, diploma, holder):
    consent_attested(holder, "public_name", decision=Consent.Decision.DECLINED, given_by="student", channel="portal")
    assert_no_name(client.get(_url(diploma)))
    assert_no_name(client.get(_url(diploma) + "?format=json"))


@pytest.mark.parametrize("asked", [{"QUERY_STRING": "format=json"}, {"HTTP_ACCEPT": "application/json"}])
def test_without_consent_the_json_has_initials_and_no_name_anywhere(client, diploma, holder, asked):
    response = client.get(_url(diploma), **asked)
    assert response["Content-Type"] == "application/json"
    assert response.json()["holder"] == {"named": False, "latin": "O. X.", "han": "欧阳某", "cyrillic": "О. С."}
    assert_no_name(response)
    _consent(holder)
    assert client.get(_url(diploma), **asked).json()["holder"]["latin"] == "Ouyang Xiaodong"
    text = current_text("public_name")
    consent_decide(student=holder, text=text, decision=Consent.Decision.WITHDRAWN, by=None, language="en")
    assert_no_name(client.get(_url(diploma), **asked))


def test_with_consent_the_page_shows_the_three_full_names(client, diploma, holder):
    _consent(holder)
    html = client.get(_url(diploma)).content.decode()
    assert all(name in html for name in FULL_NAMES)
    assert 'data-named="true"' in html and "Initials only" not in html


def test_a_withdrawal_shows_initials_on_the_next_request(client, diploma, holder):
    _consent(holder)
    assert "Ouyang Xiaodong" in client.get(_url(diploma)).content.decode()
    text = current_text("public_name")
    consent_decide(student=holder, text=text, decision=Consent.Decision.WITHDRAWN, by=None, language="en")
    response = client.get(_url(diploma))
    assert "O. X." in response.content.decode()
    assert_no_name(response)


def test_a_revocation_reason_naming_the_holder_shows_initials_without_consent(client, holder):
    diploma = DiplomaFactory(
        status=Diploma.Status.REVOKED,
        enrollment=EnrollmentFactory(completed=True, student=holder),
        revoked_reason="Name misspelt: Ouyang Xiaodng for OUYANG  Xiaodong (欧阳晓东, Сяодун Оуян)",
    )
    response = client.get(_url(diploma))
    assert "Name misspelt: O. Xiaodng for O. X. (欧阳某, С. О.)" in response.content.decode()
    assert_no_name(response)
    as_json = client.get(_url(diploma) + "?format=json")
    assert as_json.json()["revocation_reason"] == "Name misspelt: O. Xiaodng for O. X. (欧阳某, С. О.)"
    assert_no_name(as_json)
    _consent(holder)
    assert "OUYANG  Xiaodong (欧阳晓东, Сяодун Оуян)" in client.get(_url(diploma)).content.decode()


# --- the name check --------------------------------------------------------------------------------------------------


def _check(client, diploma, name, **extra):
    return client.post(_url(diploma, name=True), {"name": name}, **extra)


def _answer(response) -> bool:
    html = response.content.decode()
    assert html.count('data-check="name"') == 1, html
    return 'data-check="name" data-match="true"' in html


@pytest.mark.parametrize(
    "typed",
    [
        "欧阳晓东",
        "欧阳 晓东",
        "  欧阳　晓东 ",  # ideographic space, surrounding spaces
        "Ouyang Xiaodong",
        "Xiaodong Ouyang",  # given name first
        "OUYANG   xiaodong",  # case, repeated spaces
        "Ōuyáng Xiǎodōng",  # tone marks
        "Ou-yang Xiao Dong",  # syllables apart, a hyphen
        "ＯＵＹＡＮＧ　ＸＩＡＯＤＯＮＧ",  # full-width letters (NFKC)
        "Оуян Сяодун",
        "сяодун оуян",
        "\u200bОуян Сяодун",  # a zero-width space pasted along
    ],
)
def test_the_holders_name_matches_in_any_script_order_case_spacing_and_tones(client, diploma, typed):
    response = _check(client, diploma, typed)
    assert response.status_code == 200 and _answer(response) is True
    assert "Matches" in response.content.decode()
    assert_no_name(response)  # the typed name is not shown back


@pytest.mark.parametrize(
    "typed",
    [
        "欧阳晓",
        "晓东欧阳",
        "欧阳晓冬",
        "Ouyang",
        "Ouyang Xiaodon",
        "Ouyang Xiaodong Li",
        "Оуян",
        "Оуян Сяо",
        "O. X.",
        "欧阳某",
    ],
)
def test_a_wrong_or_partial_name_does_not_match(client, diploma, typed):
    response = _check(client, diploma, typed)
    assert response.status_code == 200 and _answer(response) is False
    html = response.content.decode()
    assert "Does not match" in html and "alert-danger" in html


def test_pinyin_u_umlaut_matches_as_u_colon_v_and_the_passport_yu(client):
    student = StudentFactory(
        family_name_han="吕",
        given_name_han="女",
        family_name_latin="Lyu",
        given_name_latin="Nyu",
        family_name_cyrillic="Люй",
        given_name_cyrillic="Нюй",
    )
    diploma = DiplomaFactory(
        status=Diploma.Status.ISSUED, enrollment=EnrollmentFactory(completed=True, student=student)
    )
    for typed in ("Lü Nü", "Lǚ Nǚ", "Lv Nv", "lu: nu:", "LYU NYU", "Nü Lǚ"):
        assert _answer(_check(client, diploma, typed)) is True, typed
    for typed in ("Lu Nu", "Ли Ню", "Люи Нюи"):
        assert _answer(_check(client, diploma, typed)) is False, typed
    assert _answer(_check(client, diploma, "Лю Нюй")) is False
    assert _answer(_check(client, diploma, "люй нюй")) is True


def test_cyrillic_yo_matches_ye(client):
    student = StudentFactory(family_name_cyrillic="Семёнова", given_name_cyrillic="Алёна")
    diploma = DiplomaFactory(
        status=Diploma.Status.ISSUED, enrollment=EnrollmentFactory(completed=True, student=student)
    )
    assert _answer(_check(client, diploma, "Семенова Алена")) is True


def test_an_empty_name_is_a_form_error_and_no_answer(client, diploma):
    html = _check(client, diploma, "   ").content.decode()
    assert "data-check" not in html and "This field is required." in html


def test_the_answer_is_the_same_whichever_part_matched(client, diploma):
    """The page after a match on the Han name and after one on the Cyrillic name, given name first, differ in
    nothing but the CSRF token."""

    def body(typed):
        html = _check(client, diploma, typed).content.decode()
        return "\n".join(line for line in html.splitlines() if "csrfmiddlewaretoken" not in line)

    assert body("欧阳晓东") == body("Сяодун Оуян") == body("ouyang xiaodong")


def test_the_name_check_needs_the_csrf_token(diploma):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_url(diploma, name=True), {"name": "Ouyang Xiaodong"}).status_code == 403
    page = strict.get(_url(diploma))
    token = page.cookies["csrftoken"].value
    response = strict.post(_url(diploma, name=True), {"name": "Ouyang Xiaodong", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and _answer(response) is True


def test_a_get_of_the_name_check_goes_to_the_page(client, diploma):
    response = client.get(_url(diploma, name=True))
    assert response.status_code == 302 and response["Location"] == _url(diploma)


def test_an_unknown_code_is_404_for_the_name_check_too(client):
    assert client.post("/verify/not-a-code-at-all-0000000000/name/", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Too many name checks from your network address. Please try again in 1 minute."),
        ("ru", "Слишком много проверок имени с вашего сетевого адреса. Повторите через 1 минуту."),
        ("zh-hans", "来自您网络地址的姓名核验次数过多，请在 1 分钟后重试。"),
    ],
)
def test_the_name_check_is_rate_limited_per_client_address(client, diploma, settings, language, message):
    settings.DIPLOMA_NAME_CHECK_RATE_LIMIT = "3/m"
    other = DiplomaFactory(status=Diploma.Status.ISSUED)
    answers = [_check(client, diploma, "Wrong Name", REMOTE_ADDR="203.0.113.5") for _ in range(2)]
    answers.append(_check(client, other, "Wrong Name", REMOTE_ADDR="203.0.113.5"))  # any diploma counts
    assert [response.status_code for response in answers] == [200, 200, 200]
    limited = _check(client, diploma, "Ouyang Xiaodong", REMOTE_ADDR="203.0.113.5", HTTP_ACCEPT_LANGUAGE=language)
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    html = limited.content.decode()
    assert message in html and "data-check" not in html  # no answer, even for the right name
    assert diploma.number in html and 'class="diploma-check' in html  # the page, with the upload check still there
    # Another address has its own count; the upload check is not limited by the name checks.
    assert _answer(_check(client, diploma, "Ouyang Xiaodong", REMOTE_ADDR="198.51.100.7")) is True
    upload = SimpleUploadedFile("d.pdf", FAKE_PDF, "application/pdf")
    assert client.post(_url(diploma), {"pdf": upload}, REMOTE_ADDR="203.0.113.5").status_code == 200


# --- the upload check on the page without the name -------------------------------------------------------------------


def test_the_upload_check_answers_matches_or_does_not_match_without_consent(client, diploma):
    same = client.post(_url(diploma), {"pdf": SimpleUploadedFile("d.pdf", FAKE_PDF, "application/pdf")})
    assert 'data-verdict="file"' in same.content.decode()
    html = same.content.decode()
    assert 'data-check="pdf" data-match="true"' in html and "Matches" in html
    assert_no_name(same)
    changed = FAKE_PDF.replace(b"fake", b"f4ke")
    other = client.post(_url(diploma), {"pdf": SimpleUploadedFile("d.pdf", changed, "application/pdf")})
    html = other.content.decode()
    assert 'data-check="pdf" data-match="false"' in html and "Does not match" in html
    assert_no_name(other)
    # After a name check the upload form still posts to the page itself.
    assert f'action="{_url(diploma)}" enctype="multipart/form-data"' in _check(client, diploma, "x").content.decode()
