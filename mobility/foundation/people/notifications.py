"""E-mails to the partnership's people: the invitation to their account, in their language
(``accounts.member_language``), sent after the commit by ``mobility.foundation.tasks.member_email_send``."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from mobility.foundation.tasks import enqueue_on_commit
from mobility.foundation.views import MEMBER_HOMES

from . import accounts
from .models import Membership

INVITATION = "member_invitation"


def member_notify(*, membership_id: int) -> None:
    """Send the member their invitation once the current transaction commits (at once outside a transaction), through
    the outbox; without a broker it is sent on commit and a mail server's error is logged, never raised."""
    from mobility.foundation.tasks import member_email_send  # the task imports this module

    enqueue_on_commit(member_email_send, int(membership_id), robust=True)


def place_name(institution, language: str) -> str:
    """An institution's name in ``language`` (its ``name_zh``, ``name_ru`` or ``name_en``), else its English name."""
    if institution is None:
        return ""
    localized = {"zh-hans": "name_zh", "ru": "name_ru"}.get(language, "name_en")
    return getattr(institution, localized, "") or institution.name_en


def member_invitation_message(membership: Membership) -> EmailMultiAlternatives | None:
    """The invitation e-mail, in the member's language; None when there is no link to send (the account is active
    or disabled)."""
    if accounts.member_account_state(membership) != "invited" or not membership.user.email:
        return None
    language = accounts.member_language(membership)
    site_url = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        context = {
            "membership": membership,
            "name": membership.full_name,
            "email": membership.user.email,
            "role": membership.get_role_display(),
            "place": place_name(membership.institution, language),
            "language": language,
            "invitation_url": f"{site_url}{accounts.member_invitation_path(membership)}",
            "area_url": f"{site_url}{reverse(MEMBER_HOMES[membership.role])}",
            "days": settings.STUDENT_INVITATION_DAYS,
            "site_url": site_url,
        }
        subject = " ".join(render_to_string(f"emails/{INVITATION}_subject.txt", context).split())
        text = render_to_string(f"emails/{INVITATION}.txt", context)
        html = render_to_string(f"emails/{INVITATION}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[membership.user.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def member_invitation_send(*, membership_id: int) -> bool:
    """Build and send the invitation; returns whether one was sent (none for a member who is gone, active or
    disabled). Errors of the mail server propagate (the task retries them)."""
    membership = Membership.objects.select_related("user", "institution").filter(pk=membership_id).first()
    if membership is None:
        return False
    message = member_invitation_message(membership)
    if message is None:
        return False
    message.send()
    return True
