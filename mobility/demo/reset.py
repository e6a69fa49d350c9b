"""Starting the demo over (``seed_demo --reset``): every row of the office's data deleted, then the demo seeded anew,
dated by today (decision 0016: a seeded database keeps the dates of its first seed; a reset is a new first seed).

What is kept: the schema and what migrations made (content types, permissions, the staff groups). What goes: every
other table's rows (people, users and their sessions, the audit log, diplomas, the outbox). Stored files (diploma
PDFs) stay on disk; a diploma issued again under the same number replaces its file. Tasks waiting in the embedded
broker's queue (they name rows that are gone) are dropped too.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from mobility.demo.seed import DEMO_NOTES
from programs.models import Agreement, Institution
from students.models import Student

# Made by migrate, not by the office: kept so that the groups keep their permissions.
KEPT_TABLES = {"django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}


def database_is_the_demos() -> bool:
    """True when the database holds the demo (its agreements carry the demo's mark) or none of the office's data."""
    if Agreement.objects.filter(notes=DEMO_NOTES).exists():
        return True
    return not (Institution.objects.exists() or Student.objects.exists())


def database_vendor() -> str:
    return connection.vendor


def demo_data_delete() -> int:
    """Delete every row of every table but ``KEPT_TABLES``, in one transaction; returns the number of tables."""
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - KEPT_TABLES)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Checks deferred to the commit of an enclosing transaction (rows written earlier in it) are run now:
            # PostgreSQL refuses to TRUNCATE a table with pending ones.
            connection.check_constraints()
        connection.ops.execute_sql_flush(statements)
    return len(tables)


def embedded_broker_queue_empty() -> int:
    """Delete the messages waiting in the embedded broker's queue (``CELERY_BROKER_URL=filesystem://``): after a
    reset they would name rows that no longer exist, or rows of the new demo that reuse their ids. Returns how many;
    0 with another broker, which is left alone."""
    if not settings.EMBEDDED_BROKER:
        return 0
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    dropped = 0
    for message in queue.glob("*.msg"):
        message.unlink(missing_ok=True)
        dropped += 1
    return dropped
