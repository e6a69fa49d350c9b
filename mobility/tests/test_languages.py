"""A name in a given language is chosen in one place (mobility.foundation.languages): the institutions', tracks' and
modules'
names and titles, the student's name on the portal and in e-mails, and the other names shown beside a name, whatever
the case, region or script of the language code."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from mobility.foundation.languages import in_language, name_in, name_language
from programs.tests.factories import InstitutionFactory, ModuleFactory, TrackFactory
from students.models import Student

RU = ["ru", "ru-RU", "ru-ru", "RU", "ru_RU"]
ZH = ["zh", "zh-hans", "zh-Hans", "zh-cn", "zh-CN", "zh_CN", "zh-hant", "ZH-HANS"]
EN = ["en", "en-US", "en-gb", "EN", "de", "fr-FR", "", None]


@pytest.mark.parametrize(("codes", "key"), [(RU, "ru"), (ZH, "zh"), (EN, "en")])
def test_every_spelling_of_a_language_code_means_the_same_name_language(codes, key):
    with translation.override("en"):  # None and "" mean the active language
        assert {name_language(code) for code in codes} == {key}


def test_the_active_language_is_the_default():
    with translation.override("zh-hans"):
        assert name_language() == "zh" and in_language({"en": "Wei", "zh": "伟"}) == "伟"
    with translation.override("ru"):
        assert name_language() == "ru"


def test_a_missing_name_falls_back_to_english_then_russian_then_chinese():
    assert in_language({"en": "Mechatronics", "ru": "Мехатроника", "zh": ""}, "zh-Hans") == "Mechatronics"
    assert in_language({"en": "", "ru": "Мехатроника", "zh": "机电一体化"}, "en-US") == "Мехатроника"
    assert in_language({"en": "", "ru": "", "zh": "机电一体化"}, "ru-RU") == "机电一体化"
    assert in_language({"en": "", "ru": "", "zh": ""}, "ru") == ""

    class Partial:  # an object without every field: the missing ones count as empty
        title_ru = "Безопасность"

    assert name_in(Partial(), "zh-cn", field="title") == "Безопасность"


@pytest.mark.django_db
@pytest.mark.parametrize(("codes", "track", "module", "institution"), [
    (RU, "Мехатроника", "Программирование ПЛК", "Чунцинский колледж"),
    (ZH, "机电一体化", "PLC编程", "重庆学院"),
    (EN, "Mechatronics", "PLC programming", "Chongqing College"),
])  # fmt: skip
def test_the_models_names_and_titles_follow_every_spelling(codes, track, module, institution):
    mech = TrackFactory(name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    plc = ModuleFactory(track=mech, title_en="PLC programming", title_ru="Программирование ПЛК", title_zh="PLC编程")
    college = InstitutionFactory(name_en="Chongqing College", name_ru="Чунцинский колледж", name_zh="重庆学院")
    with translation.override("en"):
        for code in codes:
            assert (mech.name(code), plc.title(code), college.name(code)) == (track, module, institution), code


@pytest.mark.parametrize(("codes", "expected"), [(RU, "Ли На"), (ZH, "李娜"), (EN, "Li Na")])
def test_the_students_name_follows_every_spelling_with_latin_when_the_script_is_not_recorded(codes, expected):
    student = Student(family_name_latin="Li", given_name_latin="Na", family_name_han="李", given_name_han="娜")
    student.family_name_cyrillic, student.given_name_cyrillic = "Ли", "На"
    latin_only = Student(family_name_latin="Wang", given_name_latin="Wei")
    with translation.override("en"):
        for code in codes:
            assert student.name_in(code) == expected, code
            assert latin_only.name_in(code) == "Wang Wei", code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "en zh"), ("ru-RU", "en zh"), ("zh-hans", "en ru"), ("zh-cn", "en ru"), ("en-US", "ru zh")],
)
def test_the_other_names_are_those_of_the_two_other_languages(language, shown):
    track = TrackFactory(name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    with translation.override(language):
        html = render_to_string("includes/other_names.html", {"obj": track})
    names = {"en": "Mechatronics", "ru": "Мехатроника", "zh": "机电一体化"}
    assert {key for key, name in names.items() if name in html} == set(shown.split())
