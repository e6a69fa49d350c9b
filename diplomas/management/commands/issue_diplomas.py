"""``python manage.py issue_diplomas --cohort CODE [--wait]``: request every eligible diploma of a cohort.

With ``--wait`` the command follows the batch until nothing waits and prints each diploma's number and the storage
path of its PDF (the exit status is 1 when some failed). Without a broker the tasks run in this process, on commit;
with a broker that does not answer the request is kept all the same (the outbox sends it when the broker is back).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from diplomas import selectors, services
from diplomas.models import Diploma
from mobility.foundation.exceptions import DomainError
from mobility.foundation.outbox import outbox_backlog
from programs.models import Cohort


class Command(BaseCommand):
    help = "Request the diplomas of every eligible enrollment of a cohort; --wait follows the batch to the end."

    def add_arguments(self, parser):
        parser.add_argument("--cohort", required=True, help="cohort code")
        parser.add_argument("--wait", action="store_true", help="wait for the batch and print where each PDF is")
        parser.add_argument("--timeout", type=float, default=30 * 60, help="seconds --wait waits at most")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between two looks at the batch")

    def handle(self, *args, cohort: str, wait: bool, timeout: float, interval: float, **options):
        try:
            cohort_obj = Cohort.objects.get(code=cohort)
        except Cohort.DoesNotExist:
            raise CommandError(f"No cohort has the code {cohort!r}.") from None
        try:
            batch = services.diplomas_request_for_cohort(cohort=cohort_obj, requested_by=None)
        except DomainError as error:
            raise CommandError(error.message) from None
        progress = selectors.batch_progress(batch=batch)
        self.stdout.write(
            f"Batch {batch.pk}: {progress.total} diplomas requested for {cohort_obj.code}, queued for rendering."
        )
        backlog = outbox_backlog()
        if backlog["unsent"]:
            # Kept in the outbox (decision 0017): the relay sends them once the broker answers again.
            self.stderr.write(
                f"The task broker did not answer: {backlog['unsent']} tasks wait in the outbox and are sent when it "
                "is back (check /healthz)."
            )
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while not progress.done:
            if time.monotonic() > deadline:
                raise CommandError(f"Gave up waiting: {progress.waiting} of {progress.total} still waiting.")
            time.sleep(interval)
            progress = selectors.batch_progress(batch=batch)
            self.stdout.write(
                f"  issued {progress.issued}, failed {progress.failed}, waiting {progress.waiting}", ending="\r"
            )
        self.stdout.write("")
        for diploma in selectors.batch_diplomas(batch=batch):
            student = diploma.enrollment.student.full_name_latin
            if diploma.status == Diploma.Status.ISSUED:
                self.stdout.write(f"{diploma.number}\t{diploma.pdf.name}\t{student}")
            else:
                self.stdout.write(f"{diploma.get_status_display().upper()}\t{diploma.failure_reason}\t{student}")
        self.stdout.write(f"Issued {progress.issued}, failed {progress.failed}.")
        if progress.failed:
            raise SystemExit(1)
