"""Writes of two-factor sign-in, on django-otp's devices: the authenticator (``TOTPDevice``) and the recovery codes
(one ``StaticDevice`` whose tokens are used up one by one). Every change is audited as the person who made it.

Codes are checked only by django-otp (``django_otp.verify_token``), which locks the device row while it checks, so a
code is accepted once, and which throttles a device after a wrong code (1, 2, 4, 8 … seconds)."""

from __future__ import annotations

import math
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mobility.foundation.audit import audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.two_factor.models import TwoFactorPolicy
from mobility.foundation.two_factor.selectors import recovery_device, totp_device

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def token_normalize(token: str) -> str:
    """A code as typed (``123 456``, ``ABCD-EFGH``) as the devices store it: no spaces or dashes, lower case."""
    return re.sub(r"[\s\-]", "", token or "").lower()


def two_factor_policy_update(*, require_office_staff: bool, require_coordinators: bool, by) -> TwoFactorPolicy:
    """Save the office's policy (one row). Atomic; audited only when something changed."""
    with transaction.atomic():
        policy, _created = TwoFactorPolicy.objects.select_for_update().get_or_create(pk=TwoFactorPolicy.SINGLETON)
        wanted = {"require_office_staff": require_office_staff, "require_coordinators": require_coordinators}
        changes = {name: (getattr(policy, name), new) for name, new in wanted.items() if getattr(policy, name) != new}
        if changes:
            for name, (_old, value) in changes.items():
                setattr(policy, name, value)
            policy.save()
            audit_record(actor=by, obj=policy, action="two_factor_policy.update", changes=changes)
    return policy


def two_factor_setup_device(*, user) -> TOTPDevice:
    """The authenticator being set up: a new secret, not yet confirmed (it signs nobody in until a code from the app
    confirms it). Idempotent: the same one until it is confirmed."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _refused(device: Device) -> DomainError | None:
    """A clear refusal while django-otp throttles the device after wrong codes, with the seconds to wait."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return DomainError(
        _("Too many wrong codes. Wait %(seconds)d s and try again.") % {"seconds": seconds},
        code="two_factor_throttled",
        field="token",
    )


def _wrong_code() -> DomainError:
    return DomainError(
        _("This code is not right. Type the 6 digits the app shows now, or one of your recovery codes."),
        code="two_factor_wrong_code",
        field="token",
    )


def _recovery_codes_replace(user) -> list[str]:
    """New recovery codes in place of the old ones (which stop working). Called inside a transaction."""
    device = recovery_device(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in sorted(codes)])
    return sorted(codes)


def two_factor_enable(*, user, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code from the app, and make the recovery codes.

    Atomic: on a wrong code nothing is confirmed. Returns the device and the recovery codes in plain text, which are
    shown once and never again (only the devices hold them)."""
    with transaction.atomic():
        if totp_device(user) is not None:
            raise DomainError(_("Two-factor sign-in is already on for your account."), code="two_factor_on")
        device = totp_device(user, confirmed=False)
        if device is None:
            raise DomainError(_("Start the set-up again: no authenticator is waiting for a code."), code="invalid")
        if refusal := _refused(device):
            raise refusal
    # The check runs in a transaction of its own, so that a wrong code's throttling is kept.
    if verify_token(user, device.persistent_id, token_normalize(token)) is None:
        raise _wrong_code()
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user)
        audit_record(actor=user, obj=user, action="two_factor.enable", changes={"two_factor": (False, True)})
    return device, codes


def two_factor_check(*, user, token: str) -> Device:
    """The sign-in's second step: the device that accepts ``token``, an authenticator's code (digits) or a recovery
    code (letters and digits), which is used up. Raises ``DomainError`` on a wrong code or while throttled."""
    token = token_normalize(token)
    authenticator = totp_device(user)
    if authenticator is None:
        raise _wrong_code()
    device: Device | None = authenticator
    if not (token.isdigit() and len(token) == authenticator.digits):
        device = recovery_device(user)
    if device is None:
        raise _wrong_code()
    if refusal := _refused(device):
        raise refusal
    verified = verify_token(user, device.persistent_id, token)
    if verified is None:
        raise _wrong_code()
    return verified


def recovery_codes_regenerate(*, user) -> list[str]:
    """New recovery codes; the old ones stop working. Atomic, audited. Returns the codes (shown once)."""
    with transaction.atomic():
        if totp_device(user) is None:
            raise DomainError(_("Two-factor sign-in is not on for your account."), code="two_factor_off")
        codes = _recovery_codes_replace(user)
        changes = {"recovery_codes": (None, RECOVERY_CODES)}
        audit_record(actor=user, obj=user, action="two_factor.recovery_codes", changes=changes)
    return codes


def _devices_delete(user) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    return deleted + StaticDevice.objects.filter(user=user).delete()[0]


def two_factor_remove(*, user, token: str) -> None:
    """A person turns their own two-factor sign-in off, proving it with a current code (or a recovery code)."""
    two_factor_check(user=user, token=token)
    with transaction.atomic():
        _devices_delete(user)
        audit_record(actor=user, obj=user, action="two_factor.remove", changes={"two_factor": (True, False)})


def two_factor_reset(*, user, by, reason: str = "") -> bool:
    """The office-admin turns someone's two-factor sign-in off (a lost phone): their authenticator and recovery
    codes are deleted; they sign in with the password and set it up again (at once, where it is required).
    Atomic, audited as ``by``; returns whether there was anything to reset."""
    with transaction.atomic():
        had = totp_device(user) is not None
        _devices_delete(user)
        audit_record(actor=by, obj=user, action="two_factor.reset", changes={"two_factor": (had, False)}, reason=reason)
    return had
