"""Students' own accounts: invitations (one student, or a cohort at once), the one-time link that sets the password,
and the language a student is written to in.

A student's ``User`` is made by the office's invitation, never by the student: its user name is the student's
e-mail in lower case, its password unusable until the student sets one through the invitation link. The link is
signed with ``invitation_token_generator`` (``mobility.foundation.invitations``: Django's password-reset tokens with
their own salt and lifetime), so it expires after ``settings.STUDENT_INVITATION_DAYS`` days, stops working once a
password is set (the password hash is part of the token), and stops working when a newer invitation is sent (so is
``Student.invited_at``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mobility.foundation.invitations import InvitationTokenGenerator as BaseInvitationTokenGenerator

from .models import Student

User = get_user_model()

# Citizenship (ISO 3166-1 alpha-2) → the language of e-mails when the student chose none.
LANGUAGE_BY_CITIZENSHIP = {"CN": "zh-hans", "RU": "ru"}
DEFAULT_LANGUAGE = "en"


def student_language(student: Student) -> str:
    """The language to write to the student in: their own choice (``Student.language``), else by citizenship
    (CN → zh-hans, RU → ru), else English. Always one of ``settings.LANGUAGES``."""
    known = {code for code, _name in settings.LANGUAGES}
    if student.language in known:
        return student.language
    language = LANGUAGE_BY_CITIZENSHIP.get((student.citizenship or "").upper(), DEFAULT_LANGUAGE)
    return language if language in known else settings.LANGUAGE_CODE


# --- the invitation link ------------------------------------------------------------------------------------------


class InvitationTokenGenerator(BaseInvitationTokenGenerator):
    """Tokens of students' invitation links: valid ``settings.STUDENT_INVITATION_DAYS`` days, used up when the
    password is set or the student logs in, and replaced by the next invitation sent (``Student.invited_at``)."""

    key_salt = "students.accounts.InvitationTokenGenerator"

    @property
    def days(self) -> int:
        return settings.STUDENT_INVITATION_DAYS

    def invited_at(self, user):
        return Student.objects.filter(user_id=user.pk).values_list("invited_at", flat=True).first()


invitation_token_generator = InvitationTokenGenerator()


def invitation_path(student: Student) -> str:
    """The path of the student's one-time invitation link (``/accounts/invitation/<uidb64>/<token>/``), made now.
    The student must have been invited (``student_invite``), so that they have a user account."""
    if student.user_id is None:
        student.refresh_from_db(fields=["user"])
    if student.user_id is None:
        raise ValueError(f"Student {student.pk} has no user account: invite them first.")
    user = User.objects.get(pk=student.user_id)
    return reverse(
        "accounts:invitation-accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token_generator.make_token(user),
        },
    )


def absolute_url(path: str) -> str:
    """``path`` on the site's public address (``settings.SITE_URL``), for links in e-mails."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def portal_path() -> str:
    """The student portal's home page (students/portal/), or ``/portal/`` while its pages are not installed."""
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return "/portal/"


# --- account state ------------------------------------------------------------------------------------------------


def student_account_state(student: Student) -> str:
    """``"none"`` (never invited), ``"invited"`` (a user without a password yet), ``"active"`` (a password is set),
    or ``"disabled"`` (the account was switched off)."""
    user = student.user
    if user is None:
        return "none"
    if not user.is_active:
        return "disabled"
    return "active" if user.has_usable_password() else "invited"
