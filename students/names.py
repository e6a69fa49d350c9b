"""A student's names as text: the one place that normalizes them and decides what can be a name.

Every way a name comes in goes through ``normalize_name`` before it is stored or searched: the staff form
(``students.forms.StudentForm``), the partner API (``students.api.serializers.StudentSerializer``), the roster import
(``students.imports.roster``) and the search of the student list (``students.selectors.student_list``, through
``normalize_search``). What can be a name is checked by the model fields' validators (``NAME_VALIDATORS``), so every
``full_clean`` (forms, the API's model validators, the import's ``clean_fields``) refuses the same things with the
same message.

Normalization, in this order:

1. Invisible characters are removed: format characters (Unicode category Cf: zero-width space U+200B, the joiners
   U+200C/U+200D, word joiner U+2060, a stray BOM U+FEFF, the soft hyphen U+00AD, bidi marks) and variation
   selectors. They are not part of a name as written; they only make two equal names compare unequal.
2. Han fields: NFC (canonical composition; CJK compatibility ideographs become their unified ideograph). Latin and
   Cyrillic fields: NFKC, so full-width letters (ＺＨＡＮＧ) become ASCII (ZHANG) and ligatures (ﬁ) letters.
3. Whitespace of any kind (no-break space, ideographic space U+3000, tabs, line breaks) becomes one space; the ends
   are stripped. The typographic apostrophes ’ and ʼ become ', and the katakana middle dot ・ the middle dot ·.

What a name may then hold (anything else is refused, naming the character and its code point):

- **Han fields**: Han characters (every CJK Unified Ideographs block, extensions B-H included) and the middle dot
  ``·`` between parts of a minority name. No spaces, no Latin letters.
- **Latin fields**: Latin letters (with their diacritics), and between letters a space, a hyphen or an apostrophe.
- **Cyrillic fields**: Cyrillic letters (with their diacritics), and between letters a space, a hyphen or an
  apostrophe.

A name is never shortened silently: what normalization does not remove is either kept or refused.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HAN, LATIN, CYRILLIC = "han", "latin", "cyrillic"

# field of ``Student`` → the script it is written in.
NAME_FIELDS: dict[str, str] = {
    "family_name_han": HAN,
    "given_name_han": HAN,
    "family_name_latin": LATIN,
    "given_name_latin": LATIN,
    "family_name_cyrillic": CYRILLIC,
    "given_name_cyrillic": CYRILLIC,
}

# The CJK Unified Ideographs blocks (the basic block, extension A, extensions B-H beyond the BMP) and the
# compatibility ideographs (which NFC maps to unified ones). Ranges rather than character names: Python's Unicode
# database may be older than a character a partner sends.
_HAN_RANGES = (
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # the basic block
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x2FA1F),  # extensions B-F, I and the compatibility supplement
    (0x30000, 0x323AF),  # extensions G and H
)
MIDDLE_DOT = "\u00b7"
_SEPARATORS = " -'"
_REPLACEMENTS = {"\u2019": "'", "\u02bc": "'", "\u30fb": MIDDLE_DOT, "\uff65": MIDDLE_DOT}
_WHITESPACE = re.compile(r"\s+")

_MESSAGES = {
    HAN: _("A name in Han characters holds only Han characters and the middle dot (·); %(char)s is not allowed."),
    LATIN: _(
        "A name in Latin letters holds only Latin letters and, between them, spaces, hyphens and apostrophes; "
        "%(char)s is not allowed."
    ),
    CYRILLIC: _(
        "A name in Cyrillic letters holds only Cyrillic letters and, between them, spaces, hyphens and apostrophes; "
        "%(char)s is not allowed."
    ),
}
_EDGE_MESSAGE = _(
    "A name begins and ends with a letter; spaces, hyphens, apostrophes and middle dots stand between letters."
)


def is_han(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _HAN_RANGES)


@functools.lru_cache(maxsize=8192)
def _invisible(char: str) -> bool:
    # Cached per character: a roster of 17,000 rows asks about a few hundred distinct characters a million times.
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def _strip_invisible(text: str) -> str:
    if text.isascii():  # no format character nor variation selector is ASCII
        return text
    return "".join(char for char in text if not _invisible(char))


@functools.lru_cache(maxsize=16384)  # a pure function of its arguments; a roster repeats its family names
def normalize_name(text: str, script: str) -> str:
    """``text`` as a name in ``script`` (``HAN``, ``LATIN`` or ``CYRILLIC``) is stored: invisible characters removed,
    NFC (Han) or NFKC (Latin, Cyrillic), whitespace collapsed. Never raises; what is left may still be refused by
    ``validate_name``. Idempotent."""
    text = text or ""
    if text.isascii():  # nothing invisible; NFKC and the replacements change no ASCII character
        return _WHITESPACE.sub(" ", text).strip()
    text = _strip_invisible(text)
    text = unicodedata.normalize("NFC" if script == HAN else "NFKC", text)
    text = "".join(_REPLACEMENTS.get(char, char) for char in text)
    # NFKC may produce new invisible characters from compatibility forms; strip again after it.
    return _WHITESPACE.sub(" ", _strip_invisible(text)).strip()


def normalize_search(text: str) -> str:
    """A search typed by a person, normalized as names are stored (NFKC covers the Han names too: a stored Han
    name has no compatibility characters left), so that a pasted name with a zero-width space still finds."""
    return normalize_name(text, LATIN)


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    printable = char.isprintable() and not char.isspace()
    return f"“{char}” ({code})" if printable else code


@functools.lru_cache(maxsize=8192)
def _letter_of(char: str, script: str) -> bool:
    if script == HAN:
        return is_han(char)
    if not unicodedata.category(char).startswith("L"):
        return False
    return unicodedata.name(char, "").startswith("LATIN " if script == LATIN else "CYRILLIC ")


def name_problem(text: str, script: str) -> str | None:
    """Why ``text`` (already normalized) cannot be a name in ``script``, or ``None`` when it can. An empty text is
    no problem here (whether a name is required is the field's business)."""
    if not text or _is_name(text, script):
        return None
    return _name_problem(text, script)


@functools.lru_cache(maxsize=16384)
def _is_name(text: str, script: str) -> bool:
    # Only whether: the refusal's words depend on the language active when it is shown.
    return _name_problem(text, script) is None


def _name_problem(text: str, script: str) -> str | None:
    previous = ""
    for char in text:
        if _letter_of(char, script):
            pass
        elif unicodedata.category(char).startswith("M") and script != HAN and _letter_of(previous or " ", script):
            continue  # a combining diacritic after a letter (NFKC leaves the ones without a precomposed letter)
        elif (script == HAN and char == MIDDLE_DOT) or (script != HAN and char in _SEPARATORS):
            if not _letter_of(previous or " ", script):
                return str(_EDGE_MESSAGE)
        else:
            return _MESSAGES[script] % {"char": _describe(char)}
        previous = char
    if not _letter_of(previous or " ", script):
        return str(_EDGE_MESSAGE)
    normal = normalize_name(text, script)
    if text != normal:  # letters in a decomposed form, a typographic apostrophe: stored only normalized
        bad = next((char for char, other in zip(text, normal, strict=False) if char != other), text[-1])
        return _MESSAGES[script] % {"char": _describe(bad)}
    return None


def validate_name(text: str, script: str) -> None:
    problem = name_problem(text, script)
    if problem is not None:
        raise ValidationError(problem, code="invalid_name")


def validate_han_name(text: str) -> None:
    validate_name(text, HAN)


def validate_latin_name(text: str) -> None:
    validate_name(text, LATIN)


def validate_cyrillic_name(text: str) -> None:
    validate_name(text, CYRILLIC)


# script → the model field validator.
NAME_VALIDATORS = {HAN: validate_han_name, LATIN: validate_latin_name, CYRILLIC: validate_cyrillic_name}


def normalize_names(data: dict) -> dict:
    """A copy of ``data`` with every name field in it (``NAME_FIELDS``) that holds a string normalized."""
    return {
        name: normalize_name(value, NAME_FIELDS[name]) if name in NAME_FIELDS and isinstance(value, str) else value
        for name, value in data.items()
    }
