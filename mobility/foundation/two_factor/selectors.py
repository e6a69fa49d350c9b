"""Reads of two-factor sign-in: a user's state for the rule of every page, the policy, and the people who have it."""

from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mobility.foundation.access import COORDINATOR, _access_load, is_office_staff, member_role
from mobility.foundation.two_factor.models import TwoFactorPolicy
from mobility.foundation.two_factor.state import Policy, two_factor_parse, two_factor_parts


class TwoFactorState(NamedTuple):
    has_device: bool  # a confirmed authenticator: the sign-in asks for its code
    required: bool  # the office's policy requires it of this person's role


def _facts(user) -> dict:
    """The user's confirmed devices and the policy (``state.two_factor_parse``). No query of its own on a page that
    reads the viewer's permissions anyway (``_access_load``); a superuser, whose permissions need no query, pays one.
    Remembered for the request."""
    if user.is_superuser:
        if not hasattr(user, "_two_factor_cache"):
            first, *rest = two_factor_parts(user)
            found: dict = {}
            for kind, value in first.union(*rest, all=True):
                two_factor_parse(kind, value, found)
            user._two_factor_cache = found
    else:
        _access_load(user)
    return user._two_factor_cache


def two_factor_device_ids(user) -> set[str]:
    """The persistent ids (django-otp) of the user's confirmed devices: a session verified by another is not."""
    return _facts(user).get("device_ids", set())


def two_factor_state(user) -> TwoFactorState:
    """A logged-in user's two-factor state, read with their permissions (``_facts``)."""
    found = _facts(user)
    policy = found.get("policy", Policy())
    required = (policy.office_staff and is_office_staff(user)) or (
        policy.coordinators and member_role(user) == COORDINATOR
    )
    return TwoFactorState(has_device=found.get("has_device", False), required=bool(required))


def policy_get() -> TwoFactorPolicy:
    """The policy as saved, or an unsaved one with both requirements off."""
    return TwoFactorPolicy.objects.filter(pk=TwoFactorPolicy.SINGLETON).first() or TwoFactorPolicy(
        pk=TwoFactorPolicy.SINGLETON
    )


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device else 0


def two_factor_people() -> QuerySet:
    """The people who sign in with an authenticator, with the membership's name: for the policy page, in one query."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True).order_by("pk")
    return (
        get_user_model()
        .objects.filter(Exists(confirmed))
        .annotate(
            two_factor_since=Subquery(confirmed.values("created_at")[:1]),
            two_factor_used=Subquery(confirmed.values("last_used_at")[:1]),
        )
        .select_related("membership")
        .order_by("username")
    )


def people_all() -> QuerySet:
    return get_user_model().objects.select_related("membership")
