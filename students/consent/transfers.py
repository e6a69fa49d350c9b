"""What categories of personal data a piece of data carries, and whose: the one rule the register of transfers
(``mobility.foundation.transfers``) applies to every channel — an API write's fields, an API read's rows, a roster's
rows, a webhook's payload, a partner portal's form (docs/privacy.md#the-register-of-transfers).

The rule reads keys, not types, so it serves a serializer's ``validated_data``, a rendered response row and a JSON
payload alike: a key names a category (``FIELD_CATEGORIES``) when its value is not empty; nested dicts and lists are
read the same way. Ids alone (``id``, ``enrollment_id``, ``student``: 42) name no category: a number the partner
itself was given says nothing about the person; a relation to a study record (``cohort``: 7) does. A payload marked
``personal_data_withheld`` (the student withdrew the consent to the transfer back) carries none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import Category

WITHHELD = "personal_data_withheld"

_NAMES = (
    "family_name_han",
    "given_name_han",
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    # Kept with the names: what identifies the person beside them (no category of their own in the texts).
    "sex",
    "citizenship",
)
_IDENTITY = ("passport_number", "passport_issued_on", "passport_expires_on")
_CONTACT = ("email", "phone")
_EDUCATION = (
    # the student's record at the home college
    "home_student_id",
    "home_specialty",
    # enrollments (applications) and results
    "enrollment",
    "enrollments",
    "cohort",
    "track",
    "applied_on",
    "admitted_on",
    "enrolled_on",
    "completed_on",
    "closed_on",
    "results",
    "module",
    "module_code",
    "score",
    "grade",
    "passed",
    "progress",
)
_DIPLOMA = ("diploma", "diplomas", "number", "verification_url", "pdf_url")

FIELD_CATEGORIES: dict[str, str] = {
    **dict.fromkeys(_NAMES, Category.NAMES.value),
    **dict.fromkeys(_IDENTITY, Category.IDENTITY_DOCUMENT.value),
    "birth_date": Category.BIRTH_DATE.value,
    **dict.fromkeys(_CONTACT, Category.CONTACT.value),
    **dict.fromkeys(_EDUCATION, Category.EDUCATION.value),
    **dict.fromkeys(_DIPLOMA, Category.DIPLOMA.value),
}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def data_categories(data: Any) -> set[str]:
    """The categories (``Category`` values) of personal data in ``data``: a mapping, a list of them, or nested
    both; a key counts when its value is not empty."""
    found: set[str] = set()
    if isinstance(data, Mapping):
        for key, value in data.items():
            if _empty(value):
                continue
            category = FIELD_CATEGORIES.get(str(key))
            if category:
                found.add(category)
            if isinstance(value, Mapping | list | tuple):
                found |= data_categories(value)
    elif isinstance(data, list | tuple):
        for item in data:
            found |= data_categories(item)
    return found


def rows_categories(rows: Iterable[Mapping]) -> set[str]:
    """``data_categories`` over many rows (a page of an API list, a roster)."""
    found: set[str] = set()
    for row in rows:
        found |= data_categories(row)
    return found


def withheld(data: Any) -> bool:
    """Whether ``data`` says, anywhere, that the personal data were withheld from it."""
    if isinstance(data, Mapping):
        return data.get(WITHHELD) is True or any(withheld(value) for value in data.values())
    if isinstance(data, list | tuple):
        return any(withheld(item) for item in data)
    return False


def payload_students(data: Any) -> set[int]:
    """The ids of the students an event's data is about: ``student`` (a dict with its ``id``, or the id itself)
    and ``student_id``, at any depth (``data.student``, ``data.enrollment.student``)."""
    found: set[int] = set()
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key == "student" and isinstance(value, Mapping) and isinstance(value.get("id"), int):
                found.add(value["id"])
            elif key in ("student", "student_id") and isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
            if isinstance(value, Mapping | list | tuple):
                found |= payload_students(value)
    elif isinstance(data, list | tuple):
        for item in data:
            found |= payload_students(item)
    return found


def payload_transfer(payload: Mapping) -> tuple[list[int], list[str]] | None:
    """What a webhook's payload transfers: (student ids, categories), or ``None`` when it carries no personal data
    (withheld, no student, or ids only). Registered with the foundation's register (``StudentsConfig.ready``)."""
    data = payload.get("data") or {}
    if withheld(data):
        return None
    students = payload_students(data)
    categories = data_categories(data)
    if not students or not categories:
        return None
    return sorted(students), sorted(categories)
