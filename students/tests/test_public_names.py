"""What the public verification page may show of a name without consent (students/public_names.py): the initials
rule per script, the key names are compared by, and revocation reasons with the names taken out. Pure functions."""

from types import SimpleNamespace

import pytest

from students.public_names import initials, name_key, name_matches, redact_names


def _student(**names):
    fields = ("family_name_han", "given_name_han", "family_name_latin", "given_name_latin")
    fields += ("family_name_cyrillic", "given_name_cyrillic")
    return SimpleNamespace(**{field: names.get(field, "") for field in fields})


ZHANG = _student(
    family_name_han="张",
    given_name_han="伟明",
    family_name_latin="Zhang",
    given_name_latin="Weiming",
    family_name_cyrillic="Чжан",
    given_name_cyrillic="Вэймин",
)


def test_initials_latin_and_cyrillic_letters_han_family_name_and_mou():
    assert initials(ZHANG) == {"latin": "Z. W.", "han": "张某", "cyrillic": "Ч. В."}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"family_name_latin": "Ouyang", "given_name_latin": "Xiao-dong"}, "O. X.-D."),
        ({"family_name_latin": "de la Cruz", "given_name_latin": "Ana María"}, "D. L. C. A. M."),
        ({"family_name_latin": "O'Neil", "given_name_latin": "Ian"}, "O. I."),
    ],
)
def test_latin_initials_of_several_words_and_hyphens(names, expected):
    assert initials(_student(**names))["latin"] == expected


@pytest.mark.parametrize(
    ("family", "given", "expected"),
    [("欧阳", "晓东", "欧阳某"), ("张", "伟", "张某"), ("", "阿依古丽", "某"), ("", "", "")],
)
def test_han_initials_keep_the_family_name_and_hide_the_given_names_length(family, given, expected):
    assert initials(_student(family_name_han=family, given_name_han=given))["han"] == expected


def test_the_key_is_idempotent_and_ignores_what_the_docstring_says():
    for text in ("Zhāng Wěi-Míng", "张 伟明", "Чжан  Вэймин", "Lǚ", "lu:", "Lyu"):
        assert name_key(name_key(text)) == name_key(text)
    assert name_key("Zhāng  Wěi-Míng") == name_key("zhang weiming") == "zhangweiming"
    assert name_key("Lǚ") == name_key("lu:") == name_key("LYU") == name_key("Lv") == "lv"
    assert name_key("Алёна") == "алена" and name_key("Вэй") != name_key("Вэи")


def test_a_student_without_a_han_name_is_not_matched_by_an_empty_or_punctuation_name():
    student = _student(family_name_latin="Smith", given_name_latin="Ann")
    assert not name_matches(student, "") and not name_matches(student, " - ' ")
    assert name_matches(student, "ann smith")


def test_names_are_taken_out_of_a_text_on_word_boundaries():
    text = "Zhang Weiming asked; Weimingson and Zhangjiakou stay; 张伟明 and 伟明 go, 张 stays; ВЭЙМИН ЧЖАН."
    assert redact_names(text, ZHANG) == "Z. W. asked; Weimingson and Zhangjiakou stay; 张某 and 某 go, 张 stays; В. Ч.."
