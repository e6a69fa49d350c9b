"""Names are normalized in one place (students/names.py) and refused when they cannot be names, the same way through
the staff form, the partner API, the roster import and the search; stored names are normalized by a migration."""

import importlib

import pytest
from django.apps import apps

from mobility.tests.support import api_client, make_api_key
from programs.tests.factories import InstitutionFactory
from students import selectors
from students.imports.base import read_table
from students.imports.roster import parse_roster
from students.models import Student
from students.names import CYRILLIC, HAN, LATIN, name_problem, normalize_name

from .factories import StudentFactory
from .roster_files import person, xlsx

ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"


# --- the rules ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "script", "stored"),
    [
        (f"Zh{ZWSP}ang", LATIN, "Zhang"),
        (f"{BOM}Zhang", LATIN, "Zhang"),
        (f"Zhan{SHY}g", LATIN, "Zhang"),
        (f"W{ZWNJ}e{ZWJ}i{WJ}", LATIN, "Wei"),
        ("ＺＨＡＮＧ", LATIN, "ZHANG"),  # full-width Latin → ASCII (NFKC)
        ("  Xiao\u00a0\u3000 Dong ", LATIN, "Xiao Dong"),  # any whitespace → one space
        ("Xi’an", LATIN, "Xi'an"),
        ("Lu\u0308", LATIN, "Lü"),  # composed
        (f"Чж{ZWSP}ан", CYRILLIC, "Чжан"),
        ("Пе\u0308тр", CYRILLIC, "Пётр"),
        (f"{BOM}张{ZWSP}", HAN, "张"),
        ("\uf900", HAN, "\u8c48"),  # a compatibility ideograph → its unified ideograph (NFC)
        ("买买提・艾力", HAN, "买买提·艾力"),
        ("𠮷", HAN, "𠮷"),  # outside the BMP: kept
    ],
)
def test_invisible_characters_are_removed_and_letters_composed(typed, script, stored):
    assert normalize_name(typed, script) == stored
    assert name_problem(stored, script) is None


@pytest.mark.parametrize(
    ("text", "script", "named"),
    [
        ("Wei2", LATIN, "“2” (U+0032)"),
        ("Zh\u0430ng", LATIN, "“\u0430” (U+0430)"),  # a Cyrillic а among Latin letters
        ("Чжанg", CYRILLIC, "“g” (U+0067)"),
        ("张A", HAN, "“A” (U+0041)"),
        ("张 伟", HAN, "U+0020"),
        ("Wei\x07", LATIN, "U+0007"),
        ("Wei!", LATIN, "“!” (U+0021)"),
        ("Wei☺", LATIN, "“☺” (U+263A)"),
    ],
)
def test_what_cannot_be_a_name_is_refused_naming_the_character(text, script, named):
    problem = name_problem(normalize_name(text, script), script)
    assert problem is not None and named in problem


@pytest.mark.parametrize("text", ["-Wei", "Wei-", "O''Neil", "·艾力"])
def test_separators_stand_between_letters(text):
    script = HAN if "艾" in text else LATIN
    assert "begins and ends with a letter" in name_problem(text, script)


# --- the staff form -----------------------------------------------------------------------------------------------


def _form(institution, **names):
    return {
        "family_name_han": "张",
        "given_name_han": "伟",
        "family_name_latin": "Zhang",
        "given_name_latin": "Wei",
        "family_name_cyrillic": "Чжан",
        "given_name_cyrillic": "Вэй",
        "sex": "M",
        "citizenship": "CN",
        "email": "",
        "phone": "",
        "home_institution": institution.pk,
        "home_student_id": "N-1",
        "home_specialty": "",
        **names,
    }


@pytest.mark.django_db
def test_the_staff_form_stores_names_normalized_and_search_finds_them(client, office_admin):
    client.force_login(office_admin)
    college = InstitutionFactory(code="CQEVTC")
    data = _form(
        college,
        family_name_latin="ＺＨＡＮＧ",
        given_name_latin=f"We{ZWSP}i",
        family_name_han=f"{BOM}张",
        given_name_han=f"伟{SHY}",
    )
    response = client.post("/students/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    student = Student.objects.get(home_student_id="N-1")
    assert (student.family_name_latin, student.given_name_latin) == ("ZHANG", "Wei")
    assert student.full_name_han == "张伟"
    page = client.get("/students/", {"q": "zhang wei"})
    assert [s.pk for s in page.context["students"]] == [student.pk]


@pytest.mark.django_db
def test_the_staff_form_refuses_a_mixed_script_name_on_its_field(client, office_admin):
    client.force_login(office_admin)
    college = InstitutionFactory(code="CQEVTC")
    response = client.post("/students/new/", _form(college, family_name_latin="Zh\u0430ng", given_name_cyrillic="Вэй1"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "U+0430" in errors["family_name_latin"][0]
    assert "U+0031" in errors["given_name_cyrillic"][0]
    assert not Student.objects.exists()


# --- the partner API ----------------------------------------------------------------------------------------------

NEW = {
    "home_student_id": "API-1",
    "family_name_han": "李",
    "given_name_han": "娜",
    "family_name_latin": "Li",
    "given_name_latin": "Na",
    "sex": "F",
    "citizenship": "CN",
}


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
def test_the_api_stores_names_normalized(college):
    partner = api_client(make_api_key(college)[1])
    body = {**NEW, "family_name_latin": f"{BOM}Ｌｉ", "given_name_han": f"娜{ZWJ}", "family_name_cyrillic": f"Л{SHY}и"}
    response = partner.post("/api/v1/students/", body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["family_name_latin"], response.json()["given_name_han"]) == ("Li", "娜")
    student = Student.objects.get(home_student_id="API-1")
    assert (student.family_name_latin, student.given_name_han, student.family_name_cyrillic) == ("Li", "娜", "Ли")


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_cache")
def test_the_api_refuses_what_cannot_be_a_name_with_the_field(college):
    partner = api_client(make_api_key(college)[1])
    response = partner.post(
        "/api/v1/students/", {**NEW, "given_name_latin": "Na2", "family_name_han": "Li"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"given_name_latin", "family_name_han"}
    assert "U+0032" in body["fields"]["given_name_latin"][0]
    assert not Student.objects.exists()


# --- the roster import --------------------------------------------------------------------------------------------


def _parse(rows, cohort, viewer):
    return parse_roster(read_table(xlsx(rows)), cohort=cohort, viewer=viewer)


@pytest.mark.django_db
def test_the_roster_import_stores_names_normalized(cohort, office_admin):
    rows = [person("2026001", f"{BOM}张", "伟", f"Zh{SHY}ang", "ＷＥＩ", **{"family name (Cyrillic)": f"Чжан{ZWSP}"})]
    preview = _parse(rows, cohort, office_admin)
    assert not preview.has_errors, preview.errors
    assert preview.rows[0].data["family_name_han"] == "张"
    assert (preview.rows[0].data["family_name_latin"], preview.rows[0].data["given_name_latin"]) == ("Zhang", "WEI")
    assert preview.rows[0].data["family_name_cyrillic"] == "Чжан"
    # The empty given name in Cyrillic is the transliterator's suggestion from the (normalized) Han name.
    assert (preview.rows[0].data["given_name_cyrillic"], preview.rows[0].suggested) == ("Вэй", ["given_name_cyrillic"])


@pytest.mark.django_db
def test_the_roster_import_refuses_a_bad_name_naming_row_and_column(cohort, office_admin):
    rows = [person("2026001", "张", "伟", "Zhang", "Wei"), person("2026002", "李", "娜3", "Li", "N@")]
    preview = _parse(rows, cohort, office_admin)
    errors = {(error.row, error.column): error.message for error in preview.errors}
    assert set(errors) == {(3, "given name (Han)"), (3, "given name (Latin)")}
    assert "“3” (U+0033)" in errors[(3, "given name (Han)")]
    assert "“@” (U+0040)" in errors[(3, "given name (Latin)")]


@pytest.mark.django_db
def test_the_roster_import_says_which_han_character_has_no_reading(cohort, office_admin):
    # The real suggester: 𠮷 (U+20BB7) is unknown to pypinyin. Before, it was dropped and 𠮷田 became "Tian".
    rows = [person("2026001", "𠮷", "田", "", ""), person("2026002", "吉", "田", "", "")]
    preview = _parse(rows, cohort, office_admin)
    errors = {(error.row, error.column): error.message for error in preview.errors}
    assert set(errors) == {(2, "family name (Latin)"), (2, "given name (Latin)")}
    assert "“𠮷” (U+20BB7)" in errors[(2, "family name (Latin)")]
    assert any("Row 2" in warning and "U+20BB7" in warning for warning in preview.warnings)
    assert preview.rows[1].data["family_name_latin"] == "Ji" and preview.rows[1].data["given_name_cyrillic"] == "Тянь"


# --- search and stored rows ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", [f"Zh{ZWSP}ang", "ＺＨＡＮＧ", f"{BOM}zhang", f"张{ZWJ}伟"])
def test_a_search_typed_with_invisible_or_full_width_characters_finds_the_student(typed, office_admin):
    student = StudentFactory(family_name_latin="Zhang", family_name_han="张", given_name_han="伟")
    StudentFactory(family_name_latin="Li", family_name_han="李", given_name_han="娜")
    assert list(selectors.student_list(viewer=office_admin, filters={"q": typed})) == [student]


@pytest.mark.django_db
def test_the_migration_normalizes_stored_names():
    migration = importlib.import_module("students.migrations.0007_student_names_normalized")
    dirty = StudentFactory(family_name_latin="ＺＨＡＮＧ", given_name_latin=f"W{ZWSP}ei", family_name_han=f"{BOM}张")
    only_invisible = StudentFactory(family_name_latin=ZWSP)  # left as it is: a Latin name is never blank
    clean = StudentFactory(family_name_latin="Li")
    before = clean.modified_at
    migration.normalize_stored_names(apps, None)
    dirty.refresh_from_db()
    only_invisible.refresh_from_db()
    clean.refresh_from_db()
    assert (dirty.family_name_latin, dirty.given_name_latin, dirty.family_name_han) == ("ZHANG", "Wei", "张")
    assert only_invisible.family_name_latin == ZWSP
    assert clean.modified_at == before
