"""Designs and signatories. Loaded with the app's models (``diplomas/models.py`` imports them), so they belong to
the ``diplomas`` app."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The documents that have a design."""

    DIPLOMA = "diploma", _("diploma")
    TRANSCRIPT = "transcript", _("transcript")


class Signs(models.TextChoices):
    """What a signatory signs (``signatories_for``)."""

    DIPLOMA = "diploma", _("diploma")
    TRANSCRIPT = "transcript", _("transcript")
    PAPERS = "papers", _("office papers")


# The texts of each kind's design, by field prefix, each in Russian, English and Chinese (``<prefix>_ru`` …).
LANGS = ("ru", "en", "zh")
TEXTS = {
    Kind.DIPLOMA: ("title", "lead", "volume", "hours_unit", "period", "sending", "facilitator", "issued", "verify"),
    Kind.TRANSCRIPT: ("title", "note"),
}
TEXT_LABELS = {
    "title": _("title"),
    "lead": _("lead line"),
    "volume": _("label of the volume"),
    "hours_unit": _("unit of the hours"),
    "period": _("label of the period of study"),
    "sending": _("label of the sending institution"),
    "facilitator": _("label of the facilitator"),
    "issued": _("label of the date of issue"),
    "verify": _("label of the verification link"),
    "note": _("note"),
}
LANG_LABELS = {"ru": _("Russian"), "en": _("English"), "zh": _("Chinese")}


def text_fields(kind: str) -> list[str]:
    """The names of the text fields a design of ``kind`` prints, prefix by prefix, ru, en, zh."""
    return [f"{prefix}_{lang}" for prefix in TEXTS[Kind(kind)] for lang in LANGS]


def _text(prefix: str, lang: str) -> models.CharField:
    return models.CharField(format_lazy("{} ({})", TEXT_LABELS[prefix], LANG_LABELS[lang]), max_length=300, blank=True)


class DocumentDesign(models.Model):
    """One version of one kind's design: the fixed wording the document prints in its three languages. A draft
    (``published_at`` empty) may change; a published version never does (``save`` refuses it, and so do the
    services). The kind's current design is its latest published version; an issued diploma keeps the one it was
    issued with (``Diploma.design``)."""

    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    title_ru = _text("title", "ru")
    title_en = _text("title", "en")
    title_zh = _text("title", "zh")
    lead_ru = _text("lead", "ru")
    lead_en = _text("lead", "en")
    lead_zh = _text("lead", "zh")
    volume_ru = _text("volume", "ru")
    volume_en = _text("volume", "en")
    volume_zh = _text("volume", "zh")
    hours_unit_ru = _text("hours_unit", "ru")
    hours_unit_en = _text("hours_unit", "en")
    hours_unit_zh = _text("hours_unit", "zh")
    period_ru = _text("period", "ru")
    period_en = _text("period", "en")
    period_zh = _text("period", "zh")
    sending_ru = _text("sending", "ru")
    sending_en = _text("sending", "en")
    sending_zh = _text("sending", "zh")
    facilitator_ru = _text("facilitator", "ru")
    facilitator_en = _text("facilitator", "en")
    facilitator_zh = _text("facilitator", "zh")
    issued_ru = _text("issued", "ru")
    issued_en = _text("issued", "en")
    issued_zh = _text("issued", "zh")
    verify_ru = _text("verify", "ru")
    verify_en = _text("verify", "en")
    verify_zh = _text("verify", "zh")
    note_ru = _text("note", "ru")
    note_en = _text("note", "en")
    note_zh = _text("note", "zh")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("document design")
        verbose_name_plural = _("document designs")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="document_design_kind_version_unique"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in Kind]), name="document_design_kind_valid"),
        ]

    def __str__(self):
        # Language-neutral: the audit log keeps it as the object's name.
        return f"{self.kind} v{self.version}"

    def save(self, *args, **kwargs):
        published = self.pk is not None and DocumentDesign.objects.filter(pk=self.pk, published_at__isnull=False)
        if (
            published
            and published.exists()
            and set(kwargs.get("update_fields") or ()) != {"published_at", "published_by"}
        ):
            raise ValidationError(_("A published design never changes: make a new version instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise ValidationError(_("A published design never changes: make a new version instead."))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in text_fields(self.kind)}

    def clean(self):
        missing = {name: _("Write this text.") for name in text_fields(self.kind) if not getattr(self, name).strip()}
        if missing:
            raise ValidationError(missing)


class Signatory(models.Model):
    """A person who signs documents, from ``valid_from`` to ``valid_until`` (inclusive; open-ended when empty), in
    ``order`` on the page. Never deleted (an issued document printed the name): a signatory who stops signing is
    end-dated. Editing one changes the documents issued from then on; an issued diploma keeps its snapshot
    (``Diploma.signatories``)."""

    name_cyrillic = models.CharField(_("name in Cyrillic"), max_length=150)
    name_latin = models.CharField(_("name in Latin letters"), max_length=150)
    name_han = models.CharField(_("name in Chinese characters"), max_length=60, blank=True)
    title_ru = models.CharField(_("job title (Russian)"), max_length=200)
    title_en = models.CharField(_("job title (English)"), max_length=200)
    title_zh = models.CharField(_("job title (Chinese)"), max_length=200, blank=True)
    valid_from = models.DateField(_("signs from"))
    valid_until = models.DateField(_("signs until"), null=True, blank=True, help_text=_("Empty: until further notice."))
    order = models.PositiveSmallIntegerField(_("order on the page"), default=1)
    signs_diploma = models.BooleanField(_("signs diplomas"), default=True)
    signs_transcript = models.BooleanField(_("signs transcripts"), default=True)
    signs_papers = models.BooleanField(_("signs the office's papers"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["order", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="signatory_period_valid",
            ),
        ]

    def __str__(self):
        # Language-neutral: the audit log keeps it as the object's name.
        return f"{self.name_cyrillic} · {self.name_latin}"

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A signatory is never deleted: set the last day they sign instead."))

    def signs(self, kind: str) -> bool:
        return bool(getattr(self, f"signs_{Signs(kind).value}"))

    def valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def as_printed(self) -> dict[str, str]:
        """What a document prints of the signatory, as an issued diploma records it."""
        return {
            "name_cyrillic": self.name_cyrillic,
            "name_latin": self.name_latin,
            "name_han": self.name_han,
            "title_ru": self.title_ru,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
        }

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The last day comes on or after the first.")})
        if not (self.signs_diploma or self.signs_transcript or self.signs_papers):
            raise ValidationError(_("Choose at least one kind of document the signatory signs."))
