"""The partnership's people's accounts: the one-time invitation link, the language they are written to in, and the
state of their account. The writes are ``services``.

A member's ``User`` is made by the office's invitation: its user name is the e-mail in lower case, its password
unusable until the person sets one through the link (``member_invitation_token_generator``, signed like the
students' links with its own salt, voided by a newer invitation through ``Membership.invited_at``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mobility.foundation.invitations import InvitationTokenGenerator

from .models import Membership

User = get_user_model()

# The language of a member who chose none: Chinese for the partners' and the facilitator's staff, Russian for the
# university's teachers.
DEFAULT_LANGUAGE_BY_ROLE: dict[str, str] = {
    Membership.Role.COORDINATOR.value: "zh-hans",
    Membership.Role.OBSERVER.value: "zh-hans",
    Membership.Role.FACILITATOR.value: "zh-hans",
    Membership.Role.TEACHER.value: "ru",
}
# The kind of institution (``programs.Institution.Kind``, by its value: the foundation imports no domain app) each
# role belongs to; None: the role names no institution.
INSTITUTION_KIND_BY_ROLE: dict[str, str | None] = {
    Membership.Role.COORDINATOR.value: "sending",
    Membership.Role.OBSERVER.value: "sending",
    Membership.Role.FACILITATOR.value: "facilitator",
    Membership.Role.TEACHER.value: None,
}


def member_language(membership: Membership) -> str:
    """The language to write to the member in: their own choice, else their role's default. Always one of
    ``settings.LANGUAGES``."""
    known = {code for code, _name in settings.LANGUAGES}
    if membership.language in known:
        return membership.language
    language = DEFAULT_LANGUAGE_BY_ROLE.get(membership.role, settings.LANGUAGE_CODE)
    return language if language in known else settings.LANGUAGE_CODE


class MemberInvitationTokenGenerator(InvitationTokenGenerator):
    """Tokens of members' invitation links: valid ``settings.STUDENT_INVITATION_DAYS`` days (the one lifetime of
    every invitation), replaced by the next invitation sent (``Membership.invited_at``)."""

    key_salt = "mobility.foundation.people.MemberInvitationTokenGenerator"

    @property
    def days(self) -> int:
        return settings.STUDENT_INVITATION_DAYS

    def invited_at(self, user):
        return Membership.objects.filter(user_id=user.pk).values_list("invited_at", flat=True).first()


member_invitation_token_generator = MemberInvitationTokenGenerator()


def member_invitation_path(membership: Membership) -> str:
    """The path of the member's one-time invitation link (``/accounts/people/invitation/<uidb64>/<token>/``), now."""
    user = User.objects.get(pk=membership.user_id)
    return reverse(
        "member-invitation-accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": member_invitation_token_generator.make_token(user),
        },
    )


def member_account_state(membership: Membership) -> str:
    """``"invited"`` (no password yet), ``"active"`` (a password is set) or ``"disabled"`` (deactivated)."""
    user = membership.user
    if not user.is_active:
        return "disabled"
    return "active" if user.has_usable_password() else "invited"
