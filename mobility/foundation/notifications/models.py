"""The staff notifications' models (app label ``mobility``, named in ``mobility/models.py``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import notification_sentence


class StaffNotification(models.Model):
    """One notification to one staff user: a kind, the parameters of its sentence, a link and the object it is about.

    ``dedupe_key`` makes repeated notices one row: at most one notification per (recipient, kind, object, key), so a
    nightly check that finds the same thing again adds nothing (the key is a day, a threshold, a date…); without a
    key every notice is a row of its own."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="staff_notifications",
    )
    kind = models.CharField(_("kind"), max_length=64)
    # The sentence's parameters: numbers, strings, names as {"en": …, "ru": …, "zh": …}, dates as {"date": "ISO"}.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link_name = models.CharField(_("link (URL name)"), max_length=100, blank=True)
    link_args = models.JSONField(_("link arguments"), default=list, blank=True)
    link_suffix = models.CharField(_("link query or anchor"), max_length=200, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    dedupe_key = models.CharField(_("deduplication key"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "content_type", "object_id", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="staff_notification_dedupe_unique",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="staff_notification_list_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="staff_notification_unread_idx"),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def link(self) -> str:
        """The path the notification leads to, or "" (a page since removed leads nowhere rather than failing)."""
        if not self.link_name:
            return self.link_suffix
        try:
            return reverse(self.link_name, args=self.link_args) + self.link_suffix
        except NoReverseMatch:
            return ""

    def sentence(self) -> str:
        """The notification as a sentence in the active language."""
        return notification_sentence(self.kind, self.params)


class StaffNotificationPreference(models.Model):
    """A staff user's choices: the kinds they do not want, the daily digest, the language of the digest. A user
    without a row has the defaults: every kind, the digest on, the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_notification_preference",
    )
    muted_kinds = models.JSONField(_("muted kinds"), default=list, blank=True)
    digest = models.BooleanField(_("daily e-mail digest"), default=True)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user_id)


class StaffDigest(models.Model):
    """One day's digest e-mail to one user: the record that makes the digest go once per user and day, whatever
    runs the task twice. ``until`` is the end of the period it covered, where the next digest starts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    until = models.DateTimeField(_("covers until"))
    count = models.PositiveIntegerField(_("notifications"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="staff_digest_user_day_unique")]

    def __str__(self):
        return f"{self.user_id} {self.day}"
