"""``python manage.py purge_idempotency_records``: delete idempotency records no request can replay any more.

The same as the Celery beat task ``mobility.tasks.idempotency_purge`` (hourly), for a cron job where no beat process
runs. The windows are those of ``mobility.foundation.api`` (``IDEMPOTENCY_TTL``, ``IDEMPOTENCY_IN_FLIGHT_TIMEOUT``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from mobility.foundation.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete idempotency records older than the replay window, and abandoned in-flight claims."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {idempotency_records_purge()} idempotency records.")
