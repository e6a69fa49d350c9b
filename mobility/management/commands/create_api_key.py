"""``create_api_key INSTITUTION_CODE --scopes read,write [--name NAME] [--expires YYYY-MM-DD] [--by USERNAME]``.

Creates a partner API key through ``mobility.services.api_key_create`` (validated and audited like the staff page)
and prints the plain key once, on stdout alone, so a script can capture it; everything else goes to stderr.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mobility import services
from mobility.foundation.exceptions import DomainError
from programs.models import Institution


class Command(BaseCommand):
    help = "Create an API key for an institution's system and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("institution", metavar="INSTITUTION_CODE")
        parser.add_argument(
            "--scopes", required=True, help=f"Comma-separated, from: {', '.join(services.SCOPES)}. E.g. read,write."
        )
        parser.add_argument("--name", default="", help="What the key is for (default: '<CODE> API key <date>').")
        parser.add_argument("--expires", metavar="YYYY-MM-DD", help="Last day the key works (default: no expiry).")
        parser.add_argument("--by", metavar="USERNAME", help="The staff user recorded as its creator.")

    def handle(self, *args, institution, scopes, name, expires, by, **options):
        found = Institution.objects.filter(code__iexact=institution.strip()).first()
        if found is None:
            raise CommandError(f"There is no institution with the code {institution!r}.")
        expires_at = None
        if expires:
            try:
                expires_at = services.api_key_expiry(datetime.date.fromisoformat(expires))
            except ValueError as exc:
                raise CommandError(f"--expires {expires!r} is not a date in the form YYYY-MM-DD.") from exc
        user = None
        if by:
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"There is no user {by!r}.")
        try:
            api_key, raw_key = services.api_key_create(
                institution=found,
                name=name or f"{found.code} API key {timezone.localdate():%Y-%m-%d}",
                scopes=scopes.split(","),
                expires_at=expires_at,
                by=user,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        expiry = f"expires {api_key.expiry_date:%Y-%m-%d %H:%M %Z}" if api_key.expiry_date else "no expiry"
        self.stderr.write(
            f"Created API key {api_key.prefix} ({api_key.name}) for {found.code}, "
            f"scopes {','.join(api_key.scopes)}, {expiry}.\n"
            "The key is printed below, once; it cannot be shown again. Send it as 'Authorization: Api-Key <key>'."
        )
        self.stdout.write(raw_key)
