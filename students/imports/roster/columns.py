"""The columns of a roster: accepted header names per field, the values they take, and the templates."""

from __future__ import annotations

import datetime
import re
from typing import cast

from django.db import models
from django.utils.translation import gettext as _

from programs.models import Cohort

from ...consent.models import SENSITIVE_PURPOSE
from ...consent.selectors import current_text
from ...models import Student
from ...names import NAME_FIELDS as NAME_SCRIPTS
from ...names import normalize_name

# field → accepted header names (English, Russian, Chinese); the first one is what the templates write.
COLUMNS: dict[str, tuple[str, ...]] = {
    "home_student_id": ("home student id", "student id", "home id", "номер студента", "студенческий номер", "学号"),
    "family_name_han": ("family name (Han)", "family name han", "фамилия (иероглифы)", "姓", "姓氏"),
    "given_name_han": ("given name (Han)", "given name han", "имя (иероглифы)", "名", "名字"),
    "family_name_latin": (
        "family name (Latin)",
        "family name latin",
        "family name",
        "surname",
        "фамилия (латиница)",
        "姓(拼音)",
        "姓（拼音）",
        "拼音姓",
    ),
    "given_name_latin": (
        "given name (Latin)",
        "given name latin",
        "given name",
        "first name",
        "имя (латиница)",
        "名(拼音)",
        "名（拼音）",
        "拼音名",
    ),
    "family_name_cyrillic": ("family name (Cyrillic)", "family name cyrillic", "фамилия", "фамилия (кириллица)"),
    "given_name_cyrillic": ("given name (Cyrillic)", "given name cyrillic", "имя", "имя (кириллица)"),
    "sex": ("sex", "gender", "пол", "性别"),
    "birth_date": ("birth date", "date of birth", "дата рождения", "出生日期"),
    "citizenship": ("citizenship", "nationality", "гражданство", "国籍"),
    "passport_number": ("passport number", "passport", "номер паспорта", "护照号", "护照号码"),
    "passport_issued_on": (
        "passport issued",
        "passport issued on",
        "паспорт выдан",
        "дата выдачи паспорта",
        "护照签发日期",
    ),
    "passport_expires_on": (
        "passport expires",
        "passport expires on",
        "паспорт действует до",
        "срок действия паспорта",
        "护照有效期",
        "护照到期日期",
    ),
    "email": ("e-mail", "email", "электронная почта", "эл. почта", "邮箱", "电子邮箱"),
    "phone": ("phone", "телефон", "电话", "手机"),
    "home_specialty": ("home specialty", "specialty", "специальность", "专业"),
    # Optional: when given, the college of the import (its code or a name); a college nominates only its own students.
    "home_institution": ("home institution", "home college", "college", "колледж", "учебное заведение", "院校", "学校"),
    "cohort_code": ("cohort code", "cohort", "код группы", "группа", "班级代码"),
    "track_code": ("track code", "track", "код направления", "направление", "方向代码"),
    # The college's attestation that it collected the student's consent to the transfer of personal data to Russia
    # (the published text's version and the day): required with passport data or a birth date (``consent``).
    "consent_version": (
        "consent version",
        "transfer consent version",
        "версия согласия",
        "версия согласия на передачу",
        "同意书版本",
        "跨境同意书版本",
    ),
    "consent_date": (
        "consent date",
        "transfer consent date",
        "дата согласия",
        "дата согласия на передачу",
        "同意日期",
        "同意书签署日期",
    ),
}
CONSENT_COLUMNS = ("consent_version", "consent_date")
STUDENT_FIELDS = tuple(
    name for name in COLUMNS if name not in ("home_institution", "cohort_code", "track_code", *CONSENT_COLUMNS)
)
DATE_FIELDS = ("birth_date", "passport_issued_on", "passport_expires_on")
NAME_FIELDS = tuple(NAME_SCRIPTS)  # Han, Latin, Cyrillic; family name before given name
EXAMPLE_ROW = {
    "home_student_id": "2026001",
    "family_name_han": "张",
    "given_name_han": "伟",
    "family_name_latin": "Zhang",
    "given_name_latin": "Wei",
    "family_name_cyrillic": "Чжан",
    "given_name_cyrillic": "Вэй",
    "sex": "M",
    "birth_date": "2005-03-14",
    "citizenship": "CN",
    "passport_number": "E12345678",
    "passport_issued_on": "2023-01-10",
    "passport_expires_on": "2033-01-09",
    "email": "zhang.wei@example.cn",
    "phone": "+86 138 0000 0000",
    "home_specialty": "机械设计制造及其自动化",
    "home_institution": "",
    "cohort_code": "",
    "track_code": "",
    "consent_version": "1",
    "consent_date": "2026-01-15",
}

SEX_VALUES = {
    **dict.fromkeys(("m", "male", "man", "м", "муж", "мужской", "男"), Student.Sex.MALE),
    **dict.fromkeys(("f", "female", "woman", "ж", "жен", "женский", "女"), Student.Sex.FEMALE),
}
COUNTRY_NAMES = {"china": "CN", "中国": "CN", "китай": "CN", "кнр": "CN", "prc": "CN", "russia": "RU", "россия": "RU"}
EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d")


# --- values -------------------------------------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """A date written as YYYY-MM-DD, DD.MM.YYYY, YYYY/MM/DD, an ISO date-time, or an Excel serial day number."""
    text = text.strip()
    if re.fullmatch(r"\d{1,5}(\.0+)?", text):
        serial = int(float(text))
        if 1 <= serial <= 80_000:  # 1900-01-01 … 2118: a day number, not a year or an id
            return EXCEL_EPOCH + datetime.timedelta(days=serial)
        raise ValueError(text)
    if "T" in text:
        text = text.split("T", 1)[0]
    if len(text) == 10 and text.isascii() and text[4] == text[7] == "-" and text.replace("-", "").isdigit():
        try:  # YYYY-MM-DD, the most common, read in C (the same dates as the first format below)
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    if len(text) == 10 and text[2] == text[5] == "." and text.replace(".", "").isdigit() and text.isascii():
        try:  # DD.MM.YYYY, the second most common, read without strptime (the same dates as its format below)
            return datetime.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _clean_value(name: str, text: str):
    """The value a service takes, or raise ``ValueError`` with the message for the person."""
    if name in DATE_FIELDS:
        try:
            return parse_date(text)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a valid date (accepted: YYYY-MM-DD, DD.MM.YYYY, YYYY/MM/DD).") % {"value": text}
            ) from None
    if name == "sex":
        value = SEX_VALUES.get(text.strip().lower())
        if value is None:
            raise ValueError(_("“%(value)s” is not a sex; write M or F (男/女, М/Ж).") % {"value": text})
        return value
    if name in NAME_FIELDS:
        # Stored normalized (students/names.py); what still cannot be a name is refused by the model's validators
        # in ``_plan_student``, on this row and column.
        return normalize_name(text, NAME_SCRIPTS[name])
    if name == "citizenship":
        code = COUNTRY_NAMES.get(text.strip().lower(), text.strip().upper())
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(_("“%(value)s” is not a two-letter country code (ISO 3166-1, e.g. CN).") % {"value": text})
        return code
    return text.strip()


def _field_label(name: str) -> str:
    if name == "cohort_code":
        return _("cohort code")
    if name == "track_code":
        return _("track code")
    if name == "consent_version":
        return _("consent version")
    if name == "consent_date":
        return _("consent date")
    return str(cast(models.Field, Student._meta.get_field(name)).verbose_name)


# --- templates ----------------------------------------------------------------------------------------------------


def template_headers() -> list[str]:
    return [aliases[0] for aliases in COLUMNS.values()]


def template_example(*, cohort: Cohort | None = None) -> list[str]:
    example = dict(EXAMPLE_ROW)
    text = current_text(SENSITIVE_PURPOSE)
    if text is not None:  # the version a college collects today
        example["consent_version"] = str(text.version)
    if cohort is not None:
        example["home_institution"] = cohort.partner.code
        example["cohort_code"] = cohort.code
        example["track_code"] = cohort.track.code
    return [example[name] for name in COLUMNS]
