"""``python manage.py sweep_webhooks [--overdue-by SECONDS] [--limit N]``: re-send overdue pending deliveries.

The same as the Celery beat task ``mobility.tasks.webhooks_sweep`` (every minute), for a cron job where no beat
process runs, and the way retries happen without a broker (the demo: each run makes one attempt per delivery due).
Re-sending is harmless: a delivery is never sent twice at once nor after success, and attempts stay bounded.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from mobility.foundation.webhooks import services


class Command(BaseCommand):
    help = "Re-send webhook deliveries still pending past their next attempt; fail those out of attempts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overdue-by", type=float, default=None, help="seconds (default: WEBHOOK_STUCK_AFTER_SECONDS)"
        )
        parser.add_argument("--limit", type=int, default=services.SWEEP_BATCH, help="deliveries at most")

    def handle(self, *args, overdue_by, limit, **options):
        sweep = services.webhooks_sweep_pending(
            overdue_by=None if overdue_by is None else timedelta(seconds=overdue_by), limit=limit
        )
        self.stdout.write(
            f"Re-sent {len(sweep.resent)} deliveries, gave up on {len(sweep.failed)}."
            + (f" re-sent: {sweep.resent}" if sweep.resent else "")
            + (f" failed: {sweep.failed}" if sweep.failed else "")
        )
