"""Models that cross apps: the timestamp base, the audit log and the partner API keys."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class TimeStampedModel(models.Model):
    """``modified_at`` is indexed because the API's ``modified_since`` sync filters on it."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One line of the audit log: who did what to which object, and the values before and after.

    Entries are written by services (``mobility.audit.audit_record``) and never changed afterwards.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A readable snapshot of who acted ("popova", "api-key:Chongqing SIS", "system"), kept when the user is gone.
    actor_label = models.CharField(_("actor label"), max_length=150)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("object id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=255)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    # {"field": [old, new], ...}
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="audit_object_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class PartnerAPIKey(AbstractAPIKey):
    """An API key of one institution's system. Only the hash is stored (djangorestframework-api-key)."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("write")

    institution = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    scopes = models.JSONField(_("scopes"), default=list, help_text=_('List of "read" and "write".'))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
        ordering = ["institution__code", "name"]

    def __str__(self):
        return f"{self.institution.code}: {self.name}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
