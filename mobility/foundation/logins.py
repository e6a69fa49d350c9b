"""Logging in with the e-mail address as well as the user name, for every user (staff, students, partners).

``EmailBackend`` is asked after Django's ``ModelBackend`` (the exact user name) failed: a typed address, trimmed, is
matched first against user names (an invited student's user name is their address in lower case), then against the
users' e-mail addresses in any case of letters. An address that two users share logs nobody in by e-mail (each still
logs in with the user name): guessing which one was meant would let one of them into the other's account.
``login_username`` is what django-axes counts attempts under (``AXES_USERNAME_CALLABLE``): the user name an address
belongs to, so switching between the address, its case and the user name buys no fresh attempts.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

logger = logging.getLogger(__name__)


def _users_for_address(typed: str) -> list:
    """The users a typed address may mean: the one whose user name it is (lower case), else every user with that
    e-mail address in any case of letters (at most two are loaded: two already mean "ambiguous")."""
    user_model = get_user_model()
    manager = user_model._default_manager
    by_name = manager.filter(**{user_model.USERNAME_FIELD: typed.lower()}).first()
    if by_name is not None:
        return [by_name]
    return list(manager.filter(email__iexact=typed).order_by("pk")[:2])


def login_username(request, credentials: dict | None = None) -> str:
    """The name a login attempt is counted under: as typed for a user name; for an address, the user name of the one
    user it belongs to, or the address trimmed and in lower case when it belongs to none or to several."""
    source = credentials or getattr(request, "data", request.POST)
    username = source.get("username") or ""
    typed = username.strip()
    if "@" not in typed:
        return username
    users = _users_for_address(typed)
    return users[0].get_username() if len(users) == 1 else typed.lower()


class EmailBackend(ModelBackend):
    """Log in with the e-mail address, however it is typed; asked only after the exact user name failed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        typed = (username or "").strip()
        if "@" not in typed or password is None:
            return None
        users = _users_for_address(typed)
        if len(users) != 1:
            # Hash anyway, so that an unknown or shared address takes as long as a wrong password.
            get_user_model()().set_password(password)
            if users:
                logger.warning("Login by an e-mail address that several users share: refused (use the user name).")
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
