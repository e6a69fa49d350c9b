"""The model's own rules on a roster row's unsaved ``Student``, at the cost of a few comparisons a field.

``field_errors`` is ``Model.clean_fields`` (lengths, choices, required fields, the names' scripts, e-mail syntax: the
fields' validators) with the same errors in the same order: a value the checks below find certainly valid is let
through, any other goes through the field's own ``clean`` (which then says what is wrong, in its words). Django's
``clean_fields`` costs 60 µs a row of 17 fields in its machinery alone, a third of parsing a 17,000-row roster.

``condition_holds`` evaluates a check constraint's ``Q`` in Python (Django's ``CheckConstraint.validate`` runs one
query per constraint and row); each condition is read once into a function of the instance.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from functools import cache
from typing import cast

from django.core import validators as django_validators
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q

_TEXT_TYPES = {"CharField", "EmailField", "SlugField", "TextField"}


def field_errors(instance: models.Model, *, exclude: Collection[str]) -> ValidationError | None:
    """``instance.clean_fields(exclude=exclude)``'s ``ValidationError`` (``None`` when every field is valid); like
    it, sets each checked field to its cleaned value."""
    errors = {}
    for field, certain in _plan(type(instance)):
        if field.name in exclude:
            continue
        raw = getattr(instance, field.attname)
        if field.blank and raw in field.empty_values:
            continue
        if certain is not None and certain(raw):
            continue  # the cleaned value is the value itself: a str for a text field, a date for a date field
        try:
            setattr(instance, field.attname, field.clean(raw, instance))
        except ValidationError as exc:
            errors[field.name] = exc.error_list
    return ValidationError(errors) if errors else None


@cache
def _plan(model: type[models.Model]) -> tuple:
    """(field, a test that a raw value is certainly valid, or None to always ask the field) for the fields
    ``clean_fields`` checks, in its order."""
    return tuple((field, _certainty(field)) for field in model._meta.fields if not field.generated)


def _certainty(field: models.Field) -> Callable[[object], bool] | None:
    kind = field.get_internal_type()
    if kind in _TEXT_TYPES:  # to_python returns any str as it is (a choices enum's member too)

        def typed(value: object) -> bool:
            return isinstance(value, str)

    elif kind == "DateField":  # a date as it is; a datetime (a date's subclass) would be cut to its date

        def typed(value: object) -> bool:
            return type(value) is datetime.date

    else:
        return None
    choices: set[object] | None = None
    if field.choices is not None and field.editable:
        choices = set()
        for key, value in field.choices:
            if isinstance(value, list | tuple):  # an option group
                choices.update(group_key for group_key, _label in value)
            else:
                choices.add(key)
    required = bool(field.editable) and not field.blank
    # The cheap validators read here; any other (names' scripts, e-mail syntax) is called, and its refusal sends the
    # value to the field's own clean for the exact message.
    max_length: int | None = None
    null_characters = False
    others = []
    for validator in field.validators:
        if type(validator) is django_validators.MaxLengthValidator and isinstance(validator.limit_value, int):
            max_length = validator.limit_value if max_length is None else min(max_length, validator.limit_value)
        elif type(validator) is django_validators.ProhibitNullCharactersValidator:
            null_characters = True
        else:
            others.append(validator)

    def certain(value: object) -> bool:
        if not typed(value):
            return False
        if required and not value:
            return False
        if choices is not None and value not in choices:
            return False
        if max_length is not None and len(value) > max_length:  # type: ignore[arg-type]  # a str here
            return False
        if null_characters and "\x00" in value:  # type: ignore[operator]  # a str here
            return False
        for validator in others:
            try:
                validator(value)
            except ValidationError:
                return False
        return True

    return certain


# --- check constraints ---------------------------------------------------------------------------------------------

_COMPARE = {
    "exact": lambda left, right: left == right,
    "gt": lambda left, right: left is not None and right is not None and left > right,
    "gte": lambda left, right: left is not None and right is not None and left >= right,
    "lt": lambda left, right: left is not None and right is not None and left < right,
    "lte": lambda left, right: left is not None and right is not None and left <= right,
    "isnull": lambda left, right: (left is None) == right,
    "in": lambda left, right: left in right,
}


def condition_holds(condition: object, instance: models.Model) -> bool | None:
    """A model check constraint's ``Q`` evaluated in Python on an unsaved instance, or ``None`` when it is an
    expression or uses something other than plain field lookups (then ask the database, as Django does)."""
    if not isinstance(condition, Q):
        return None
    test = _compiled(type(instance), condition)
    return None if test is None else test(instance)


_COMPILED: dict[tuple[type, int], tuple[Q, Callable | None]] = {}


def _compiled(model: type[models.Model], condition: Q) -> Callable | None:
    key = (model, id(condition))
    found = _COMPILED.get(key)
    if found is None or found[0] is not condition:  # the Q object is kept, so its id is not reused
        found = _COMPILED[key] = (condition, _compile(model, condition))
    return found[1]


def _compile(model: type[models.Model], condition: Q) -> Callable | None:
    tests = []
    for child in condition.children:
        if isinstance(child, Q):
            test = _compile(model, child)
        else:
            lookup, value = cast(tuple[str, object], child)  # a (lookup, value) pair
            test = _lookup(model, lookup, value)
        if test is None:
            return None
        tests.append(test)
    combine = all if condition.connector == Q.AND else any
    negated = condition.negated

    def holds(instance: models.Model) -> bool:
        result = combine(test(instance) for test in tests)
        return not result if negated else result

    return holds


def _lookup(model: type[models.Model], lookup: str, value: object) -> Callable | None:
    name, _sep, operator = lookup.partition("__")
    operator = operator or "exact"
    if operator not in _COMPARE or "__" in operator:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    attname = cast(models.Field, model_field).attname
    compare = _COMPARE[operator]
    if isinstance(value, F):
        other = cast(models.Field, model._meta.get_field(value.name)).attname  # type: ignore[attr-defined]  # F.name: the field it names
        return lambda instance: compare(getattr(instance, attname), getattr(instance, other))
    if hasattr(value, "resolve_expression"):
        return None
    if operator == "isnull":
        right = value
    elif operator == "in":
        right = [cast(models.Field, model_field).to_python(item) for item in value]  # type: ignore[attr-defined]  # an iterable with "in"
    else:
        right = cast(models.Field, model_field).to_python(value)
    return lambda instance: compare(getattr(instance, attname), right)
