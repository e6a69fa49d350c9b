"""Indexes for the staff students list at 100,000 students (docs/performance.md, "Staff students list").

- ``student_name_order_idx``: the list's default order (family, given name in Latin, id), so a page is read from
  the index instead of sorting every student (PostgreSQL at 100k: 81 ms → under 1 ms).
- ``student_search_trgm_idx`` (PostgreSQL only, with the ``pg_trgm`` extension): a trigram GIN index on the
  upper-cased search text of ``students.selectors.student_search_document``, which serves the list's
  ``icontains`` search (``UPPER(text) LIKE UPPER('%term%')``) for terms of three characters or more.

Both are written to the database only: they are not part of the model's state (``Student.Meta.indexes``), so
``makemigrations`` has nothing to say about them and SQLite gets the first one alone. The trigram index is built
from the same expression the selector filters on: change both together, or PostgreSQL stops using it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models import TextField, Value
from django.db.models.functions import Cast, Concat, Upper
from django.db.models.sql import Query

SEARCH_FIELDS = (  # a frozen copy of students.selectors.SEARCH_FIELDS
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "home_student_id",
    "email",
)
TRIGRAM_INDEX = "student_search_trgm_idx"


def _search_expression():
    parts = [Concat("family_name_han", "given_name_han")]
    for field in SEARCH_FIELDS:
        parts += [Value(" "), field]
    document = Concat(*parts, output_field=TextField())
    # The lookup ``icontains`` compares UPPER(<expression>::text): the index holds exactly that.
    return Upper(Cast(document, TextField()))


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Compiled by the ORM, as the selector's query is, so that both are the same expression to PostgreSQL.
    # (``GinIndex(OpClass(...))`` puts this expression and its operator class together in one pair of parentheses,
    # which PostgreSQL refuses.)
    student = apps.get_model("students", "Student")
    query = Query(student, alias_cols=False)
    sql, params = query.get_compiler(connection=schema_editor.connection).compile(
        _search_expression().resolve_expression(query)
    )
    sql = sql % tuple(schema_editor.quote_value(param) for param in params)
    table = schema_editor.quote_name(student._meta.db_table)
    schema_editor.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON {table} USING gin (({sql}) gin_trgm_ops)")


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0003_student_accounts_and_corrections"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX student_name_order_idx ON students_student (family_name_latin, given_name_latin, id)",
            reverse_sql="DROP INDEX student_name_order_idx",
        ),
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm on PostgreSQL; nothing elsewhere
        migrations.RunPython(add_search_index, remove_search_index),
    ]
