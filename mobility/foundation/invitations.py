"""One-time invitation links, for anyone whose account the office opens: students (``students.accounts``) and the
partnership's people (``mobility.foundation.people``).

A link is signed with an ``InvitationTokenGenerator``: Django's password-reset tokens with their own salt and
lifetime. It expires after ``days`` days, stops working once a password is set (the password hash is part of the
token), and stops working when a newer invitation is sent: the hash also holds the ``invited_at`` stamp of the
person's record, which each kind of person reads through its own ``invited_at`` hook.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of invitation links, never interchangeable with password-reset tokens (own ``key_salt``). Subclasses
    say how long a link lives (``days``) and where the person's latest invitation is stamped (``invited_at``)."""

    key_salt = "mobility.foundation.invitations.InvitationTokenGenerator"

    @property
    def days(self) -> int:
        raise NotImplementedError

    def invited_at(self, user) -> datetime.datetime | None:
        """When the person whose account ``user`` is was last invited, read from the database (not from a possibly
        stale object): a re-sent invitation voids the earlier links."""
        raise NotImplementedError

    @property
    def timeout(self) -> int:
        return self.days * 24 * 60 * 60

    def check_token(self, user, token) -> bool:
        # Django's check with this generator's own lifetime instead of PASSWORD_RESET_TIMEOUT.
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - timestamp <= self.timeout

    def _make_hash_value(self, user, timestamp) -> str:
        invited_at = self.invited_at(user)
        stamp = "" if invited_at is None else invited_at.replace(microsecond=0, tzinfo=None).isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{stamp}"
