"""The transcript of records and its yearly number counter (``diplomas.models`` imports them, so they are the
diplomas app's models)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from diplomas.codes import new_verification_code
from mobility.foundation.models import TimeStampedModel


class TranscriptQuerySet(models.QuerySet):
    def stored(self) -> TranscriptQuerySet:
        """Transcripts whose signed PDF is stored: the only ones anyone but the issuing code sees. One issued with a
        diploma is numbered before its file is rendered (``diplomas.services.diploma_issue``, phase 1)."""
        return self.exclude(pdf="").exclude(sha256="")


class Transcript(TimeStampedModel):
    """One transcript of records of an enrollment: numbered, its signed PDF stored with its SHA-256, verifiable by a
    random code. Issued with a diploma (``diploma``, at most one each) or alone by the office (``issued_by``);
    revoked with its diploma, never deleted."""

    objects = TranscriptQuerySet.as_manager()

    enrollment = models.ForeignKey(
        "students.Enrollment", verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="transcripts"
    )
    diploma = models.ForeignKey(
        "diplomas.Diploma",
        verbose_name=_("diploma"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transcripts",
        help_text=_("The diploma it was issued with; empty for a transcript issued alone."),
    )
    number = models.CharField(_("number"), max_length=64, unique=True, editable=False)
    verification_code = models.CharField(
        _("verification code"), max_length=64, unique=True, default=new_verification_code, editable=False
    )
    pdf = models.FileField(_("PDF file"), upload_to="transcripts/%Y/", blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What printed it (diplomas.designs), recorded when it is numbered, never changed: a re-render reproduces it.
    design = models.ForeignKey(
        "diplomas.DocumentDesign",
        verbose_name=_("design"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signatories = models.JSONField(_("signatories"), default=list, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_reason = models.TextField(_("revocation reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("transcript of records")
        verbose_name_plural = _("transcripts of records")
        ordering = ["-issued_at", "-id"]
        constraints = [
            # Issued with a diploma at most once: the diploma's render task may run again after a crash.
            models.UniqueConstraint(
                fields=["diploma"], condition=Q(diploma__isnull=False), name="transcript_one_per_diploma"
            ),
            models.CheckConstraint(
                condition=Q(sha256="") | Q(Exact(Length("sha256"), 64)), name="transcript_sha256_length"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True)
                | (~Q(revoked_reason="") & Q(Exact(Length("sha256"), 64)) & Q(revoked_at__gte=models.F("issued_at"))),
                name="transcript_revoked_has_reason_file_and_date",
            ),
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("verification_code"), 22)),
                name="transcript_verification_code_128_bits",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def status(self) -> str:
        """ "revoked" or "issued" (what the verification page and its JSON say)."""
        return "revoked" if self.revoked_at else "issued"

    @property
    def verification_url(self) -> str:
        """The transcript's public verification page on ``settings.MOBILITY_PUBLIC_URL``: printed with its QR code."""
        return f"{settings.MOBILITY_PUBLIC_URL.rstrip('/')}/verify/transcript/{self.verification_code}/"


class TranscriptNumberCounter(models.Model):
    """The last sequence number of the transcripts given in a year: the diplomas' counter pattern, its own sequence
    under ``TRANSCRIPT_NUMBER_FORMAT`` (``diplomas.numbering.next_number``)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("transcript number counter")
        verbose_name_plural = _("transcript number counters")

    def __str__(self):
        return f"{self.year}: {self.last}"
