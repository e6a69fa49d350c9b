"""``python manage.py issue_credentials``: sign the verifiable credential of every issued diploma that has none
(issued before credentials existed) and set the revocation bit of every revoked diploma. Idempotent: run it once
after upgrading; a second run signs nothing. The PDFs are not changed (docs/credentials.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from diplomas import services


class Command(BaseCommand):
    help = "Sign the credentials of issued diplomas that have none; set the status bits of revoked ones."

    def handle(self, *args, **options):
        signed, revoked = services.diplomas_credentials_backfill()
        self.stdout.write(f"Signed {signed} credentials; {revoked} revoked diplomas in the status lists.")
