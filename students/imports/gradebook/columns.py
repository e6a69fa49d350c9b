"""The columns of a Moodle gradebook export: identity and item headers in English, Russian and Chinese, and the
score cells (``Real`` points out of the item's maximum, ``Percentage`` 0–100)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..base import ImportFileError, Table, match_columns

# Moodle's user field names (core strings email, idnumber, firstname, lastname) in en, ru and zh_cn; older and newer
# language packs word some differently, so both are listed.
IDENTITY_COLUMNS = {
    "email": [
        "Email address",
        "Email",
        "E-mail",
        "Адрес электронной почты",
        "Электронная почта",
        "Email地址",
        "电子邮件地址",
        "电子邮件",
    ],
    "id_number": ["ID number", "IDnumber", "Индивидуальный номер", "学号", "ID号"],
    "first_name": ["First name", "Имя", "名"],
    "last_name": ["Last name", "Surname", "Фамилия", "姓"],
}
# Display types (grades strings real, percentage, letter) in en, ru and zh_cn → the kind of value a column holds.
REAL, PERCENTAGE, LETTER = "Real", "Percentage", "Letter"
DISPLAY_TYPES = {
    "real": REAL,
    "значение": REAL,
    "реальный": REAL,
    "分数": REAL,
    "实际": REAL,
    "percentage": PERCENTAGE,
    "проценты": PERCENTAGE,
    "процент": PERCENTAGE,
    "百分比": PERCENTAGE,
    "letter": LETTER,
    "буква": LETTER,
    "分数段": LETTER,
}
# The course total (grades string coursetotal): a column of every export, never an item.
COURSE_TOTALS = ("course total", "итоговая оценка за курс", "课程总分")
# "<item> (<display type>)"; Chinese exports may use full-width brackets.
ITEM_HEADER = re.compile(r"^(?P<name>.+?)\s*[(（](?P<type>[^()（）]+)[)）]$")
DEFAULT_MAX = Decimal(100)
ASK_MAX_UP_TO = Decimal(20)  # see the maximum rule in the package's docstring
MAX_POINTS_LIMIT = Decimal(10000)  # Moodle's own limit for an item's maximum grade
NO_GRADE = ("", "-", "–", "—")
TWO_PLACES = Decimal("0.01")


def gradebook_items(table: Table) -> list[str]:
    """The gradebook items of a file, in its order (``ImportFileError`` as ``parse_gradebook`` raises it)."""
    _found, item_columns, _refused, _notes = _columns(table.headers)
    return [name for name, _kind in item_columns.values()]


def _columns(headers: list[str]):
    """``(identity field → column, column → (item, kind), Letter headers, second display types of an item)``."""
    found, _missing = match_columns(headers, IDENTITY_COLUMNS)
    if "email" not in found and "id_number" not in found:
        looked_for = IDENTITY_COLUMNS["email"] + IDENTITY_COLUMNS["id_number"]
        raise ImportFileError(
            _(
                "The file has neither an e-mail nor an ID number column; export the gradebook from the LMS with the "
                "user's e-mail or ID number. Columns looked for: %(looked)s. Columns found: %(found)s."
            )
            % {
                "looked": ", ".join(f"“{name}”" for name in looked_for),
                "found": ", ".join(f"“{header}”" for header in headers if header) or "—",
            },
            code="no_identity",
        )
    item_columns: dict[int, tuple[str, str]] = {}  # column index → (item name, kind)
    refused, notes = [], []
    for index, header in enumerate(headers):
        match = ITEM_HEADER.match(header)
        kind = DISPLAY_TYPES.get(match["type"].strip().lower()) if match else None
        if kind is None or match is None:
            continue  # an identity or profile column, "Last downloaded from this course", …
        name = match["name"].strip()
        if name.lower() in COURSE_TOTALS:
            continue
        if kind == LETTER:
            refused.append(header)
        elif name in {seen for seen, _kind in item_columns.values()}:
            notes.append(header)  # the same item in a second display type: the first column counts
        else:
            item_columns[index] = (name, kind)
    if not item_columns:
        raise ImportFileError(
            _("The file has no gradebook item columns with scores (named like “Assignment: Project (Real)”)."),
            code="no_items",
        )
    return found, item_columns, refused, notes


def refused_item_message(header: str) -> str:
    return _("“%(item)s” shows letter grades, not scores, and cannot be mapped; export it as Real or Percentage.") % {
        "item": header
    }


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None else ""


def _score(text: str, *, kind: str, maximum: Decimal | None) -> tuple[Decimal | None, str]:
    """``(grade, error)``: a decimal from 0 to the item's maximum (100 for a percentage) rounded to two places,
    ``None`` for no grade."""
    text = text.strip()
    if text in NO_GRADE:
        return None, ""
    number = text[:-1].strip() if kind == PERCENTAGE and text.endswith("%") else text
    if "," in number and "." not in number:
        number = number.replace(",", ".")  # a decimal comma, as some LMS locales export
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, _("“%(value)s” is not a score (a number, or “-” for no grade).") % {"value": text}
    top = maximum if maximum is not None else DEFAULT_MAX
    if not value.is_finite() or not Decimal(0) <= value <= top:
        return None, _("Score %(value)s is outside 0–%(max)s.") % {"value": text, "max": points_label(top)}
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), ""


def points_label(value: Decimal) -> str:
    """10, 7.5: a maximum as people write it."""
    return f"{value.normalize():f}"


def converted_score(raw: Decimal, maximum: Decimal | None) -> Decimal:
    """A grade on the module's percent scale: points out of ``maximum`` (a Real item), or the percentage itself."""
    if maximum is None or maximum == DEFAULT_MAX:
        return raw
    return (raw * DEFAULT_MAX / maximum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
