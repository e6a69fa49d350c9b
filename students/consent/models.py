"""Consent texts and consent decisions.

Loaded with the app's models (``students/models.py`` imports them), so they belong to the ``students`` app.
"""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mobility.foundation.languages import in_language


class Purpose(models.TextChoices):
    """What a consent is for. Each purpose has its own text and its own decision: PIPL art. 39 asks for a *separate*
    consent to a transfer abroad, 152-FZ for consent as a document of its own."""

    PROCESSING = "processing", _("processing by the university")
    TRANSFER_TO_RUSSIA = "transfer_to_russia", _("transfer from China to Russia")
    TRANSFER_TO_PARTNER = "transfer_to_partner", _("transfer back to the partner college")
    PUBLIC_NAME = "public_name", _("name on the public verification page")


class Category(models.TextChoices):
    """The categories of personal data a text names (and the transfer register records)."""

    NAMES = "names", _("names")
    IDENTITY_DOCUMENT = "identity_document", _("identity document (passport number and dates)")
    BIRTH_DATE = "birth_date", _("birth date")
    CONTACT = "contact", _("contact details (e-mail, phone)")
    EDUCATION = "education", _("study records (enrollments, results)")
    DIPLOMA = "diploma", _("diplomas")


# Passport data and the birth date (``Student.SENSITIVE_FIELDS``) come from China only with a consent to this purpose.
SENSITIVE_PURPOSE = Purpose.TRANSFER_TO_RUSSIA
# PIPL art. 39: a transfer text names the recipient, its contact, the purpose and the categories.
TRANSFER_PURPOSES = (Purpose.TRANSFER_TO_RUSSIA, Purpose.TRANSFER_TO_PARTNER)


class ConsentText(models.Model):
    """One version of the text of one purpose, in Russian, English and Chinese. A draft (``published_at`` empty) may
    change; a published version never does (``save`` refuses it): it is replaced by publishing the next version.
    The purpose's current text is its latest published version."""

    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"))
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    body_ru = models.TextField(_("text (Russian)"))
    body_en = models.TextField(_("text (English)"))
    body_zh = models.TextField(_("text (Chinese)"))
    recipient = models.CharField(
        _("recipient"), max_length=300, blank=True, help_text=_("Who receives the data: name and address.")
    )
    recipient_contact = models.CharField(_("recipient's contact"), max_length=200, blank=True)
    categories = models.JSONField(_("categories of data"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_purpose_version_unique"),
            models.CheckConstraint(
                condition=Q(purpose__in=[p.value for p in Purpose]), name="consent_text_purpose_valid"
            ),
        ]

    def __str__(self):
        # Language-neutral: the audit log keeps it as the object's name, read in every language afterwards.
        return f"{self.purpose} v{self.version}"

    def save(self, *args, **kwargs):
        published = self.pk is not None and ConsentText.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        if published and kwargs.get("update_fields") != ["published_at"]:
            raise ValidationError(_("A published consent text never changes: publish a new version instead."))
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def title(self, language: str | None = None) -> str:
        return in_language({"ru": self.title_ru, "en": self.title_en, "zh": self.title_zh}, language)

    def body(self, language: str | None = None) -> str:
        return in_language({"ru": self.body_ru, "en": self.body_en, "zh": self.body_zh}, language)

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(code, code)) for code in self.categories]

    def digest(self, language: str) -> str:
        """SHA-256 of what a reader in ``language`` is shown: purpose, version, title, text, recipient, contact,
        categories. Recorded with each decision, so the exact text a consent was given to can be proven."""
        shown = {
            "purpose": self.purpose,
            "version": self.version,
            "language": language,
            "title": self.title(language),
            "body": self.body(language),
            "recipient": self.recipient,
            "recipient_contact": self.recipient_contact,
            "categories": list(self.categories),
        }
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    def clean(self):
        unknown = set(self.categories or []) - set(Category.values)
        if unknown:
            raise ValidationError({"categories": _("Unknown categories: %(c)s.") % {"c": ", ".join(sorted(unknown))}})
        if self.purpose in TRANSFER_PURPOSES:
            missing = {
                name: _("A transfer's text names its recipient, the contact, and the categories of data.")
                for name in ("recipient", "recipient_contact", "categories")
                if not getattr(self, name)
            }
            if missing:
                raise ValidationError(missing)


class Consent(models.Model):
    """One decision about one purpose for one student: given, declined or withdrawn; by the student (the portal),
    attested by the partner college that collected it (API, roster import, partner portal) or by the office from a
    signed paper (staff form). Rows are never changed but for ``current``: the latest decision of a student and
    purpose is the current one (at most one, a constraint), the others are its history."""

    class Decision(models.TextChoices):
        # A context of their own: "withdrawn" of a student's enrollment reads otherwise in Russian and Chinese.
        GIVEN = "given", pgettext_lazy("consent decision", "given")
        DECLINED = "declined", pgettext_lazy("consent decision", "declined")
        WITHDRAWN = "withdrawn", pgettext_lazy("consent decision", "withdrawn")

    class GivenBy(models.TextChoices):
        STUDENT = "student", _("the student")
        COLLEGE = "college", _("the partner college (attested)")
        OFFICE = "office", _("the office (signed paper)")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("student portal")
        API = "api", _("partner API")
        IMPORT = "import", _("roster import")
        PARTNER_PORTAL = "partner_portal", _("partner portal")
        STAFF = "staff", _("office staff")

    student = models.ForeignKey(
        "students.Student", verbose_name=_("student"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    text = models.ForeignKey(ConsentText, verbose_name=_("text"), on_delete=models.PROTECT, related_name="consents")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    given_by = models.CharField(_("given by"), max_length=16, choices=GivenBy.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    language = models.CharField(_("language of the text"), max_length=8, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64)
    at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    collected_on = models.DateField(
        _("collected on"), null=True, blank=True, help_text=_("The day the college or the office collected it.")
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("recorded by"), max_length=200, blank=True)
    current = models.BooleanField(_("current"), default=True, editable=False)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "purpose"], condition=Q(current=True), name="consent_one_current_per_purpose"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["given", "declined", "withdrawn"]), name="consent_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(given_by="student") | Q(collected_on__isnull=False),
                name="consent_attested_has_date",
            ),
        ]
        indexes = [models.Index(fields=["purpose", "decision"], condition=Q(current=True), name="consent_current_idx")]

    def __str__(self):
        return f"{self.student_id} · {self.purpose} · {self.decision}"

    @property
    def holds(self) -> bool:
        return self.decision == self.Decision.GIVEN
