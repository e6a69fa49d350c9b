"""Wording the diploma and the papers share: dates written out in Russian, English and Chinese, independent of the
active locale, and the Russian words that agree with a student's recorded sex."""

from __future__ import annotations

import datetime

from students.models import Student

RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


# "(who has) completed" in the dative, as the diploma's Russian sentence needs it ("выдан … завершившему обучение"):
# by the student's recorded sex; both forms at once only when it is not recorded.
_COMPLETING_RU: dict[str, str] = {Student.Sex.MALE: "завершившему", Student.Sex.FEMALE: "завершившей"}


def completing_ru(sex: str) -> str:
    return _COMPLETING_RU.get(sex, "завершившему(-ей)")


def date_ru(day: datetime.date) -> str:
    return f"{day.day} {RU_MONTHS[day.month - 1]} {day.year} г."


def date_en(day: datetime.date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def date_zh(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def date_in(language: str, day: datetime.date) -> str:
    """``day`` written out in the language of ``language`` (a code such as "ru", "zh-hans", "en")."""
    base = language.lower().split("-", 1)[0]
    return {"ru": date_ru, "zh": date_zh}.get(base, date_en)(day)


# An enrollment's status as the office's papers say it in Russian, agreeing with the student's sex (male, female,
# not recorded). The staff pages' short labels ("завершил обучение") are the model's; a paper about one person
# writes the right form.
_STATUS_RU = {
    "applied": ("подал заявление", "подала заявление", "подал(а) заявление"),
    "admitted": ("допущен к обучению", "допущена к обучению", "допущен(а) к обучению"),
    "rejected": ("заявление отклонено",) * 3,
    "enrolled": ("обучается",) * 3,
    "withdrawn": ("отчислен", "отчислена", "отчислен(а)"),
    "failed": ("не завершил обучение", "не завершила обучение", "не завершил(а) обучение"),
    "completed": ("завершил обучение", "завершила обучение", "завершил(а) обучение"),
}


_FORM_BY_SEX: dict[str, int] = {Student.Sex.MALE: 0, Student.Sex.FEMALE: 1}


def status_ru(status: str, sex: str) -> str:
    forms = _STATUS_RU[status]
    return forms[_FORM_BY_SEX.get(sex, 2)]
