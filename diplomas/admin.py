"""Admin (raw data) for diplomas: read-only. Diplomas move by their services and tasks; issued things are revoked
with a reason, never deleted, so nobody (superusers included) may delete a diploma here."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from mobility.foundation.admin import ReadOnlyAdminMixin, ReadOnlyInline

from .designs import admin as designs_admin  # noqa: F401  (registers the designs and signatories)
from .models import (
    CertificateNumberCounter,
    Diploma,
    DiplomaArchive,
    DiplomaBatch,
    DiplomaNumberCounter,
    EnrollmentCertificate,
    StatusList,
    Transcript,
    TranscriptNumberCounter,
)

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations  # a model with the attributes its queryset annotates

    class BatchCounts(TypedDict):
        _diplomas: int
        _issued: int
        _failed: int


@admin.register(Diploma)
class DiplomaAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "display_number",
        "student",
        "cohort",
        "status",
        "requested_at",
        "issued_at",
        "revoked_at",
        "attempts",
    )
    list_filter = ("status", "enrollment__track", "enrollment__cohort", "enrollment__cohort__partner", "issued_at")
    search_fields = (
        "number",
        "=verification_code",
        "enrollment__student__family_name_han",
        "enrollment__student__given_name_han",
        "enrollment__student__family_name_latin",
        "enrollment__student__given_name_latin",
        "enrollment__student__family_name_cyrillic",
        "enrollment__student__given_name_cyrillic",
        "enrollment__student__home_student_id",
    )
    list_select_related = ("enrollment__student", "enrollment__cohort")
    date_hierarchy = "requested_at"
    fieldsets = (
        (None, {"fields": ("number", "status", "enrollment", "batch")}),
        (_("Verification"), {"fields": ("verification_code", "pdf_name", "sha256")}),
        (
            _("History"),
            {
                "fields": (
                    "requested_by",
                    "requested_at",
                    "attempts",
                    "failure_reason",
                    "issued_at",
                    "revoked_at",
                    "revoked_reason",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "modified_at")}),
    )
    readonly_fields = (
        "number",
        "status",
        "enrollment",
        "batch",
        "verification_code",
        "pdf_name",
        "sha256",
        "requested_by",
        "requested_at",
        "attempts",
        "failure_reason",
        "issued_at",
        "revoked_at",
        "revoked_reason",
        "created_at",
        "modified_at",
    )

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("enrollment__student", "enrollment__cohort", "batch__cohort")
        )

    @admin.display(description=_("number"), ordering="number")
    def display_number(self, diploma: Diploma) -> str:
        return diploma.number or f"#{diploma.pk}"

    @admin.display(description=_("student"), ordering="enrollment__student__family_name_latin")
    def student(self, diploma: Diploma):
        return diploma.enrollment.student

    @admin.display(description=_("cohort"), ordering="enrollment__cohort__code")
    def cohort(self, diploma: Diploma) -> str:
        return diploma.enrollment.cohort.code

    @admin.display(description=_("PDF file"))
    def pdf_name(self, diploma: Diploma) -> str:
        # The name only: there is no public media route, the file is served by views that check who asks.
        return diploma.pdf.name or "-"


class BatchDiplomaInline(ReadOnlyInline):
    model = Diploma
    fields = ("number", "enrollment", "status", "issued_at", "attempts")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrollment__student", "enrollment__cohort")


@admin.register(DiplomaBatch)
class DiplomaBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("cohort", "requested_at", "requested_by", "diploma_count", "issued_count", "failed_count")
    list_filter = ("cohort__track", "cohort")
    search_fields = ("cohort__code", "cohort__name")
    list_select_related = ("cohort", "requested_by")
    date_hierarchy = "requested_at"
    fields = ("cohort", "requested_by", "requested_at")
    readonly_fields = fields
    inlines = (BatchDiplomaInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("cohort", "requested_by")
            .annotate(
                _diplomas=Count("diplomas"),
                _issued=Count("diplomas", filter=Q(diplomas__status=Diploma.Status.ISSUED)),
                _failed=Count("diplomas", filter=Q(diplomas__status=Diploma.Status.FAILED)),
            )
        )

    @admin.display(description=_("diplomas"), ordering="_diplomas")
    def diploma_count(self, batch: "WithAnnotations[DiplomaBatch, BatchCounts]") -> int:
        return batch._diplomas

    @admin.display(description=_("issued"), ordering="_issued")
    def issued_count(self, batch: "WithAnnotations[DiplomaBatch, BatchCounts]") -> int:
        return batch._issued

    @admin.display(description=_("failed"), ordering="_failed")
    def failed_count(self, batch: "WithAnnotations[DiplomaBatch, BatchCounts]") -> int:
        return batch._failed


@admin.register(DiplomaNumberCounter)
class DiplomaNumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last sequence number of each year; written only by ``diplomas.services`` while issuing."""

    list_display = ("year", "last")


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The revocation status lists; written only by ``diplomas.services.diploma_revoke``."""

    list_display = ("number", "modified_at")
    exclude = ("bits",)


@admin.register(EnrollmentCertificate)
class EnrollmentCertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The register of certificates of study; written only by ``diplomas.papers.services.certificate_issue``."""

    list_display = ("number", "enrollment", "issued_at", "issued_by", "language")
    list_filter = ("enrollment__cohort", "issued_at")
    search_fields = (
        "number",
        "enrollment__student__family_name_han",
        "enrollment__student__given_name_han",
        "enrollment__student__family_name_latin",
        "enrollment__student__given_name_latin",
        "enrollment__student__family_name_cyrillic",
        "enrollment__student__given_name_cyrillic",
        "enrollment__student__home_student_id",
    )
    list_select_related = ("enrollment__student", "enrollment__cohort", "issued_by")


@admin.register(CertificateNumberCounter)
class CertificateNumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last certificate number of each year; written only while a certificate is issued."""

    list_display = ("year", "last")


@admin.register(Transcript)
class TranscriptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Transcripts of records; written only by ``diplomas.transcripts.services`` (alone, or with the diploma)."""

    list_display = ("number", "enrollment", "diploma", "issued_at", "issued_by", "revoked_at")
    list_filter = ("enrollment__cohort", "issued_at")
    search_fields = (
        "number",
        "enrollment__student__family_name_latin",
        "enrollment__student__given_name_latin",
        "enrollment__student__family_name_han",
        "enrollment__student__home_student_id",
    )
    list_select_related = ("enrollment__student", "enrollment__cohort", "diploma", "issued_by")


@admin.register(TranscriptNumberCounter)
class TranscriptNumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last transcript number of each year; written only while a transcript is issued."""

    list_display = ("year", "last")


@admin.register(DiplomaArchive)
class DiplomaArchiveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A cohort's ZIP of issued PDFs; made from the cohort's page (``diplomas.archives.services``), downloaded there."""

    list_display = ("cohort", "status", "done", "total", "created_at", "finished_at", "requested_by")
    list_filter = ("status",)
    search_fields = ("cohort__code",)
    list_select_related = ("cohort", "requested_by")
    fields = (
        "cohort",
        "requested_by",
        "status",
        "done",
        "total",
        "file",
        "failure_reason",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields
