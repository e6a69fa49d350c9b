"""The roster parse's direct checks (``imports.roster.checks``, the names' remembered checks, the DD.MM.YYYY fast
path): the same errors, in the same words and order, as ``Model.clean_fields`` and the slow paths they replace."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from students import names
from students.imports.roster import checks, parse_date
from students.imports.roster import parse as roster_parse
from students.models import Student

from .roster_files import HEADERS, ROWS, parse, person, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

GOOD = {
    "home_student_id": "2026001",
    "family_name_han": "张",
    "given_name_han": "伟",
    "family_name_latin": "Zhang",
    "given_name_latin": "Wei",
    "family_name_cyrillic": "Чжан",
    "given_name_cyrillic": "Вэй",
    "sex": Student.Sex.MALE,
    "citizenship": "CN",
    "birth_date": datetime.date(2005, 3, 14),
    "passport_number": "E1",
    "email": "zhang.wei@example.cn",
    "phone": "+86 138",
    "home_specialty": "机械",
}
BAD = [
    {},  # nothing wrong
    {"family_name_han": "Zhang"},  # Latin letters in a Han name
    {"given_name_han": "伟·"},  # a middle dot at the end
    {"family_name_latin": "Zh@ng", "given_name_latin": "-Wei"},  # a character and an edge
    {"family_name_latin": "Z" * 129},  # too long, and a letter: one message
    {"family_name_latin": "Ж" * 129},  # too long and the wrong script: two messages, in the validators' order
    {"family_name_latin": ""},  # required
    {"family_name_cyrillic": "Chzhan"},
    {"given_name_cyrillic": "Вэй\x00"},  # a null character
    {"family_name_latin": "Zha\u0301ng"},  # a decomposed letter: stored only normalized
    {"sex": "X"},  # not a choice
    {"sex": "M"},  # a plain str choice
    {"citizenship": "CHN"},  # too long
    {"citizenship": ""},  # required
    {"email": "no-at"},
    {"email": "a@b.c" + "x" * 260},  # too long and not an address
    {"phone": "1" * 65},
    {"passport_number": "E" * 33},
    {"home_student_id": ""},  # required
    {"home_student_id": "1" * 65},
    {"birth_date": datetime.datetime(2005, 3, 14, 12, 0)},  # a datetime in a date field: cleaned to its date
    {"birth_date": "2005-03-14"},  # a string: cleaned to a date
    {"birth_date": "14.03.2005"},  # not a date the field reads
    {"home_specialty": "x" * 256},
]


def clean_fields_reference(instance, *, exclude):
    """What ``field_errors`` stands for: Django's own ``clean_fields``."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return exc
    return None


@pytest.mark.parametrize("values", BAD)
def test_field_errors_are_clean_fields_errors_and_cleaned_values(values, college):
    exclude = {"home_institution", "user"}
    ours = Student(home_institution=college, **{**GOOD, **values})
    django = Student(**{field.attname: getattr(ours, field.attname) for field in Student._meta.concrete_fields})
    got, expected = checks.field_errors(ours, exclude=exclude), clean_fields_reference(django, exclude=exclude)
    assert (got.message_dict if got else None) == (expected.message_dict if expected else None)
    for field in Student._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(django, field.attname), field.name
        assert type(getattr(ours, field.attname)) is type(getattr(django, field.attname)), field.name


def test_field_errors_leave_out_the_excluded_fields(college):
    student = Student(home_institution=college, **{**GOOD, "family_name_latin": "", "email": "no-at"})
    refused = checks.field_errors(student, exclude={"home_institution", "user", "family_name_latin"})
    assert refused is not None
    assert list(refused.message_dict) == ["email"]


def every_kind_of_bad_row():
    """A roster (XLSX) whose rows, after the three good ones, each break one rule the parse checks (a field's, a
    script's, a check constraint's, a date's, the consent's, a duplicate)."""
    expired = {"passport issued": "2030-01-01", "passport expires": "2020-01-01"}  # before it was issued
    bad = [
        person("2026010", "Zhang", "伟", "Zhang", "Wei"),  # Latin letters in the Han name
        person("2026011", "张", "伟", "Zh@ng", "Wei"),
        person("2026012", "张", "伟", "Z" * 129, "Wei"),
        person("2026013", "张", "伟", "Zhang", "Wei", **{"family name (Cyrillic)": "Chzhan"}),
        person("2026014", "张", "", "Zhang", ""),  # no given name to suggest from: required
        person("2026015", "张", "伟", "Zhang", "Wei", sex="X"),
        person("2026016", "张", "伟", "Zhang", "Wei", born="31.02.2004"),
        person("2026017", "张", "伟", "Zhang", "Wei", born="1850-01-01"),
        person("2026018", "张", "伟", "Zhang", "Wei", citizenship="China!"),
        person("2026019", "张", "伟", "Zhang", "Wei", email="no-at"),
        person("2026020", "张", "伟", "Zhang", "Wei", **{"passport number": "E" * 40}),
        person("2026021", "张", "伟", "Zhang", "Wei", **{"home specialty": "x" * 300}),
        person("2026022", "张", "伟", "Zhang", "Wei", **expired),
        person("2026023", "张", "伟", "Zhang", "Wei", **{"consent version": "9"}),
        person("2026024", "张", "伟", "Zhang", "Wei", **{"consent version": "", "consent date": ""}),
        person("2026001", "张", "伟", "Zhang", "Wei"),  # the same home id as row 2
        person("", "张", "伟", "Zhang", "Wei"),
        person("2026025", "张", "伟", "Zhang", "Wei", email="2026001@example.cn"),  # the same e-mail as row 2
        person("2026026", "张", "伟", "Zhang\u200b", "Wei-"),  # an invisible character (removed) and an edge
    ]
    return xlsx(rows_of(ROWS) + bad, headers=[*HEADERS, "passport issued", "passport expires"])


def test_every_kind_of_bad_row_gets_the_errors_of_clean_fields(cohort_with_quota, office_admin, monkeypatch):
    data = every_kind_of_bad_row()
    fast = parse(data, cohort_with_quota, office_admin)
    monkeypatch.setattr(roster_parse, "field_errors", clean_fields_reference)
    slow = parse(data, cohort_with_quota, office_admin)
    assert fast.errors == slow.errors
    assert [row.data for row in fast.rows] == [row.data for row in slow.rows]
    refused = {error.row for error in fast.errors}
    assert refused == set(range(5, 5 + 19))  # every bad row, none of the good ones


def test_a_file_with_every_kind_of_bad_row_gets_the_same_errors_in_russian(cohort_with_quota, office_admin):
    data = every_kind_of_bad_row()
    with translation.override("en"):
        english = parse(data, cohort_with_quota, office_admin).errors
    with translation.override("ru"):
        russian = parse(data, cohort_with_quota, office_admin).errors
    with translation.override("en"):
        again = parse(data, cohort_with_quota, office_admin).errors
    assert again == english  # what was remembered (a name's check) does not keep the other language's words
    assert [(error.row) for error in russian] == [error.row for error in english]
    assert sum(r.message != e.message for r, e in zip(russian, english, strict=True)) >= len(english) // 2


def test_a_name_refusal_is_said_in_the_language_of_the_moment():
    with translation.override("en"):
        english = names.name_problem("Zh@ng", names.LATIN)
    with translation.override("ru"):
        russian = names.name_problem("Zh@ng", names.LATIN)
    assert english != russian
    assert "@" in english and "@" in russian
    assert names.name_problem("Zhang", names.LATIN) is None


@pytest.mark.parametrize(
    "text",
    [" Zhang  Wei ", "ＺＨＡＮＧ", "Zha\u0301ng", "Zhang\u200bWei", "张\u3000伟", "李\ufe00", "O’Neil", "a\tb\nc", ""],
)
def test_normalize_name_is_the_same_remembered_or_not(text):
    for script in (names.HAN, names.LATIN, names.CYRILLIC):
        first = names.normalize_name(text, script)
        assert names.normalize_name(text, script) == first == names.normalize_name.__wrapped__(text, script)


@pytest.mark.parametrize(
    "text", ["14.03.2005", "01.01.1900", "31.12.2099", "31.02.2004", "00.01.2004", "14.13.2005", "29.02.2024",
             "29.02.2023", "1.2.2004", "14.03.05", "14.03.0099"],
)  # fmt: skip
def test_day_month_year_dates_read_as_strptime_reads_them(text):
    try:
        expected = datetime.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        expected = None
    try:
        got = parse_date(text)
    except ValueError:
        got = None
    assert got == expected
