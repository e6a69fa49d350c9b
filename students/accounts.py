"""Students' own accounts: invitations (one student, or a cohort at once), the one-time link that sets the password,
and the language a student is written to in.

A student's ``User`` is made by the office's invitation, never by the student: its user name is the student's
e-mail in lower case, its password unusable until the student sets one through the invitation link. The link is
signed with ``invitation_token_generator`` (Django's password-reset tokens with their own salt and lifetime), so it
expires after ``settings.STUDENT_INVITATION_DAYS`` days, stops working once a password is set (the password hash is
part of the token), and stops working when a newer invitation is sent (so is ``Student.invited_at``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort

from .models import Enrollment, Student

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


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of invitation links: valid ``settings.STUDENT_INVITATION_DAYS`` days (a password reset link keeps
    Django's ``PASSWORD_RESET_TIMEOUT``), never interchangeable with password-reset tokens (own salt), used up when
    the password is set or the student logs in, and replaced by the next invitation sent."""

    key_salt = "students.accounts.InvitationTokenGenerator"

    @property
    def timeout(self) -> int:
        return settings.STUDENT_INVITATION_DAYS * 24 * 60 * 60

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
        # Read from the database, not from a possibly stale object: a re-sent invitation voids the earlier links.
        invited_at = Student.objects.filter(user_id=user.pk).values_list("invited_at", flat=True).first()
        stamp = "" if invited_at is None else invited_at.replace(microsecond=0, tzinfo=None).isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{stamp}"


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


# --- logging in with the e-mail ------------------------------------------------------------------------------------


def login_username(request, credentials: dict | None = None) -> str:
    """The user name a login attempt is counted under by django-axes (``AXES_USERNAME_CALLABLE``): as typed, but an
    e-mail address (a student's user name) trimmed and in lower case, as ``StudentEmailBackend`` accepts it, so
    changing the case of letters buys no fresh attempts."""
    source = credentials or getattr(request, "data", request.POST)
    username = source.get("username") or ""
    candidate = username.strip().lower()
    return candidate if "@" in candidate else username


class StudentEmailBackend(ModelBackend):
    """Students log in with their e-mail address however it is typed (a phone capitalises the first letter, adds a
    space): their user name is the address in lower case. Asked only after the exact user name failed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        candidate = (username or "").strip().lower()
        if "@" not in candidate or candidate == username:
            return None  # the exact name was already tried by ModelBackend
        return super().authenticate(request, username=candidate, password=password, **kwargs)


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


# --- invitations --------------------------------------------------------------------------------------------------


def student_invite(*, student: Student, by: Actor, now: datetime.datetime | None = None) -> Student:
    """Invite one student to their account: create (or reuse) their ``User`` (user name = e-mail in lower case,
    unusable password, e-mail kept equal to the student's), stamp ``Student.invited_at``, write an audit entry, and
    send the e-mail with the one-time link once the transaction commits. Atomic: a refusal writes nothing.

    Refused (``DomainError``) for a student without an e-mail address, whose personal data were erased, whose
    account is already active (they reset a forgotten password themselves) or disabled, or whose e-mail is the
    user name of someone else's account. Sending again is allowed while the account is not active; the new link
    replaces the earlier ones.
    """
    with transaction.atomic():
        locked = Student.objects.select_for_update(of=("self",)).select_related("user").get(pk=student.pk)
        _invite(locked, by=by, now=now or timezone.now())
    student.user = locked.user
    student.invited_at = locked.invited_at
    return student


def _cohort_students(cohort: Cohort):
    """Students of the cohort (a current enrollment) with an e-mail address and personal data, by id."""
    return (
        Student.objects.select_related("user")
        .filter(
            # A subquery, not a join: no duplicates, and PostgreSQL refuses FOR UPDATE with DISTINCT.
            pk__in=Enrollment.objects.filter(cohort=cohort, status__in=Enrollment.CURRENT_STATUSES).values(
                "student_id"
            ),
            erased_at__isnull=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def cohort_invitation_candidates(*, cohort: Cohort) -> list[Student]:
    """The students ``cohort_invite`` would invite now (for the confirmation page)."""
    return [student for student in _cohort_students(cohort) if _refusal(student) is None]


def cohort_invite(*, cohort: Cohort, by: Actor, now: datetime.datetime | None = None) -> int:
    """Invite every student of the cohort (a current enrollment: applied, admitted, enrolled or completed) who has
    an e-mail address and no usable account yet, as ``student_invite`` does; returns how many were invited.

    Students who cannot be invited are left out (no e-mail, erased, an active or disabled account, an e-mail that
    is someone else's user name); the others are invited in one transaction, all or nothing, one e-mail each after
    the commit. Running it again re-sends the invitations not yet accepted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invited = 0
        for student in _cohort_students(cohort).select_for_update(of=("self",)):
            if _refusal(student) is not None:
                continue
            _invite(student, by=by, now=now)
            invited += 1
    return invited


def _refusal(student: Student) -> DomainError | None:
    """Why the student cannot be invited, or None."""
    if student.erased_at is not None:
        return DomainError(_("The personal data of this student were erased."), code="erased")
    if not student.email:
        return DomainError(
            _("The student has no e-mail address: add one before inviting them."), code="no_email", field="email"
        )
    user = student.user
    if user is not None and not user.is_active:
        return DomainError(_("The student's account is disabled."), code="account_disabled")
    if user is not None and user.has_usable_password():
        return DomainError(
            _("The student's account is active already; they can reset a forgotten password on the login page."),
            code="account_active",
        )
    username = student.email.lower()
    taken = User.objects.filter(username=username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        return DomainError(
            _("The e-mail %(email)s is the user name of another account.") % {"email": student.email},
            code="email_taken",
            field="email",
        )
    return None


def _invite(student: Student, *, by: Actor, now: datetime.datetime) -> None:
    """Invite a locked student inside the caller's transaction; raises the refusal."""
    refusal = _refusal(student)
    if refusal is not None:
        raise refusal
    changes: dict = {"invited_at": (student.invited_at, now)}
    user = student.user
    if user is None:
        user = User.objects.create_user(
            username=student.email.lower(),
            email=student.email,
            password=None,  # unusable until the student sets one
            first_name=student.given_name_latin[:150],
            last_name=student.family_name_latin[:150],
        )
        student.user = user
        changes["user"] = (None, user.pk)
    else:
        student_user_sync(student=student)
    student.invited_at = now
    student.save(update_fields=["user", "invited_at", "modified_at"])
    audit_record(actor=by, obj=student, action="student.invite", changes=changes)

    from .notifications import student_notify  # notifications imports this module

    student_notify(kind="invitation", student_id=student.pk)


def student_user_sync(*, student: Student) -> bool:
    """Keep the student's account equal to their record: the user's e-mail is the student's e-mail and its user
    name that e-mail in lower case. Returns whether anything changed; a user name taken by another account is left
    as it is (the student still logs in with the old one). Call after changing a student's e-mail."""
    user = student.user
    if user is None or not student.email:
        return False
    fields = []
    email = User.objects.normalize_email(student.email)  # as create_user stores it (the domain in lower case)
    if user.email != email:
        user.email = email
        fields.append("email")
    username = student.email.lower()
    if user.username != username and not User.objects.filter(username=username).exclude(pk=user.pk).exists():
        user.username = username
        fields.append("username")
    if fields:
        user.save(update_fields=fields)
    return bool(fields)


def student_account_activated(*, student: Student) -> None:
    """Record that the student set their password through an invitation link (audit entry, by the student)."""
    audit_record(actor=student.user, obj=student, action="student.account_activate")
