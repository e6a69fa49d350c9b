"""Diplomas: one per completed enrollment, numbered once, verifiable by a random code, revoked but never deleted."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diplomas.codes import new_verification_code
from mobility.foundation.models import TimeStampedModel

from .designs.models import DocumentDesign, Signatory  # noqa: F401  (the app's models)

# What a diploma's page and its credential show of its enrollment, fetched with it in one query.
PAGE_RELATED = ("student", "track", "cohort__host", "cohort__partner", "cohort__agreement__facilitator")


class DiplomaBatch(models.Model):
    """Diplomas requested together for a cohort; the cohort page follows its progress."""

    cohort = models.ForeignKey(
        "programs.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="diploma_batches",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("diploma batch")
        verbose_name_plural = _("diploma batches")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.cohort.code} {self.requested_at:%Y-%m-%d %H:%M}"


class DiplomaQuerySet(models.QuerySet):
    def shown_to_student(self) -> DiplomaQuerySet:
        """Every diploma but the failed renders, which are the office's to retry: a student sees "in preparation"
        until a diploma is issued, and a revoked one as revoked. Newest first, so the one that counts leads."""
        return self.exclude(status=Diploma.Status.FAILED).order_by("-requested_at", "-id")


class Diploma(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        RENDERING = "rendering", _("rendering")
        ISSUED = "issued", _("issued")
        FAILED = "failed", _("failed")
        REVOKED = "revoked", _("revoked")

    objects = DiplomaQuerySet.as_manager()

    enrollment = models.ForeignKey(
        "students.Enrollment",
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="diplomas",
    )
    batch = models.ForeignKey(
        DiplomaBatch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="diplomas",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REQUESTED,
        editable=False,
    )
    number = models.CharField(_("number"), max_length=64, unique=True, null=True, blank=True, editable=False)
    verification_code = models.CharField(
        _("verification code"),
        max_length=64,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    pdf = models.FileField(_("PDF file"), upload_to="diplomas/%Y/", blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, editable=False)
    # The Open Badges 3.0 credential as issued (a compact JWS, diplomas.credentials), embedded in the PDF too.
    credential = models.TextField(_("verifiable credential"), blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("render attempts"), default=0, editable=False)
    failure_reason = models.TextField(_("failure reason"), blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_reason = models.TextField(_("revocation reason"), blank=True, editable=False)
    # What the diploma was issued with, set with its number and never changed (diplomas.designs): the page is always
    # rendered from these, so a re-render reproduces it whatever the office has changed since.
    design = models.ForeignKey(
        DocumentDesign,
        verbose_name=_("design"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signatories = models.JSONField(_("signatories as printed"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("diploma")
        verbose_name_plural = _("diplomas")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One diploma per enrollment; a revoked one does not count, so a corrected diploma can be reissued.
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=~Q(status="revoked"),
                name="diploma_one_valid_per_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "rendering", "issued", "failed", "revoked"]),
                name="diploma_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["issued", "revoked"])
                | (Q(number__isnull=False) & Q(issued_at__isnull=False) & Q(Exact(Length("sha256"), 64))),
                name="diploma_issued_has_number_file_hash",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | (Q(revoked_at__isnull=False) & ~Q(revoked_reason="")),
                name="diploma_revoked_has_date_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | Q(issued_at__gte=F("requested_at")),
                name="diploma_issued_after_requested",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(issued_at__isnull=False, revoked_at__gte=F("issued_at")),
                name="diploma_revoked_after_issued",
            ),
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("verification_code"), 22)),
                name="diploma_verification_code_128_bits",
            ),
        ]
        indexes = [models.Index(fields=["status", "modified_at"], name="diploma_status_modified_idx")]

    def __str__(self):
        return self.number or f"{_('diploma')} #{self.pk} ({self.get_status_display()})"

    @property
    def verification_url(self) -> str:
        """The public verification page of this diploma on ``settings.MOBILITY_PUBLIC_URL`` (read at each call): the
        address the PDF prints in its QR code, and the one the API, the portal, the personal-data export and the
        webhook payloads give. The one place that builds it."""
        return f"{settings.MOBILITY_PUBLIC_URL.rstrip('/')}/verify/{self.verification_code}/"


class StatusList(models.Model):
    """One Bitstring Status List of revocations (``diplomas.credentials.status``): a diploma's bit is set when it is
    revoked, in the same transaction; the app serves the list as a signed credential."""

    number = models.PositiveIntegerField(_("list number"), unique=True)
    bits = models.BinaryField(_("bits"), default=b"", editable=False)
    modified_at = models.DateTimeField(_("modified at"), auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self):
        return f"{_('status list')} {self.number}"


class DiplomaNumberCounter(models.Model):
    """The last sequence number given in a year. Issuance locks the year's row (``select_for_update``) while it
    takes the next number, so two workers never read the same ``last``; the unique ``Diploma.number`` is the
    database's last word."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("diploma number counter")
        verbose_name_plural = _("diploma number counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class EnrollmentCertificate(models.Model):
    """The register of certificates of study (справки об обучении): one row per certificate given, under its own
    number, with who made it, the second language beside Russian, and the SHA-256 of the file handed out.

    A certificate is generated on request and not stored (``diplomas.papers``); the row says that it exists, and the
    hash lets the office recognise a copy shown back to it. Rows are never changed or deleted."""

    enrollment = models.ForeignKey(
        "students.Enrollment",
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    number = models.CharField(_("number"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("second language"), max_length=8, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)

    class Meta:
        verbose_name = _("certificate of study")
        verbose_name_plural = _("certificates of study")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(Exact(Length("sha256"), 64)), name="certificate_sha256_length"),
        ]

    def __str__(self):
        return self.number


class CertificateNumberCounter(models.Model):
    """The last sequence number of the certificates of study given in a year: the diplomas' counter pattern
    (``DiplomaNumberCounter``), its own sequence, under ``CERTIFICATE_NUMBER_FORMAT``."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("certificate number counter")
        verbose_name_plural = _("certificate number counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class DiplomaArchive(TimeStampedModel):
    """A ZIP of a cohort's issued PDFs, built by a Celery task (``diplomas.tasks.build_diploma_archive``) into a
    temporary file and stored whole when every PDF is in it and matched its SHA-256: the file is there only when
    the archive is ``ready``, until a newer ZIP of the cohort is ready (``replaced``: its file deleted). The progress
    counts (``done`` of ``total``) are written while it is built."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        BUILDING = "building", _("building")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        REPLACED = "replaced", _("replaced by a newer ZIP")

    cohort = models.ForeignKey(
        "programs.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="diploma_archives",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    total = models.PositiveIntegerField(_("diplomas"), default=0, editable=False)
    done = models.PositiveIntegerField(_("diplomas archived"), default=0, editable=False)
    file = models.FileField(_("ZIP file"), upload_to="diploma-archives/%Y/", blank=True, editable=False)
    failure_reason = models.TextField(_("failure reason"), blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("diploma archive")
        verbose_name_plural = _("diploma archives")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "building", "ready", "failed", "replaced"]),
                name="diploma_archive_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file=""),
                name="diploma_archive_ready_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.cohort.code} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return round(100 * self.done / self.total) if self.total else 0

    # Waiting or building with no progress for this long, the archive lost its task (a worker killed, a message
    # lost): the office may ask for a new one, which marks this one failed.
    STALE_AFTER = datetime.timedelta(minutes=15)

    @property
    def working(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.BUILDING)

    @property
    def stalled(self) -> bool:
        return self.working and self.modified_at < timezone.now() - self.STALE_AFTER


# The transcripts of records (diplomas.transcripts) are this app's models too.
from diplomas.transcripts.models import Transcript, TranscriptNumberCounter  # noqa: E402, F401
