"""Which of the three languages of names and titles (English, Russian, Chinese) a language code means, and the name
to show in it: the one rule for every ``name_en``/``name_ru``/``name_zh`` triple and for the student's Latin,
Cyrillic and Han names. Foundation: imports no app of the project."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language

NAME_LANGUAGES = ("en", "ru", "zh")


def name_language(language: str | None = None) -> str:
    """``"ru"``, ``"zh"`` or ``"en"`` for a language code, the active language's when none is given.

    Case, region and script do not matter: ``ru``, ``ru-RU``, ``RU`` are Russian; ``zh``, ``zh-hans``, ``zh-Hans``,
    ``zh-cn``, ``zh_CN`` Chinese; ``en``, ``en-US`` and any other language English."""
    base = (language or get_language() or "en").lower().replace("_", "-").split("-", 1)[0]
    return base if base in NAME_LANGUAGES else "en"


def in_language(names: Mapping[str, str], language: str | None = None) -> str:
    """The non-empty name of ``names`` (keyed ``en``/``ru``/``zh``) in the language of ``language``
    (``name_language``); else the English one, else the Russian one, else the Chinese one; else ``""``."""
    for key in dict.fromkeys((name_language(language), *NAME_LANGUAGES)):
        if value := names.get(key):
            return value
    return ""


def name_in(obj, language: str | None = None, *, field: str = "name") -> str:
    """``obj.<field>_en``, ``_ru`` or ``_zh`` for the language, by the fallbacks of ``in_language``."""
    return in_language({key: getattr(obj, f"{field}_{key}", "") for key in NAME_LANGUAGES}, language)
