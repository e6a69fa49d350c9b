"""``python manage.py sweep_diplomas [--older-than SECONDS]``: re-send diplomas stuck in requested/rendering.

The same as the Celery beat task ``diplomas.tasks.sweep_stuck`` (every 5 minutes), for a cron job where no beat
process runs. Re-sending is harmless: issuing is idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from diplomas import services


class Command(BaseCommand):
    help = "Re-send the render task of diplomas stuck in requested/rendering."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=None, help="seconds (default: the setting)")

    def handle(self, *args, older_than, **options):
        ids = services.diplomas_sweep_stuck(older_than=None if older_than is None else timedelta(seconds=older_than))
        self.stdout.write(f"Re-sent {len(ids)} diplomas." + (f" ids: {ids}" if ids else ""))
