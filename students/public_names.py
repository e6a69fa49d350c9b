"""A student's name as a public page may show it without their consent: initials, a name check, and revocation
reasons with the name taken out. Pure functions over the six name fields, no database.

**Initials** (``initials``), in each script the order of the full name on the page (family name first):

- Latin and Cyrillic: the first letter of each word of the family name, then of the given name, upper case, each
  followed by a full stop; a hyphenated word keeps its hyphen: ``Zhang Wei`` → ``Z. W.``, ``Чжан Вэй`` → ``Ч. В.``,
  ``Ouyang Xiao-Dong`` → ``O. X.-D.``.
- Han: the family name kept and the given name replaced by one ``某`` ("a certain"): ``张伟`` and ``张伟明`` → ``张某``,
  ``欧阳晓东`` → ``欧阳某``. This is how Chinese readers see a person named without being identified: the Supreme
  People's Court's rules for publishing judgments online (2016) keep the surname and replace the given name with 某,
  and news reports do the same. Latin-style letters ("Z. W.") mean nothing in Han script, and a ``＊`` per character
  would tell the length of the given name, which ``某`` does not. A name without a family name shows ``某``.

**The name check** (``name_matches``): the typed text and each recorded name are reduced to a key, and the keys are
compared. The key: NFKC (``students.names.normalize_name``: invisible characters gone, full-width letters plain),
case folded; separators dropped (spaces of any kind, hyphens, apostrophes, middle dots), so spaces, repeated spaces
and a Han name with or without a space all match; in Latin letters pinyin's ü, ``u:`` and ``v`` are one letter (and
the passport's ``lyu``/``nyu`` the same as ``lü``/``nü``), and every other diacritic (the tone marks) is dropped; in
Cyrillic ё is е. A typed name matches when its key equals the Han full name's key (family name first), or the Latin or
Cyrillic name's key in either order (family given, or given family). The answer is one yes or no: it never says which
script or which part matched.
"""

from __future__ import annotations

import hmac
import re
import unicodedata

from .names import LATIN, normalize_name

HAN_SOMEONE = "某"

_WORD = re.compile(r"[^\s]+")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—'’ʼ`´·・･.]+")
_PASSPORT_U = re.compile(r"([ln])yu")
_DIAERESIS = "\u0308"
# Combining marks dropped after a Latin letter: whatever they are (tone marks: macron, acute, caron, grave).
_LATIN_BASE = re.compile(r"[a-z]")


def _word_initials(part: str) -> list[str]:
    """``Xiao-Dong`` → ``X.-D.``: the first letter of each hyphen-joined piece."""
    return ["-".join(f"{piece[:1].upper()}." for piece in word.split("-") if piece) for word in _WORD.findall(part)]


def _alphabetic_initials(family: str, given: str) -> str:
    return " ".join(_word_initials(family) + _word_initials(given))


def han_initials(family: str, given: str) -> str:
    """The family name and ``某``; empty when there is no Han name at all (see the module's docstring)."""
    if not (family or given):
        return ""
    return f"{family}{HAN_SOMEONE}"


def initials(student) -> dict[str, str]:
    """The initials of each script the student's name is recorded in: ``{"latin": "Z. W.", "han": "张某",
    "cyrillic": "Ч. В."}``; a script without a name gives ``""``."""
    return {
        "latin": _alphabetic_initials(student.family_name_latin, student.given_name_latin),
        "han": han_initials(student.family_name_han, student.given_name_han),
        "cyrillic": _alphabetic_initials(student.family_name_cyrillic, student.given_name_cyrillic),
    }


def name_key(text: str) -> str:
    """The key a name is compared by (see the module's docstring). Idempotent."""
    text = normalize_name(text, LATIN).casefold().replace("u:", "v")
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            base = kept[-1] if kept else ""
            if base == "u" and char == _DIAERESIS:
                kept[-1] = "v"
            if _LATIN_BASE.fullmatch(base):
                continue  # a tone mark or other diacritic on a Latin letter
        kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept)).replace("ё", "е")
    text = _SEPARATORS.sub("", text)
    return _PASSPORT_U.sub(r"\1v", text)


def name_keys(student) -> set[str]:
    """The keys a typed name may match: the Han full name, the Latin and Cyrillic names in both orders."""
    keys = {name_key(student.family_name_han + student.given_name_han)}
    for family, given in (
        (student.family_name_latin, student.given_name_latin),
        (student.family_name_cyrillic, student.given_name_cyrillic),
    ):
        if family or given:
            keys.add(name_key(f"{family} {given}"))
            keys.add(name_key(f"{given} {family}"))
    keys.discard("")
    return keys


def name_matches(student, typed: str) -> bool:
    """Whether ``typed`` is the student's name in any of the three scripts (see the module's docstring). Every key is
    compared, in constant time each, so the time taken does not tell which one matched."""
    key = name_key(typed).encode()
    if not key:
        return False
    found = False
    for candidate in name_keys(student):
        found |= hmac.compare_digest(key, candidate.encode())
    return found


def _pattern(text: str, *, words: bool) -> str:
    """A regular expression for ``text`` with any run of spaces between its words; on word boundaries for Latin
    and Cyrillic (``Wei`` is not taken out of ``Weight``)."""
    body = r"\s+".join(re.escape(word) for word in text.split())
    return rf"(?<!\w){body}(?!\w)" if words else body


def _literal(replacement: str):
    def replace(_match: re.Match) -> str:
        return replacement

    return replace


def redact_names(text: str, student) -> str:
    """``text`` (a revocation reason, written by staff and shown on the public page) with the student's names in
    each script replaced by their initials: the full names first (both orders), then each family and given name
    alone; a Han given name alone only when it has two characters or more (one character is too often part of an
    ordinary word). Case-insensitive."""
    shown = initials(student)
    replacements: list[tuple[str, str, bool]] = []
    for script, family, given in (
        ("latin", student.family_name_latin, student.given_name_latin),
        ("cyrillic", student.family_name_cyrillic, student.given_name_cyrillic),
    ):
        replacements.append((f"{family} {given}", shown[script], True))
        replacements.append((f"{given} {family}", _alphabetic_initials(given, family), True))
        replacements += [
            (family, _alphabetic_initials(family, ""), True),
            (given, _alphabetic_initials(given, ""), True),
        ]
    family_han, given_han = student.family_name_han, student.given_name_han
    if family_han or given_han:
        replacements.append((family_han + given_han, shown["han"], False))
        replacements.append((f"{family_han} {given_han}", shown["han"], False))
        if len(given_han) >= 2:
            replacements.append((given_han, HAN_SOMEONE, False))
    for name, initial, words in replacements:
        if name.strip():
            # A function as the replacement: the initials are taken as they are, never read as a template.
            text = re.compile(_pattern(name, words=words), re.IGNORECASE).sub(_literal(initial), text)
    return text
