"""Scores as people write them: 80 and 80.5, never "80.00" (the database keeps two decimals)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format


def score_plain(value: Decimal | None) -> Decimal | None:
    """The same number without trailing zeros and without an exponent (``normalize`` alone makes 80 "8E+1"), for a
    form's initial value."""
    if value is None:
        return None
    return Decimal(format(Decimal(value).normalize(), "f"))


def score_text(value: Any) -> str:
    """A score with the language's decimal mark: "80", "80.5" ("80,5" in Russian); "" for none."""
    if value is None or value == "":
        return ""
    try:
        number = score_plain(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    assert number is not None
    places = len(format(number, "f").partition(".")[2])
    return number_format(number, decimal_pos=places)
