"""Admin (raw data) for institutions, agreements, tracks, modules and cohorts."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from mobility.foundation.admin import ReadOnlyAdminMixin, ReadOnlyInline, audit_log_link
from mobility.foundation.exceptions import DomainError

from . import participants, services
from .models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, TeachingAssignment, Track

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations  # a model with the attributes its queryset annotates

    class ModuleCount(TypedDict):
        _module_count: int

    class EnrollmentCount(TypedDict):
        _enrollment_count: int

# --- institutions -----------------------------------------------------------------------------------------------


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("full_name", "position", "role", "email", "phone", "is_primary", "notes")


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "short_name", "name_en", "name_ru", "name_zh", "kind", "country", "city", "is_active")
    list_filter = ("kind", "country", "is_active")
    search_fields = ("code", "short_name", "name_en", "name_ru", "name_zh", "city")
    fieldsets = (
        (None, {"fields": ("code", "kind", "short_name", "is_active")}),
        (_("Names"), {"fields": ("name_en", "name_ru", "name_zh")}),
        (_("Address"), {"fields": ("country", "city", "address", "website")}),
        (_("Record"), {"fields": ("created_at", "modified_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at")
    inlines = (ContactInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("full_name", "institution", "position", "role", "email", "phone", "is_primary")
    list_filter = ("institution__kind", "institution__country", "is_primary", "institution")
    search_fields = ("full_name", "email", "phone", "role", "institution__code", "institution__name_en")
    list_select_related = ("institution",)
    readonly_fields = ("created_at", "modified_at")


# --- agreements -------------------------------------------------------------------------------------------------


class AgreementQuotaInline(admin.TabularInline):
    model = AgreementQuota
    extra = 0
    fields = ("track", "year", "places", "used")
    readonly_fields = ("used",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("track")

    @admin.display(description=_("places taken"))
    def used(self, quota: AgreementQuota):
        # One query per quota; an agreement has a handful of them.
        return participants.quota_used(quota) if quota.pk else "-"


class AgreementAdminForm(forms.ModelForm):
    """A signed document uploaded in the admin is checked like one uploaded on the staff page: a PDF by its content,
    within UPLOAD_MAX_PDF_MB (docs/security.md)."""

    class Meta:
        model = Agreement
        fields = ("signed_document",)  # the admin adds the fields of its fieldsets

    def clean_signed_document(self):
        file = self.cleaned_data.get("signed_document")
        if isinstance(file, UploadedFile):  # a new upload, not the file already stored
            try:
                services.signed_document_check(file)
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return file


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementAdminForm
    list_display = ("number", "title", "partner", "host", "facilitator", "status", "valid_from", "valid_until")
    list_filter = ("status", "partner", "partner__country", "facilitator")
    search_fields = (
        "number",
        "title",
        "partner__code",
        "partner__name_en",
        "partner__name_ru",
        "partner__name_zh",
        "partner__short_name",
    )
    list_select_related = ("host", "partner", "facilitator")
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("number", "title", "status")}),
        (_("Parties"), {"fields": ("host", "partner", "facilitator")}),
        (_("Dates"), {"fields": ("signed_on", "valid_from", "valid_until")}),
        (_("Document"), {"fields": ("signed_document", "notes")}),
        (_("Record"), {"fields": ("created_at", "modified_at", "audit_log"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at", "audit_log")
    inlines = (AgreementQuotaInline,)

    @admin.display(description=_("audit log"))
    def audit_log(self, agreement: Agreement):
        return audit_log_link(agreement)


@admin.register(AgreementQuota)
class AgreementQuotaAdmin(admin.ModelAdmin):
    # "Places taken" is on the agreement's page and on each quota's page, not in this list: it is counted by
    # ``programs.participants.quota_used`` one quota at a time, and the list must not make one query per row.
    list_display = ("agreement", "track", "year", "places")
    list_filter = ("year", "track", "agreement__status", "agreement__partner")
    search_fields = ("agreement__number", "agreement__title", "track__code", "track__name_en")
    list_select_related = ("agreement", "track")
    fields = ("agreement", "track", "year", "places", "used")
    readonly_fields = ("used",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agreement", "track")

    @admin.display(description=_("places taken"))
    def used(self, quota: AgreementQuota):
        return participants.quota_used(quota) if quota.pk else "-"


# --- tracks and modules -----------------------------------------------------------------------------------------


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = (
        "order",
        "code",
        "title_en",
        "title_ru",
        "title_zh",
        "hours",
        "credits",
        "assessment_kind",
        "is_required",
    )


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_en",
        "name_ru",
        "name_zh",
        "pass_score",
        "good_score",
        "excellent_score",
        "module_count",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("code", "name_en", "name_ru", "name_zh")
    fieldsets = (
        (None, {"fields": ("code", "is_active")}),
        (_("Names"), {"fields": ("name_en", "name_ru", "name_zh")}),
        (_("Descriptions"), {"fields": ("description_en", "description_ru", "description_zh")}),
        (_("Grading scale (scores 0–100)"), {"fields": ("pass_score", "good_score", "excellent_score")}),
        (_("Record"), {"fields": ("created_at", "modified_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at")
    inlines = (ModuleInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_module_count=Count("modules"))

    @admin.display(description=_("modules"), ordering="_module_count")
    def module_count(self, track: "WithAnnotations[Track, ModuleCount]") -> int:
        return track._module_count


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "title_en",
        "title_ru",
        "title_zh",
        "track",
        "order",
        "hours",
        "credits",
        "assessment_kind",
        "is_required",
    )
    list_filter = ("track", "assessment_kind", "is_required")
    search_fields = ("code", "title_en", "title_ru", "title_zh", "track__code")
    list_select_related = ("track",)
    fieldsets = (
        (None, {"fields": ("track", "code", "order", "is_required")}),
        (_("Titles"), {"fields": ("title_en", "title_ru", "title_zh")}),
        (_("Workload and assessment"), {"fields": ("hours", "credits", "assessment_kind")}),
        (_("Record"), {"fields": ("created_at", "modified_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at")


# --- cohorts ----------------------------------------------------------------------------------------------------


class CohortEnrollmentInline(ReadOnlyInline):
    # The students app's model, reached through Cohort.enrollments (programs does not import the app above it); the
    # admin's modules are imported once every model is loaded.
    model = participants.enrollment_model()
    verbose_name_plural = _("enrollments (change them on their own pages)")
    fields = (
        "student",
        "status",
        "source",
        *model.DATE_FIELDS,
    )

    def get_queryset(self, request):
        # str(enrollment) (shown with each row's link) reads the student and the cohort.
        return super().get_queryset(request).select_related("student", "cohort")


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "track",
        "partner",
        "host",
        "start_date",
        "end_date",
        "capacity",
        "enrollment_count",
        "delivery_mode",
        "accepts_applications",
    )
    list_filter = ("track", "partner", "partner__country", "delivery_mode", "accepts_applications")
    search_fields = ("code", "name", "lms_course_id", "partner__code", "partner__name_en", "partner__name_zh")
    list_select_related = ("track", "host", "partner")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("code", "name", "track")}),
        (_("Parties"), {"fields": ("host", "partner", "agreement")}),
        (
            _("Intake"),
            {
                "fields": (
                    "start_date",
                    "end_date",
                    "application_deadline",
                    "capacity",
                    "accepts_applications",
                )
            },
        ),
        (_("Delivery"), {"fields": ("delivery_mode", "lms_course_id")}),
        (_("Record"), {"fields": ("created_at", "modified_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # Enrollments copy the cohort's track and were checked against its sending college when they were made:
        # once there are any, changing either would silently break those rules.
        if obj is not None and obj.enrollments.exists():
            readonly += ("track", "partner")
        return readonly

    def get_inlines(self, request, obj):
        return (CohortEnrollmentInline,) if obj is not None else ()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_enrollment_count=Count("enrollments"))

    @admin.display(description=_("enrollments"), ordering="_enrollment_count")
    def enrollment_count(self, cohort: "WithAnnotations[Cohort, EnrollmentCount]") -> int:
        return cohort._enrollment_count


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raw data: the office assigns teachers on the people pages (audited)."""

    list_display = ("teacher", "cohort", "module")
    list_select_related = ("teacher", "cohort", "module")
    search_fields = ("teacher__username", "teacher__email", "cohort__code", "module__code")
