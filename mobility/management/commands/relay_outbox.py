"""``python manage.py relay_outbox``: hand the broker the tasks waiting in the outbox (decision 0017).

The same as the Celery beat task ``mobility.tasks.outbox_relay`` (every ``OUTBOX_RELAY_SECONDS``), for a cron job where
no beat process runs, or by hand after an outage. Exits with status 1 when the broker still does not answer (the
tasks stay in the outbox).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mobility.foundation.outbox import outbox_relay


class Command(BaseCommand):
    help = "Send the tasks waiting in the outbox to the broker."

    def handle(self, *args, **options):
        relayed = outbox_relay()
        self.stdout.write(f"Sent {len(relayed.sent)} tasks to the broker.")
        if relayed.error:
            raise CommandError(f"The broker did not answer ({relayed.error}); {len(relayed.left)} tasks wait.")
