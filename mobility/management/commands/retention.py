"""``python manage.py retention [--dry-run]``: carry out the retention schedule of personal data now
(mobility/personal_data/retention.py), as Celery beat does every night; ``--dry-run`` only says what is due.

Prints, per category, its rule and how many students are due (or were erased), then each student's id with the date
the category became due. Safe to run twice: the second run finds nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from mobility.personal_data.retention import CATEGORIES, retention_run


class Command(BaseCommand):
    help = "Erase the personal data the retention schedule says are due (--dry-run: only list them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what is due; erase nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = retention_run(dry_run=dry_run)
        plan = report.plan
        mode = "dry run, nothing erased" if dry_run else "erased"
        self.stdout.write(f"Retention schedule on {plan.today.isoformat()} ({mode}):")
        for category in CATEGORIES:
            months = plan.months.get(category.key)
            due = plan.due.get(category.key, [])
            if not months:
                self.stdout.write(f"{category.key}: off")
                continue
            count = len(due) if dry_run else report.erased.get(category.key, 0)
            verb = "due" if dry_run else "erased"
            self.stdout.write(f"{category.key} ({months} months after the studies end): {count} {verb}")
            for item in due:
                self.stdout.write(f"  student {item.student_id}: due since {item.due_on.isoformat()}")
        if not dry_run:
            self.stdout.write(f"{report.students} students erased, one audit entry each.")
