"""``manage.py seed_demo``: load the demo data of ``mobility.demo`` and print the demo logins; ``--reset`` starts the
demo over."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mobility import demo
from mobility.demo import reset as demo_reset


class Command(BaseCommand):
    help = (
        "Create the demo data (partners, tracks, cohorts, about 60 students with their results) and the demo "
        "logins, then print them. Idempotent: running it again changes nothing. Development databases only. "
        "--reset deletes the database's data first and seeds the demo dated today."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-non-debug",
            action="store_true",
            help="Run even though DEBUG is off (tests, a throw-away staging copy). Never on a production database: "
            "the demo passwords and the API key are public.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Start the demo over: delete every row of the database (all of the office's data, users included; "
            "the schema, permissions and staff groups stay), then seed the demo dated today. Needs DEBUG on; on a "
            "database other than SQLite, or one that does not hold the demo, also --yes-really.",
        )
        parser.add_argument(
            "--yes-really",
            action="store_true",
            help="With --reset: delete the data even on a database other than SQLite or one that does not hold the "
            "demo.",
        )

    def handle(self, *args, allow_non_debug=False, reset=False, yes_really=False, verbosity=1, **options):
        # Public passwords and a public API key must never reach a production database.
        if not settings.DEBUG and not allow_non_debug:
            raise CommandError(
                "seed_demo creates users with public demo passwords and a public partner API key, so it runs only "
                "with DEBUG on (DJANGO_DEBUG=1). To run it anyway on a database that is not production, pass "
                "--allow-non-debug."
            )
        started = time.monotonic()
        if reset:
            self._check_reset_allowed(yes_really=yes_really)
            tables = demo_reset.demo_data_delete()
            dropped = demo_reset.embedded_broker_queue_empty()
            if verbosity:
                self.stdout.write(f"Deleted every row of {tables} tables: the demo starts over, dated today.\n")
                if dropped:
                    self.stdout.write(f"Dropped {dropped} tasks waiting in the embedded broker's queue.\n")
        report = demo.seed_demo()
        elapsed = time.monotonic() - started
        if verbosity:
            self.stdout.write(demo.format_report(report, base_url=settings.MOBILITY_PUBLIC_URL))
            self.stdout.write(f"\nseed_demo finished in {elapsed:.1f} s.")

    def _check_reset_allowed(self, *, yes_really: bool) -> None:
        """--reset deletes everything: only with DEBUG on (never overridden), and on a database other than SQLite or
        one with data that is not the demo's only when told twice."""
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo --reset deletes every row of the database, so it runs only with DEBUG on (DJANGO_DEBUG=1)."
            )
        if yes_really:
            return
        vendor = demo_reset.database_vendor()
        if vendor != "sqlite":
            raise CommandError(
                f"seed_demo --reset would delete every row of this {vendor} database. The demo runs on SQLite; if this "
                "database really is a throw-away copy, add --yes-really."
            )
        if not demo_reset.database_is_the_demos():
            raise CommandError(
                "seed_demo --reset would delete every row of this database, which holds data that is not the demo's "
                "(no agreement carries the demo's mark). If it really is a throw-away copy, add --yes-really."
            )
