"""A transfer and its data subjects. Loaded with the ``mobility`` app's models (``mobility/models.py``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Transfer(models.Model):
    """One movement of personal data across the border, recorded when it happened: an API write or read of a
    partner, a roster import, a webhook delivered, a partner portal's nomination or download, an export. Never
    changed; ``subjects`` lists whose data it carried."""

    class Direction(models.TextChoices):
        TO_RUSSIA = "to_russia", _("from the partner college to the university (China → Russia)")
        TO_PARTNER = "to_partner", _("from the university to the partner college (Russia → China)")

    class Channel(models.TextChoices):
        API_WRITE = "api_write", _("partner API, write")
        API_READ = "api_read", _("partner API, read")
        IMPORT = "import", _("roster import")
        WEBHOOK = "webhook", _("webhook delivery")
        PARTNER_PORTAL = "partner_portal", _("partner portal")
        EXPORT = "export", _("export")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    institution = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("partner college"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    categories = models.JSONField(_("categories of data"), default=list)
    subject_count = models.PositiveIntegerField(_("data subjects"), default=0)
    reference = models.CharField(_("reference"), max_length=300, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transfer of personal data")
        verbose_name_plural = _("transfers of personal data")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["institution", "-at"], name="transfer_institution_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} · {self.channel} · {self.subject_count}"


class TransferSubject(models.Model):
    """A student whose data a transfer carried, by id: the register keeps the fact after the student's erasure and
    sits below the students app (a plain integer, no foreign key)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="subjects")
    student_id = models.PositiveIntegerField(_("student id"), db_index=True)

    class Meta:
        verbose_name = _("data subject of a transfer")
        verbose_name_plural = _("data subjects of transfers")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "student_id"], name="transfer_subject_unique"),
        ]

    def __str__(self):
        return f"{self.transfer_id} · {self.student_id}"
