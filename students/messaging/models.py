"""Saved filters of the students list, messages to students and each student's frozen copy of a message.

Loaded with the app's models (``students/models.py`` imports them), so they belong to the ``students`` app.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mobility.foundation.models import TimeStampedModel

# The versions a message is written in, as (language code of ``settings.LANGUAGES``, field suffix); the order is
# the order of the compose page's columns.
VERSIONS = (("ru", "ru"), ("en", "en"), ("zh-hans", "zh"))


class SavedFilter(TimeStampedModel):
    """A named set of the students list's filters (search, home institution, track, cohort, status), shared by the
    whole office: what one clerk saves, every clerk sees, applies, writes to and may delete."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The list's query-string parameters, as {name: value} strings (``forms.SAVED_FILTER_PARAMETERS``).
    params = models.JSONField(_("filters"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def query_string(self) -> str:
        """The students list's query string that applies the filter."""
        return urlencode(self.params)


class Message(TimeStampedModel):
    """One message of the office to many students, written once in up to three languages; its recipients are
    resolved and frozen when it is sent (``MessageRecipient``)."""

    class Audience(models.TextChoices):
        SAVED_FILTER = "filter", _("saved filter")
        QUERY = "query", _("students list filter")
        COHORT = "cohort", _("cohort")

    subject_ru = models.CharField(_("subject (Russian)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"), max_length=10000, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=10000, blank=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_zh = models.TextField(_("text (Chinese)"), max_length=10000, blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    # What the audience was when the message was sent: the filter's parameters, and its name or the cohort's code.
    audience_params = models.JSONField(_("audience filters"), default=dict, blank=True)
    audience_name = models.CharField(_("audience name"), max_length=200, blank=True)
    saved_filter = models.ForeignKey(
        SavedFilter, verbose_name=_("saved filter"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cohort = models.ForeignKey(
        "programs.Cohort", verbose_name=_("cohort"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"))
    # The compose page's one-time token: a second click on "Send" finds the message the first one sent.
    token = models.UUIDField(_("token"), unique=True)

    class Meta:
        verbose_name = _("message to students")
        verbose_name_plural = _("messages to students")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.version(self.languages()[0])[0] if self.languages() else f"#{self.pk}"

    def version(self, language: str) -> tuple[str, str]:
        """The subject and the text written in ``language`` (a code of ``VERSIONS``); empty when not written."""
        suffix = dict(VERSIONS)[language]
        return getattr(self, f"subject_{suffix}"), getattr(self, f"body_{suffix}")

    def languages(self) -> list[str]:
        """The languages the message is written in (subject and text both given), in the order of ``VERSIONS``."""
        return [code for code, _suffix in VERSIONS if all(part.strip() for part in self.version(code))]


class MessageRecipient(models.Model):
    """One student's copy of a message: frozen when the message is sent, with the language of the version they
    get. The e-mail is sent once (``emailed_at``, set under the row's lock); the portal shows the copy at once."""

    class Email(models.TextChoices):
        PENDING = "pending", _("to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        NONE = "none", _("no e-mail address")

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="recipients")
    student = models.ForeignKey(
        "students.Student", verbose_name=_("student"), on_delete=models.CASCADE, related_name="messages_received"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    email = models.EmailField(_("e-mail address"), blank=True)
    email_status = models.CharField(_("e-mail"), max_length=8, choices=Email.choices, default=Email.PENDING)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["message", "student"], name="message_recipient_once")]
        indexes = [models.Index(fields=["student", "-id"], name="message_recipient_student_idx")]

    def __str__(self):
        return f"{self.message_id} → {self.student_id}"

    @property
    def subject(self) -> str:
        return self.message.version(self.language)[0]

    @property
    def body(self) -> str:
        return self.message.version(self.language)[1]
