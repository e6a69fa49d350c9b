"""The data version (0011) changes with every committed write to students as well: the students list keeps its
counts under it (``students.list_queries.student_list_count``; docs/performance.md, "Staff students list at 100k
students"). The same triggers as 0011's, on ``students_student``."""

from django.db import migrations

TABLE = "mobility_figures_version"
FUNCTION = "mobility_figures_bump"


def _table(apps) -> str:
    return apps.get_model("students", "Student")._meta.db_table


def create(apps, schema_editor):
    execute, table = schema_editor.execute, _table(apps)
    if schema_editor.connection.vendor == "postgresql":
        execute(
            f"CREATE CONSTRAINT TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        execute(
            f"CREATE TRIGGER {FUNCTION}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    else:
        for event in ("INSERT", "UPDATE", "DELETE"):
            execute(
                f"CREATE TRIGGER {FUNCTION}_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN UPDATE {TABLE} SET version = version + 1 WHERE id = 1; END"
            )


def drop(apps, schema_editor):
    execute, table = schema_editor.execute, _table(apps)
    if schema_editor.connection.vendor == "postgresql":
        execute(f"DROP TRIGGER {FUNCTION} ON {table}")
        execute(f"DROP TRIGGER {FUNCTION}_truncate ON {table}")
    else:
        for event in ("insert", "update", "delete"):
            execute(f"DROP TRIGGER {FUNCTION}_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [("mobility", "0011_report_figures_version")]

    operations = [migrations.RunPython(create, drop)]
