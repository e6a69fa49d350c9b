"""What the rule of every page needs to know about a user's two-factor sign-in, read in the same query as their
permissions: their confirmed devices (the authenticator, the recovery codes) and the office's policy.

``two_factor_parts(user)`` are union parts of ``access._access_load`` (and the whole query for a superuser, whose
permissions need none); ``two_factor_parse`` reads their rows back."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mobility.foundation.two_factor.models import TwoFactorPolicy

AUTHENTICATOR, RECOVERY, POLICY = "2fa-totp:", "2fa-static:", "2fa-policy:"
_STAFF, _COORDINATORS = "S", "C"


class Policy(NamedTuple):
    office_staff: bool = False
    coordinators: bool = False


def _devices(model, kind: str, user) -> QuerySet:
    """``(kind, persistent id)`` of the user's confirmed devices of ``model`` (``Device.persistent_id``)."""
    return (
        model.objects.filter(user=user, confirmed=True)
        .order_by()
        .annotate(kind=Value(kind))
        .annotate(pid=Concat(Value(f"{model.model_label()}/"), Cast("id", CharField()), output_field=CharField()))
        .values_list("kind", "pid")
    )


def two_factor_parts(user) -> tuple[QuerySet, ...]:
    """Rows ``(AUTHENTICATOR | RECOVERY, persistent id)`` of the user's confirmed devices and ``(POLICY, flags)``
    when the policy is saved: two columns of text each, to join a union of ``(text, text)`` rows."""
    flag = {"require_office_staff": _STAFF, "require_coordinators": _COORDINATORS}
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
    return _devices(TOTPDevice, AUTHENTICATOR, user), _devices(StaticDevice, RECOVERY, user), policy


def two_factor_parse(first: str, second: str | None, into: dict) -> bool:
    """Read one row of ``two_factor_parts`` into ``into`` (``has_device``, ``device_ids``, ``policy``); False when
    the row is not one of theirs."""
    if first in (AUTHENTICATOR, RECOVERY):
        into["has_device"] = into.get("has_device", False) or first == AUTHENTICATOR
        into.setdefault("device_ids", set()).add(second)
        return True
    if first == POLICY:
        flags = second or ""
        into["policy"] = Policy(office_staff=_STAFF in flags, coordinators=_COORDINATORS in flags)
        return True
    return False
