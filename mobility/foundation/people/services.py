"""Writes about the partnership's people: the office invites them (an account by e-mail, a one-time link to set the
password), sends the invitation again, deactivates and reactivates them and changes their name, role and language.
Each write is atomic and audited with the office user as the actor; the member's own acts (setting the password,
switching the language) are theirs.

The foundation imports no domain app: the institution is passed in by the caller (a ``programs.Institution``) and
checked by its ``kind``'s value.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, actor_user, audit_record
from mobility.foundation.exceptions import DomainError

from .accounts import INSTITUTION_KIND_BY_ROLE
from .models import Membership
from .notifications import member_notify

User = get_user_model()
Role = Membership.Role


def _role_checked(role: str, institution) -> None:
    """Refuse a role the membership cannot have, or an institution of the wrong kind for it."""
    if role not in Role.values:
        raise DomainError(_("Choose a role."), code="role_invalid", field="role")
    kind = INSTITUTION_KIND_BY_ROLE[role]
    if kind is None and institution is not None:
        raise DomainError(
            _("A teacher belongs to the university: choose no institution."),
            code="institution_kind",
            field="institution",
        )
    if kind is not None and (institution is None or getattr(institution, "kind", None) != kind):
        message = (
            _("A partner coordinator or observer belongs to a sending college: choose one.")
            if kind == "sending"
            else _("A facilitator belongs to a facilitator institution: choose one.")
        )
        raise DomainError(message, code="institution_kind", field="institution")


def _language_checked(language: str) -> str:
    language = language or ""
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose one of the site's languages."), code="language_invalid", field="language")
    return language


def member_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    institution,
    language: str = "",
    by: Actor,
    now: datetime.datetime | None = None,
) -> Membership:
    """Invite a person to the partnership: create their ``User`` (user name = the e-mail in lower case, unusable
    password) and ``Membership``, stamp ``invited_at``, write an audit entry, and send the invitation with the
    one-time link in their language once the transaction commits. Atomic: a refusal writes nothing.

    Refused (``DomainError`` on a field) for an invalid e-mail, an e-mail already used by any account (as user name
    or e-mail address), a blank name, and an institution of the wrong kind for the role (coordinators and observers
    belong to a sending college, the facilitator's staff to a facilitator, teachers to none)."""
    email = (email or "").strip()
    full_name = (full_name or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("Enter a valid e-mail address."), code="email_invalid", field="email") from None
    if not full_name:
        raise DomainError(_("Enter the person's full name."), code="name_blank", field="full_name")
    _role_checked(role, institution)
    language = _language_checked(language)
    now = now or timezone.now()
    with transaction.atomic():
        if User.objects.filter(username=email.lower()).exists() or User.objects.filter(email__iexact=email).exists():
            raise DomainError(
                _("The e-mail %(email)s is already used by an account.") % {"email": email},
                code="email_taken",
                field="email",
            )
        user = User.objects.create_user(username=email.lower(), email=email, password=None, first_name=full_name[:150])
        membership = Membership.objects.create(
            user=user,
            role=role,
            institution=institution,
            full_name=full_name,
            language=language,
            invited_at=now,
            invited_by=actor_user(by),
        )
        changes = {
            "email": (None, user.email),
            "role": (None, role),
            "full_name": (None, full_name),
            "institution": (None, str(institution) if institution is not None else None),
            "language": (None, language),
        }
        audit_record(actor=by, obj=membership, action="member.invite", changes=changes)
        member_notify(membership_id=membership.pk)
    return membership


def member_reinvite(*, membership: Membership, by: Actor, now: datetime.datetime | None = None) -> Membership:
    """Send the invitation again with a new link; the earlier links stop working (``invited_at`` is part of them).
    Refused for an account that is active already (they reset a forgotten password on the login page) or
    disabled (reactivate it first). Atomic, audited."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if not locked.user.is_active:
            raise DomainError(_("The account is deactivated: reactivate it first."), code="account_disabled")
        if locked.user.has_usable_password():
            raise DomainError(
                _("The account is active already; the person can reset a forgotten password on the login page."),
                code="account_active",
            )
        changes = {"invited_at": (locked.invited_at.isoformat() if locked.invited_at else None, now.isoformat())}
        locked.invited_at = now
        locked.invited_by = actor_user(by) or locked.invited_by
        locked.save(update_fields=["invited_at", "invited_by", "modified_at"])
        audit_record(actor=by, obj=locked, action="member.reinvite", changes=changes)
        member_notify(membership_id=locked.pk)
    membership.invited_at = locked.invited_at
    return membership


def _sessions_end(user) -> int:
    """Delete the user's sessions kept in the database (a deactivated user is logged out everywhere at once; other
    session stores still refuse them, since Django loads no inactive user)."""
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    ended = 0
    key = "_auth_user_id"
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(key) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def member_deactivate(*, membership: Membership, by: Actor, reason: str = "") -> Membership:
    """Switch the account off: the person can no longer log in, and their open sessions end. Idempotent (an
    inactive account is left as it is, no entry). Atomic, audited."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        if not user.is_active:
            return membership
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=by, obj=membership, action="member.deactivate", changes={"active": (True, False)}, reason=reason
        )
        _sessions_end(user)
    membership.user.is_active = False
    return membership


def member_reactivate(*, membership: Membership, by: Actor) -> Membership:
    """Switch a deactivated account on again (its password, if any, works again). Idempotent. Atomic, audited."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        if user.is_active:
            return membership
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(actor=by, obj=membership, action="member.reactivate", changes={"active": (False, True)})
    membership.user.is_active = True
    return membership


def member_update(
    *, membership: Membership, by: Actor, full_name: str | None = None, role: str | None = None,
    language: str | None = None,
) -> Membership:  # fmt: skip
    """Change a member's name, role or language. The role changes only within the kind of their institution (a
    coordinator becomes an observer and back; a facilitator or a teacher keeps their role). Atomic; an audit entry
    when something changed, nothing written otherwise."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update(of=("self",)).select_related("institution").get(pk=membership.pk)
        changes: dict = {}
        if full_name is not None:
            full_name = full_name.strip()
            if not full_name:
                raise DomainError(_("Enter the person's full name."), code="name_blank", field="full_name")
            if full_name != locked.full_name:
                changes["full_name"] = (locked.full_name, full_name)
                locked.full_name = full_name
        if role is not None and role != locked.role:
            if role not in Role.values or INSTITUTION_KIND_BY_ROLE[role] != INSTITUTION_KIND_BY_ROLE[locked.role]:
                raise DomainError(
                    _("The role can change only within the same kind of institution (coordinator or observer)."),
                    code="role_kind",
                    field="role",
                )
            changes["role"] = (locked.role, role)
            locked.role = role
        if language is not None:
            language = _language_checked(language)
            if language != locked.language:
                changes["language"] = (locked.language, language)
                locked.language = language
        if not changes:
            return locked
        locked.save(update_fields=[*changes, "modified_at"])
        if "full_name" in changes:
            User.objects.filter(pk=locked.user_id).update(first_name=locked.full_name[:150], last_name="")
        audit_record(actor=by, obj=locked, action="member.update", changes=changes)
    return locked


def member_account_activated(*, membership: Membership) -> None:
    """Record that the member set their password through an invitation link (audit entry, by the member)."""
    audit_record(actor=membership.user, obj=membership, action="member.account_activate")


def member_language_remember(*, user, language: str) -> bool:
    """Keep ``language`` as the chosen language of the member whose account ``user`` is; nothing for a user who is
    no member or who chose it already. Returns whether it changed."""
    return bool(Membership.objects.filter(user=user).exclude(language=language).update(language=language))


def member_language_default(*, user) -> str | None:
    """The language a member's pages open in on a device without a choice: their stored one, else their role's
    default (Chinese for the partners and the facilitator); None for a user who is no member."""
    membership = Membership.objects.filter(user=user).only("role", "language").first()
    if membership is None:
        return None
    from_role = None if membership.role == Role.TEACHER else "zh-hans"
    return membership.language or from_role


__all__ = [
    "member_account_activated",
    "member_deactivate",
    "member_invite",
    "member_language_default",
    "member_language_remember",
    "member_reactivate",
    "member_reinvite",
    "member_update",
]
