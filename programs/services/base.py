"""The shared steps of every write about the program's structure: assign the fields given, validate the row with the
model's own rules (``full_clean``) as a ``DomainError`` on a field, save, and append one audit entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import models, transaction

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError

Data = Mapping[str, Any]


def _assign(obj: models.Model, data: Data, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """Set the given fields present in ``data`` on ``obj``; return the changed ones as ``{field: (old, new)}``."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        try:
            old = getattr(obj, field)
        except ObjectDoesNotExist:  # a relation not set yet on a new row
            old = None
        new = data[field]
        if old != new:
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def _validate(obj: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (fields, choices, uniqueness, constraints) as a ``DomainError`` on a field."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        errors = exc.message_dict
        field = next(iter(errors))
        raise DomainError(
            " ".join(errors[field]),
            code="invalid",
            field=None if field == NON_FIELD_ERRORS else field,
            details={"errors": errors},
        ) from exc


def _created(obj: models.Model, fields: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    return {field: (None, getattr(obj, field)) for field in fields if getattr(obj, field) not in (None, "")}


M = TypeVar("M", bound=models.Model)


def _validated_save(obj: models.Model) -> None:
    _validate(obj)
    obj.save()


def _create(
    obj: M, *, by: Actor, data: Data, fields: Iterable[str], action: str, save: Callable[[M], None] = _validated_save
) -> M:
    """Fill a new object from ``data``, save it (``save`` validates) and write one audit entry, atomically."""
    _assign(obj, data, fields)
    with transaction.atomic():
        save(obj)
        audit_record(actor=by, obj=obj, action=action, changes=_created(obj, fields))
    return obj


def _update(
    obj: M,
    *,
    by: Actor,
    data: Data,
    fields: Iterable[str],
    action: str,
    save: Callable[[M], None] = _validated_save,
    check: Callable[[M, dict], None] | None = None,
) -> M:
    """Change an object, atomically, with an audit entry of the changed fields; nothing is written when nothing
    changed. It compares with the row as stored (locked), not with the caller's instance, which a form may already
    have changed. ``check(obj, changes)`` may refuse the change before it is saved."""
    with transaction.atomic():
        obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        changes = _assign(obj, data, fields)
        if not changes:
            return obj
        if check is not None:
            check(obj, changes)
        save(obj)
        audit_record(actor=by, obj=obj, action=action, changes=changes)
    return obj
