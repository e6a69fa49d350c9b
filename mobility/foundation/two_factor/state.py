"""What the rule of every page needs to know about a user's two-factor sign-in, read in the same query as their
permissions: whether they have a confirmed authenticator, and the office's policy.

``two_factor_parts(user)`` are union parts of ``access._access_load`` (and the whole query for a superuser, whose
permissions need none); ``two_factor_parse`` reads their rows back."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Case, CharField, Count, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django_otp.plugins.otp_totp.models import TOTPDevice

from mobility.foundation.two_factor.models import TwoFactorPolicy

DEVICE, POLICY = "2fa-device:", "2fa-policy:"
_STAFF, _COORDINATORS = "S", "C"


class Policy(NamedTuple):
    office_staff: bool = False
    coordinators: bool = False


def two_factor_parts(user) -> tuple[QuerySet, QuerySet]:
    """A row ``(DEVICE, count)`` when the user has a confirmed authenticator and ``(POLICY, flags)`` when the
    policy is saved: two columns of text each, to join a union of ``(text, text)`` rows."""
    devices = (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        .order_by()
        .values("user")
        .annotate(kind=Value(DEVICE), n=Cast(Count("id"), CharField()))
        .values_list("kind", "n")
    )
    flag = {
        "require_office_staff": _STAFF,
        "require_coordinators": _COORDINATORS,
    }
    policy = (
        TwoFactorPolicy.objects.filter(pk=TwoFactorPolicy.SINGLETON)
        .order_by()
        .annotate(kind=Value(POLICY))
        .annotate(
            flags=Concat(
                *(Case(When(**{name: True}, then=Value(letter)), default=Value("")) for name, letter in flag.items()),
                output_field=CharField(),
            )
        )
        .values_list("kind", "flags")
    )
    return devices, policy


def two_factor_parse(first: str, second: str | None, into: dict) -> bool:
    """Read one row of ``two_factor_rows`` into ``into`` (keys ``has_device``, ``policy``); False when the row is
    not one of them."""
    if first == DEVICE:
        into["has_device"] = True
        return True
    if first == POLICY:
        flags = second or ""
        into["policy"] = Policy(office_staff=_STAFF in flags, coordinators=_COORDINATORS in flags)
        return True
    return False
