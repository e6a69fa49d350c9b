"""Models that cross apps: the timestamp base, the audit log, the partner API keys, idempotent API writes and
webhooks."""

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

    Entries are written by services (``mobility.foundation.audit.audit_record``) and never changed afterwards, with one
    exception: erasing a student's personal data (``mobility.personal_data.services.student_erase``) replaces the
    erased values in the entries about them, keeping who, when and what (docs/decisions/0013-erasing-a-student.md).
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
        # The office reads the history of what it opens; the whole log, with its filters and export, is office-admin's.
        permissions = [("browse_auditentry", _("Can browse and export the whole audit log"))]
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

    # djangorestframework-api-key types its Meta's values narrowly (str, a tuple) where Django takes these.
    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")  # type: ignore[assignment]
        verbose_name_plural = _("partner API keys")  # type: ignore[assignment]
        ordering = ["institution__code", "name"]  # type: ignore[assignment]

    def __str__(self):
        return f"{self.institution.code}: {self.name}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The response to an API write, remembered under the client's ``Idempotency-Key`` for one credential.

    The same key with the same request returns the stored response; with another request it is a conflict.
    ``status_code`` is empty while the first request holding the key is still being processed.
    """

    owner = models.CharField(_("owner"), max_length=64, help_text=_('"api-key:<id>" or "user:<id>"'))
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_unique")]

    def __str__(self):
        return f"{self.owner} {self.key}"


class WebhookEndpoint(TimeStampedModel):
    """A URL of a partner's system that receives signed JSON events about that partner's students."""

    class Event(models.TextChoices):
        APPLICATION_DECIDED = "application.decided", _("application decided")
        ENROLLMENT_STATUS_CHANGED = "enrollment.status_changed", _("enrollment status changed")
        RESULT_RECORDED = "result.recorded", _("result recorded")
        DIPLOMA_ISSUED = "diploma.issued", _("diploma issued")
        DIPLOMA_REVOKED = "diploma.revoked", _("diploma revoked")
        STUDENT_CONSENT_WITHDRAWN = "student.consent_withdrawn", _("student's consent withdrawn")

    institution = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("Event types sent to this URL."))
    # Shared with the partner: the HMAC-SHA256 key of every delivery's signature.
    secret = models.CharField(_("secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["institution__code", "url"]

    def __str__(self):
        return f"{self.institution.code}: {self.url}"


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts and the last response."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEndpoint.Event.choices)
    event_id = models.UUIDField(_("event id"), help_text=_("The same for every endpoint that receives the event."))
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # When a pending delivery's next attempt is due: its creation or replay, then after each failed attempt the
    # backoff. The sweeper re-sends those overdue by WEBHOOK_STUCK_AFTER_SECONDS (a lost message, no broker).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_endpoint_event_unique")
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="webhook_delivery_status_idx"),
            models.Index(
                fields=["next_attempt_at"], name="webhook_delivery_due_idx", condition=models.Q(status="pending")
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint.url} ({self.status})"


class OutboxMessage(models.Model):
    """A Celery task waiting to be handed to the broker: the transactional outbox (decision 0017).

    ``mobility.foundation.tasks.enqueue_on_commit`` writes the row in the transaction of the change that needs the
    task, so the
    two commit or roll back together; the row is deleted once the broker has accepted the message, right after the
    commit or, when the broker was unreachable then, by the relay (``mobility.foundation.outbox.outbox_relay``, Celery
    beat).
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    # Options of ``send_task`` (queue, countdown, ...), JSON values only.
    options = models.JSONField(_("options"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("failed publish attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
