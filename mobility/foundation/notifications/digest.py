"""The daily e-mail digest: each staff user who wants it gets their unread notifications since their last digest
(at most ``STAFF_DIGEST_MAX_DAYS`` back; the last day for a first one), in their language, with links.

Once per user and day: the digest's ``StaffDigest`` row is written in the transaction that sends it, under a lock
on the user's row, so a task run twice (or two at once) sends one digest, and a run killed midway sends the others'
on its next run. (A kill between the mail server's acceptance and the commit would send that one again.)"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import StaffDigest, StaffNotification, StaffNotificationPreference
from .services import staff_recipients

logger = logging.getLogger(__name__)

STAFF_DIGEST_MAX_DAYS = 7


def staff_language(user) -> str:
    """The language to write to a staff user in: their choice (the language switcher or the notification
    settings), else the site's."""
    preference = StaffNotificationPreference.objects.filter(user=user).only("language").first()
    language = preference.language if preference else ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def digest_recipients() -> list[int]:
    """Ids of the staff users the digest goes to: office staff with an e-mail address who did not turn it off."""
    # Any kind: a user is office staff whatever they muted; a fake kind mutes nothing.
    users = staff_recipients(kind="")
    off = set(StaffNotificationPreference.objects.filter(digest=False).values_list("user_id", flat=True))
    return [user.pk for user in users if user.email and user.pk not in off]


def digests_send(*, day: datetime.date | None = None) -> int:
    """Send the day's digest to every recipient who has not had it; returns how many were sent. Safe to run twice."""
    day = day or timezone.localdate()
    sent = 0
    for user_id in digest_recipients():
        if digest_send(user_id=user_id, day=day):
            sent += 1
    return sent


def digest_send(*, user_id: int, day: datetime.date) -> bool:
    """Send one user their digest of ``day`` unless it was sent already or there is nothing unread since the last
    one (the day is recorded either way). Atomic; mail errors propagate and record nothing (the next run retries)."""
    now = timezone.now()
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None or StaffDigest.objects.filter(user=user, day=day).exists():
            return False
        last = StaffDigest.objects.filter(user=user).order_by("-day").first()
        since = max(
            last.until if last else now - datetime.timedelta(days=1),
            now - datetime.timedelta(days=STAFF_DIGEST_MAX_DAYS),
        )
        notifications = list(
            StaffNotification.objects.filter(
                recipient=user, read_at__isnull=True, created_at__gt=since, created_at__lte=now
            ).order_by("-created_at", "-id")
        )
        StaffDigest.objects.create(user=user, day=day, until=now, count=len(notifications), sent_at=now)
        if not notifications:
            return False
        digest_message(user=user, notifications=notifications).send()
    return True


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def digest_message(*, user, notifications: list[StaffNotification]) -> EmailMultiAlternatives:
    """The digest e-mail to ``user`` in their language: subject, plain text and HTML, absolute links."""
    language = staff_language(user)
    with translation.override(language):
        rows = [
            {"sentence": item.sentence(), "url": _absolute(item.link()) if item.link() else "", "at": item.created_at}
            for item in notifications
        ]
        context = {
            "user": user,
            "name": user.get_full_name() or user.get_username(),
            "rows": rows,
            "count": len(rows),
            "list_url": _absolute(reverse("notifications:list")),
            "settings_url": _absolute(reverse("notifications:settings")),
            "language": language,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = " ".join(render_to_string("emails/staff_digest_subject.txt", context).split())
        text = render_to_string("emails/staff_digest.txt", context)
        html = render_to_string("emails/staff_digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message
