"""``rows_insert``: many rows written below the ORM, for the services that write tens of thousands at once.

``QuerySet.bulk_create`` builds a model instance per row and prepares every value through the field's
``pre_save`` / ``get_db_prep_save`` and the SQL compiler: for a roster of 17,000 students, about half of what
writing its 120,000 rows costs (docs/performance.md, "Roster import"). Here a row is a tuple of the named fields'
Python values; a column of strings, integers or booleans goes to the driver as it is, any other (dates, date-times,
JSON) through its field's ``get_db_prep_save``, as the ORM converts it. Like ``bulk_create``, no ``save()`` is
called and no signal sent; unlike it, no id comes back (for rows nothing refers to, or that refer by their own
columns) and a field's default is not applied: every column is named and given.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Field types whose Python value is what the driver takes (a ``str`` for a text column, an ``int`` for an integer
# or a foreign key to an integer id, a ``bool``): no conversion.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def rows_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (each a tuple of the values of ``fields``, by attribute name: ``content_type_id``) into the
    model's table in ONE statement: SQLite runs it once per row from one prepared statement (``executemany``), other
    databases take the rows as one multi-row ``VALUES``. The caller chunks (500 rows a call keeps PostgreSQL well
    under its 65,535 parameters). Returns the number of rows. Call it inside the caller's transaction."""
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns = [by_attname[name] for name in fields]
    converters = [_converter(field) for field in columns]
    values = [
        tuple(value if convert is None else convert(value) for value, convert in zip(row, converters, strict=True))
        for row in rows
    ]
    if not values:
        return 0
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(field.column)) for field in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(head + one, values)
        else:
            cursor.execute(head + ", ".join([one] * len(values)), [value for row in values for value in row])
    return len(values)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    if field.get_internal_type() in _AS_IS or (field.is_relation and field.target_field.get_internal_type() in _AS_IS):  # type: ignore[attr-defined]  # a concrete relation has its target field
        return None
    if isinstance(field, models.JSONField):  # a dict a row: nothing to remember; None may mean JSON null

        def convert_json(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

        return convert_json
    # Dates and date-times repeat (a birth date, the moment of the import): each distinct value converted once.
    seen: dict = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = field.get_db_prep_save(value, connection)
            return converted
        except TypeError:  # not hashable
            return field.get_db_prep_save(value, connection)

    return convert


def objects_insert(model: type[models.Model], objs: Sequence[models.Model], *, with_ids: bool = False) -> int:
    """Unsaved instances of ``model`` (built by the code that builds them one at a time) written as ``rows_insert``
    writes rows: every concrete field but the automatic id; a foreign key's id taken from its object when that was
    saved after the instance was built, and ``auto_now`` / ``auto_now_add`` fields set, as ``bulk_create`` does (a
    date-time to one moment for the whole call, where ``bulk_create`` reads the clock once per row).

    ``with_ids``: each instance gets its id back (``INSERT … RETURNING``, as ``bulk_create`` does on PostgreSQL and
    SQLite ≥ 3.35) and is marked saved; SQLite then takes as many rows a statement as its parameter limit allows.
    Without, one statement as ``rows_insert``. The caller chunks (500 a call)."""
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not isinstance(field, models.AutoField)]
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    relations = [field for field in fields if isinstance(field, models.ForeignKey)]
    now = timezone.now()
    rows = []
    for obj in objs:
        for relation in relations:
            if getattr(obj, relation.attname) is None:  # the object it was given, if any (no query: no id to follow)
                related = getattr(obj, relation.name)
                if related is not None:
                    setattr(obj, relation.attname, related.pk)
        for field in stamped:
            if isinstance(field, models.DateTimeField):
                setattr(obj, field.attname, now)  # what pre_save sets, the same moment for the whole call
            else:
                field.pre_save(obj, add=True)
        rows.append(tuple(getattr(obj, field.attname) for field in fields))
    names = [field.attname for field in fields]
    if not with_ids:
        return rows_insert(model, names, rows)
    per_statement = len(rows)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per_statement = max(1, limit // max(1, len(fields)))
    pk = meta.pk
    for start in range(0, len(rows), per_statement):
        part = objs[start : start + per_statement]
        ids = _insert_returning(model, names, rows[start : start + per_statement], str(pk.column))
        for obj, (value,) in zip(part, ids, strict=True):
            setattr(obj, pk.attname, value)
            obj._state.adding = False
            obj._state.db = connection.alias
    return len(rows)


def _insert_returning(model: type[models.Model], names: Sequence[str], rows: list[tuple], pk_column: str) -> list:
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    columns = [by_attname[name] for name in names]
    converters = [_converter(field) for field in columns]
    values = [
        value if convert is None else convert(value)
        for row in rows
        for value, convert in zip(row, converters, strict=True)
    ]
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(field.column)) for field in columns)}) "
        f"VALUES {', '.join([one] * len(rows))} RETURNING {quote(pk_column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()
