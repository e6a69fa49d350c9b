"""The sign-in's second step. A password that is right for someone with an authenticator does not log them in: the
session only remembers who is "pending" (their id, the backend that checked the password, where to go next) for a
few minutes, and the code page logs them in (``django.contrib.auth.login``, then ``django_otp.login``) once a code
is right. Until then the session is anonymous: no page, no API call is open to it."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 600  # ten minutes to open the app and type the code; then the password again


def pending_start(request, user, *, next_url: str) -> None:
    """Remember ``user`` (whose password was right) as pending, in a fresh session key."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),
        "next": next_url,
        "since": int(time.time()),
    }


def pending_get(request) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    return pending


def pending_user(request):
    """The pending user, while the step is open and the account still active; None otherwise."""
    pending = pending_get(request)
    if pending is None:
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def pending_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)
