"""The rule of every page and API call for two-factor sign-in (``TwoFactorMiddleware``, after django-otp's
``OTPMiddleware``).

A session logged in without a code (the admin's own login page, a session older than the person's authenticator)
of someone with an authenticator is sent to the code step; someone whose role the office's policy requires to use
two-factor sign-in and who has no authenticator yet is sent to the set-up. Only logging out, the language switcher,
the login and code pages and (for the second case) the set-up itself stay open; the API answers a JSON 403.

It reads the user's devices and the policy with their permissions (``two_factor_state``): no query of its own on
the pages that read those anyway, which is every page of the site."""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device

from mobility.foundation.api import error_body
from mobility.foundation.api_errors import is_api_path
from mobility.foundation.two_factor.selectors import two_factor_device_ids, two_factor_state


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``, ``request.user.otp_device``), with the session's
    device checked against the user's confirmed devices as read with their permissions: django-otp's own loads the
    device on every request, one query more on every page of everyone who uses two-factor sign-in. The device itself
    is loaded only when something reads it."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        if persistent_id:
            if persistent_id in two_factor_device_ids(user):
                user.otp_device = SimpleLazyObject(partial(Device.from_persistent_id, persistent_id))
            else:  # deleted (turned off, reset), unconfirmed or someone else's: the session is not verified
                del request.session[DEVICE_ID_SESSION_KEY]
        return user


OPEN_ALWAYS = frozenset({"logout", "set_language", "login", "login-code", "favicon"})
OPEN_FOR_SETUP = OPEN_ALWAYS | {"two-factor", "two-factor-setup"}


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        state = two_factor_state(user)
        if not (state.has_device or state.required):
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if state.has_device:
            if name in OPEN_ALWAYS:
                return None
            return _refuse(
                request,
                "two_factor_code_required",
                _("Enter the code of your authenticator app first: this session has not given it."),
                "login-code",
            )
        if name in OPEN_FOR_SETUP:
            return None
        return _refuse(
            request,
            "two_factor_setup_required",
            _("The office requires two-factor sign-in for your account: set it up to continue."),
            "two-factor-setup",
        )


def _refuse(request, code: str, message: str, page: str):
    if is_api_path(request):
        return JsonResponse(error_body(code, message), status=403, json_dumps_params={"ensure_ascii": False})
    messages.warning(request, message)
    return redirect(f"{reverse(page)}?next={quote(request.get_full_path())}")
