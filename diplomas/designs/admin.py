"""Admin (raw data) of designs and signatories, read-only: they are written on the office-admin's pages
(``/administration/designs/``) through ``diplomas.designs.services``; an issued diploma points at its design, so
none is ever deleted here. Imported by diplomas/admin.py."""

from django.contrib import admin

from mobility.foundation.admin import ReadOnlyAdminMixin

from .models import DocumentDesign, Signatory


@admin.register(DocumentDesign)
class DocumentDesignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "version", "published_at", "published_by", "created_at", "created_by")
    list_filter = ("kind",)


@admin.register(Signatory)
class SignatoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "name_latin",
        "name_cyrillic",
        "valid_from",
        "valid_until",
        "order",
        "signs_diploma",
        "signs_papers",
    )
    search_fields = ("name_latin", "name_cyrillic", "name_han")
