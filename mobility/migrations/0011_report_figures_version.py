"""The data version: a counter that every committed write to the tables the office head's report reads changes, kept
by the database itself (docs/performance.md, "Reports at 100k students").

``mobility.foundation.kept`` keeps a computed report in the shared cache under this version, so the version must
change with every write, whatever writes it: the services, ``QuerySet.update``, ``bulk_create``, deletes (cascades
included), raw SQL, the admin, a restore. Only the database sees all of them, hence triggers, not signals.

- PostgreSQL: a row-level constraint trigger ``DEFERRABLE INITIALLY DEFERRED`` on insert, update and delete of each
  table, and a statement-level trigger on ``TRUNCATE``. The deferred trigger runs at commit: the counter row is
  locked only for the end of the commit, after the transaction's other locks (an immediate update would hold it to
  the end of the transaction and order it against every other row lock: deadlocks between writers). A
  transaction-local setting makes it update the row once per transaction, however many rows were written. The new
  value comes from a sequence, so a value is never used twice, even after the row is deleted (``TRUNCATE`` by a
  test's flush does not reach this table: it is not a model's) or a transaction is rolled back.
- SQLite: row-level triggers that add one (one writer at a time: no lock order to care about; a rolled-back value
  was never seen by a reader outside that transaction).

The row also holds a random ``token``, so two databases that share one cache server never share a key.
Not part of any model's state: ``makemigrations`` has nothing to say about it.
"""

from django.db import migrations

TABLE = "mobility_figures_version"
SEQUENCE = "mobility_figures_version_seq"
FUNCTION = "mobility_figures_bump"
# (app label, model) of every table the report's figures, names and quotas are read from.
WATCHED = (
    ("students", "Enrollment"),
    ("students", "Continuation"),
    ("diplomas", "Diploma"),
    ("programs", "Cohort"),
    ("programs", "Agreement"),
    ("programs", "AgreementQuota"),
    ("programs", "Institution"),
    ("programs", "Track"),
)


def _tables(apps) -> list[str]:
    return [apps.get_model(app, model)._meta.db_table for app, model in WATCHED]


def create(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(f"CREATE SEQUENCE {SEQUENCE}")
        execute(f"CREATE TABLE {TABLE} (id smallint PRIMARY KEY, version bigint NOT NULL, token text NOT NULL)")
        execute(
            f"INSERT INTO {TABLE} VALUES (1, nextval('{SEQUENCE}'), md5(random()::text || clock_timestamp()::text))"
        )
        execute(
            f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('mobility.figures_bumped', true) IS DISTINCT FROM 'on' THEN
                    PERFORM set_config('mobility.figures_bumped', 'on', true);
                    UPDATE {TABLE} SET version = nextval('{SEQUENCE}') WHERE id = 1;
                END IF;
                RETURN NULL;
            END $$"""
        )
        for table in _tables(apps):
            execute(
                f"CREATE CONSTRAINT TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )
            execute(
                f"CREATE TRIGGER {FUNCTION}_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    else:
        execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, version integer NOT NULL, token text NOT NULL)")
        execute(f"INSERT INTO {TABLE} VALUES (1, 1, lower(hex(randomblob(16))))")
        for table in _tables(apps):
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(
                    f"CREATE TRIGGER {FUNCTION}_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN UPDATE {TABLE} SET version = version + 1 WHERE id = 1; END"
                )


def drop(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in _tables(apps):
            execute(f"DROP TRIGGER {FUNCTION} ON {table}")
            execute(f"DROP TRIGGER {FUNCTION}_truncate ON {table}")
        execute(f"DROP FUNCTION {FUNCTION}()")
        execute(f"DROP TABLE {TABLE}")
        execute(f"DROP SEQUENCE {SEQUENCE}")
    else:
        for table in _tables(apps):
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER {FUNCTION}_{table}_{event}")
        execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("mobility", "0010_consent_portal_withdrawn_event"),
        ("programs", "0002_people"),
        ("students", "0013_consent_texts_v1"),
        ("diplomas", "0008_transcript_design"),
    ]

    operations = [migrations.RunPython(create, drop)]
