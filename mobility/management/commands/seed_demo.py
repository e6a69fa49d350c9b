"""``manage.py seed_demo``: load the demo data of ``mobility.demo`` and print the demo logins."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mobility import demo


class Command(BaseCommand):
    help = (
        "Create the demo data (partners, tracks, cohorts, about 60 students with their results) and the demo "
        "logins, then print them. Idempotent: running it again changes nothing. Development databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-non-debug",
            action="store_true",
            help="Run even though DEBUG is off (tests, a throw-away staging copy). Never on a production database: "
            "the demo passwords and the API key are public.",
        )

    def handle(self, *args, allow_non_debug=False, verbosity=1, **options):
        # Public passwords and a public API key must never reach a production database.
        if not settings.DEBUG and not allow_non_debug:
            raise CommandError(
                "seed_demo creates users with public demo passwords and a public partner API key, so it runs only "
                "with DEBUG on (DJANGO_DEBUG=1). To run it anyway on a database that is not production, pass "
                "--allow-non-debug."
            )
        started = time.monotonic()
        report = demo.seed_demo()
        elapsed = time.monotonic() - started
        if verbosity:
            self.stdout.write(demo.format_report(report, base_url=settings.MOBILITY_PUBLIC_URL))
            self.stdout.write(f"\nseed_demo finished in {elapsed:.1f} s.")
