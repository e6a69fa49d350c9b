"""``manage.py grow_demo N [--reset] [--batch-size 2000]``: the demo data grown to N generated students.

See ``mobility.demo.grow``: bulk writes in batches, not the services; development and benchmark databases only.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mobility.demo.grow import grow_demo, grow_demo_reset


class Command(BaseCommand):
    help = (
        "Add generated students (with enrollments, results and issued diplomas) until there are N of them, on top "
        "of seed_demo's data. Bulk writes without audit entries: for benchmarks, never on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument("students", type=int, metavar="N")
        parser.add_argument("--reset", action="store_true", help="Delete every generated row first.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--allow-non-debug", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, students, reset, batch_size, allow_non_debug, verbosity=1, **options):
        if not settings.DEBUG and not allow_non_debug:
            raise CommandError("grow_demo writes benchmark data; it runs only with DEBUG on (or --allow-non-debug).")
        if students < 0 or batch_size < 1:
            raise CommandError("N must be 0 or more and --batch-size at least 1.")
        if reset:
            deleted = grow_demo_reset()
            if verbosity:
                self.stdout.write("Deleted: " + ", ".join(f"{name} {count}" for name, count in deleted.items()))
        try:
            report = grow_demo(
                students=students, batch_size=batch_size, progress=self.stdout.write if verbosity > 1 else None
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity:
            self.stdout.write(report.format())
