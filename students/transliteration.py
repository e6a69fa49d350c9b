"""Suggested Latin (Hanyu Pinyin) and Cyrillic (Palladius system) forms of a student's Han-character name.

These are suggestions for staff, never rules: the form and the roster import fill only empty fields, and what is
printed in the passport wins. Pure functions, no database.

The conventions (passport ``YU`` for ü after l and n, the apostrophe before a, o, e, one word per name, Palladius'
``нь`` / ``н`` and ``ъ``, surname readings, nothing dropped: ``NoReading``) and why each was chosen are decision 0007
(docs/decisions/0007-transliteration-rules.md); ``students/tests/test_transliteration.py`` pins them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from .names import MIDDLE_DOT, is_han

# --- the syllable table ------------------------------------------------------------------------------------------

# Palladius spelling of the pinyin initials.
INITIALS = {
    "b": "б", "p": "п", "m": "м", "f": "ф", "d": "д", "t": "т", "n": "н", "l": "л",
    "g": "г", "k": "к", "h": "х", "j": "цз", "q": "ц", "x": "с",
    "zh": "чж", "ch": "ч", "sh": "ш", "r": "ж", "z": "цз", "c": "ц", "s": "с",
}  # fmt: skip

# Palladius spelling of the finals after an initial. The medial *i* softens the vowel (ia я, ie е, iu ю), *uo* is
# plain о (guo го), and *-n* / *-ng* are нь / н. ``ü`` finals are keyed with ü; their pinyin spelling is below.
FINALS = {
    "a": "а", "ai": "ай", "ao": "ао", "an": "ань", "ang": "ан",
    "o": "о", "ou": "оу", "ong": "ун",
    "e": "э", "ei": "эй", "en": "энь", "eng": "эн",
    "i": "и", "ia": "я", "iao": "яо", "ie": "е", "iu": "ю", "ian": "янь", "iang": "ян", "in": "инь", "ing": "ин",
    "iong": "юн",
    "u": "у", "ua": "уа", "uo": "о", "uai": "уай", "ui": "уй", "uan": "уань", "uang": "уан", "un": "унь",
    "ü": "юй", "üe": "юэ", "üan": "юань", "ün": "юнь",
}  # fmt: skip

# Which finals each initial takes: the pinyin syllable inventory, including the rare syllables pypinyin returns
# (den, len, nun, kei, tei, zhei, shei, fiao, dia, rua, chua).
_AOE = "a ai an ang ao e ei en eng"
_UW = "ong ou u ua uai uan uang ui un uo"
INVENTORY = {
    "b": "a ai an ang ao ei en eng i ian iao ie in ing o u",
    "p": "a ai an ang ao ei en eng i ian iao ie in ing o ou u",
    "m": f"{_AOE} i ian iao ie in ing iu o ou u",
    "f": "a an ang ei en eng iao o ou u",
    "d": f"{_AOE} i ia ian iao ie ing iu ong ou u uan ui un uo",
    "t": f"{_AOE} i ian iao ie ing ong ou u uan ui un uo",
    "n": f"{_AOE} i ian iang iao ie in ing iu ong ou u uan un uo ü üe",
    "l": f"{_AOE} i ia ian iang iao ie in ing iu o ong ou u uan un uo ü üe",
    "g": f"{_AOE} {_UW}",
    "k": f"{_AOE} {_UW}",
    "h": f"{_AOE} {_UW}",
    "j": "i ia ian iang iao ie in ing iong iu ü üe üan ün",
    "q": "i ia ian iang iao ie in ing iong iu ü üe üan ün",
    "x": "i ia ian iang iao ie in ing iong iu ü üe üan ün",
    "zh": f"{_AOE} i {_UW}",
    "ch": f"{_AOE} i {_UW}",
    "sh": f"{_AOE} i {_UW}",
    "r": "an ang ao e en eng i ong ou u ua uan ui un uo",
    "z": f"{_AOE} i ong ou u uan ui un uo",
    "c": f"{_AOE} i ong ou u uan ui un uo",
    "s": f"{_AOE} i ong ou u uan ui un uo",
}

# Syllables without an initial (y- and w- are spelling, not initials) and the interjections pypinyin returns
# (嗯 n, 呣 m, 哼 hng, 噷 hm, 欸 ê).
ZERO_INITIAL = {
    "a": "а", "ai": "ай", "an": "ань", "ang": "ан", "ao": "ао",
    "o": "о", "ou": "оу",
    "e": "э", "ei": "эй", "en": "энь", "eng": "эн", "er": "эр", "ê": "э",
    "yi": "и", "ya": "я", "yao": "яо", "ye": "е", "you": "ю", "yan": "янь", "yang": "ян", "yin": "инь",
    "ying": "ин", "yong": "юн", "yo": "йо",
    "yu": "юй", "yue": "юэ", "yuan": "юань", "yun": "юнь",
    "wu": "у", "wa": "ва", "wo": "во", "wai": "вай", "wei": "вэй", "wan": "вань", "wang": "ван", "wen": "вэнь",
    "weng": "вэн",
    "m": "м", "n": "н", "ng": "н", "hm": "хм", "hng": "хн",
}  # fmt: skip


def _pinyin_key(initial: str, final: str) -> str:
    """The syllable as pypinyin spells it in ``Style.NORMAL``: ü is u after j/q/x and v after l/n."""
    return initial + final.replace("ü", "u" if initial in ("j", "q", "x") else "v")


def _cyrillic(initial: str, final: str) -> str:
    if initial in ("z", "c", "s") and final == "i":
        return INITIALS[initial] + "ы"  # zi цзы, ci цы, si сы (zhi чжи, ri жи keep и)
    if initial == "h" and final == "ui":
        return "хуэй"  # the one Palladius exception among -ui: gui гуй, kui куй, but hui хуэй
    return INITIALS[initial] + FINALS[final]


def _build_table() -> dict[str, str]:
    table = dict(ZERO_INITIAL)
    for initial, finals in INVENTORY.items():
        for final in finals.split():
            table[_pinyin_key(initial, final)] = _cyrillic(initial, final)
    return table


# pinyin syllable (pypinyin ``Style.NORMAL`` spelling: lv, nve) → Palladius.
PALLADIUS: dict[str, str] = _build_table()

# --- surnames ----------------------------------------------------------------------------------------------------

# Two-character surnames. A full name of three or more characters that starts with one of these is split after two.
COMPOUND_SURNAMES = {
    "欧阳": "ou yang", "司马": "si ma", "诸葛": "zhu ge", "上官": "shang guan", "司徒": "si tu",
    "东方": "dong fang", "皇甫": "huang fu", "尉迟": "yu chi", "公孙": "gong sun", "慕容": "mu rong",
    "长孙": "zhang sun", "令狐": "ling hu", "夏侯": "xia hou", "轩辕": "xuan yuan", "宇文": "yu wen",
    "端木": "duan mu", "独孤": "du gu", "南宫": "nan gong", "西门": "xi men", "万俟": "mo qi", "澹台": "tan tai",
    "赫连": "he lian", "呼延": "hu yan", "拓跋": "tuo ba", "司空": "si kong", "淳于": "chun yu", "申屠": "shen tu",
    "濮阳": "pu yang", "公冶": "gong ye", "闻人": "wen ren", "太叔": "tai shu",
}  # fmt: skip

# Characters whose reading as a surname differs from pypinyin's default reading of the character.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "覃": "qin",
    "盖": "ge", "乐": "yue", "华": "hua", "缪": "miao", "尉": "wei", "种": "chong", "秘": "bi", "折": "she",
    "繁": "po", "员": "yun", "召": "shao", "冼": "xian", "洗": "xian", "燕": "yan", "翟": "zhai", "祭": "zhai",
    "纪": "ji", "任": "ren", "宁": "ning", "薄": "bo", "重": "chong", "谌": "chen", "隗": "wei", "句": "gou",
    "贲": "ben", "瞿": "qu", "柏": "bai", "沈": "shen", "长": "chang", "车": "che", "朝": "chao", "藏": "zang",
}  # fmt: skip

# Passport convention for ü after l and n.
_PASSPORT_U = {"lv": "lyu", "lve": "lyue", "nv": "nyu", "nve": "nyue", "ê": "e"}
_FROM_PASSPORT = {"lyu": "lv", "lyue": "lve", "nyu": "nv", "nyue": "nve"}


class NoReading(ValueError):
    """No suggestion: ``characters`` (in order, each once) have no pinyin reading known to pypinyin."""

    def __init__(self, characters: list[str]):
        super().__init__(f"no reading for {', '.join(f'{char} (U+{ord(char):04X})' for char in characters)}")
        self.characters = characters


def no_reading_message(exc: NoReading) -> str:
    """What staff read when a suggestion is refused (translated now, in the language of the request)."""
    characters = ", ".join(f"“{char}” (U+{ord(char):04X})" for char in exc.characters)
    return _(
        "No pinyin reading is known for %(characters)s: no Latin or Cyrillic name is suggested; type them as "
        "written in the passport."
    ) % {"characters": characters}


def _is_separator(char: str) -> bool:
    return char.isspace() or char in (MIDDLE_DOT, "\u30fb")


# pypinyin's ``errors`` callbacks: what it cannot read becomes the list they return (its documentation; its stubs say
# str, hence Any).
def _no_reading(_chars: str) -> Any:
    return [""]


def _collected_into(unread: list[str]) -> Callable[[str], Any]:
    def collect(chars: str) -> Any:
        unread.extend(chars)
        return []

    return collect


def _syllables(han: str, *, surname: bool = False) -> list[str]:
    """Toneless pypinyin syllables (``lv`` spelling) of ``han``. Spaces and middle dots separate; any other character
    without a reading (not a Han character, or one pypinyin does not know) raises ``NoReading``."""
    han = "".join(char for char in han if not _is_separator(char))
    if not han:
        return []
    unread = [char for char in han if not is_han(char)]
    if surname and han in COMPOUND_SURNAMES:
        return COMPOUND_SURNAMES[han].split()
    syllables: list[str] = []
    if surname:
        # Read character by character: a surname is no phrase (陈曾 is Chen Zeng, not a word).
        for char in han:
            reading = SURNAME_READINGS.get(char) or lazy_pinyin(char, style=Style.NORMAL, errors=_no_reading)[0]
            if reading and reading in PALLADIUS:
                syllables.append(reading)
            else:
                unread.append(char)
    else:
        # pypinyin hands characters it cannot read to ``errors`` (runs of them); they are collected, not dropped.
        syllables = lazy_pinyin(han, style=Style.NORMAL, errors=_collected_into(unread))
    if unread:
        raise NoReading(list(dict.fromkeys(char for char in han if char in unread)))
    return syllables


def pinyin_of(han: str, *, surname: bool = False) -> str:
    """Toneless pinyin of ``han``, syllables separated by spaces, ü as ``yu`` after l/n (吕梅 → ``"lyu mei"``).
    With ``surname`` the surname readings of heteronyms are used (曾 → ``"zeng"``, not ``"ceng"``). Raises
    ``NoReading`` for a character without a reading."""
    return " ".join(_PASSPORT_U.get(syllable, syllable) for syllable in _syllables(han, surname=surname))


def palladius(pinyin_syllable: str) -> str:
    """The Palladius (Cyrillic) spelling of one toneless pinyin syllable, lower case: ``zhang`` → ``чжан``.
    ü may be written ``ü``, ``v`` or, after l/n, ``yu``. Raises ``ValueError`` for a string that is no syllable."""
    key = pinyin_syllable.strip().lower().replace("ü", "v").replace("u:", "v")
    key = _FROM_PASSPORT.get(key, key)
    try:
        return PALLADIUS[key]
    except KeyError:
        raise ValueError(f"not a pinyin syllable: {pinyin_syllable!r}") from None


# --- names -------------------------------------------------------------------------------------------------------


def split_han_name(full: str) -> tuple[str, str]:
    """(family, given) of a full Han name: a listed compound surname takes two characters when at least one is
    left for the given name, any other surname one. A space, when there is one, is taken as the boundary."""
    full = full.strip()
    if " " in full or "\u3000" in full:
        family, _, given = full.replace("\u3000", " ").partition(" ")
        return family.strip(), given.strip()
    if len(full) >= 3 and full[:2] in COMPOUND_SURNAMES:
        return full[:2], full[2:]
    return full[:1], full[1:]


def _latin_word(syllables: list[str]) -> str:
    parts = []
    for index, syllable in enumerate(syllables):
        syllable = _PASSPORT_U.get(syllable, syllable)
        if index and syllable[0] in "aoe":
            parts.append("'")
        parts.append(syllable)
    return "".join(parts).capitalize()


def _cyrillic_word(syllables: list[str]) -> str:
    parts: list[str] = []
    for syllable in syllables:
        cyrillic = palladius(syllable)
        if parts and parts[-1].endswith("н") and cyrillic[0] in "аоуэыияеюё":
            parts.append("ъ")  # 长安 Чанъань: -ng before a vowel
        parts.append(cyrillic)
    return "".join(parts).capitalize()


def latin_name(family_han: str, given_han: str) -> tuple[str, str]:
    """(family, given) in pinyin, each one capitalised word: 欧阳, 晓东 → ("Ouyang", "Xiaodong")."""
    return _latin_word(_syllables(family_han, surname=True)), _latin_word(_syllables(given_han))


def cyrillic_name(family_han: str, given_han: str) -> tuple[str, str]:
    """(family, given) in the Palladius system, each one capitalised word: 欧阳, 晓东 → ("Оуян", "Сяодун")."""
    return _cyrillic_word(_syllables(family_han, surname=True)), _cyrillic_word(_syllables(given_han))


def suggest_names(family_han: str, given_han: str) -> dict[str, str]:
    """The six name fields of a student: the Han forms as given (stripped) and the suggested Latin and Cyrillic
    forms; an empty part gives empty suggestions. Raises ``NoReading`` (naming the characters) when a character has
    no known reading: the suggestion is refused, never made without it."""
    family_han, given_han = family_han.strip(), given_han.strip()
    family_latin, given_latin = latin_name(family_han, given_han)
    family_cyrillic, given_cyrillic = cyrillic_name(family_han, given_han)
    return {
        "family_name_han": family_han,
        "given_name_han": given_han,
        "family_name_latin": family_latin,
        "given_name_latin": given_latin,
        "family_name_cyrillic": family_cyrillic,
        "given_name_cyrillic": given_cyrillic,
    }
