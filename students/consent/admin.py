"""Admin (raw data) of consents: texts and decisions, read-only like the audit log. Texts are written and published
on the office-admin's pages (``/privacy/consents/``), decisions by the student, the college's attestation and the
staff form (``students.consent.services``); nothing here adds, changes or deletes them."""

from django.contrib import admin

from mobility.foundation.admin import ReadOnlyAdminMixin

from .models import Consent, ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("purpose", "version", "published_at", "created_at", "created_by")
    list_filter = ("purpose",)
    fields = (
        "purpose",
        "version",
        "title_ru",
        "title_en",
        "title_zh",
        "body_ru",
        "body_en",
        "body_zh",
        "recipient",
        "recipient_contact",
        "categories",
        "created_at",
        "created_by",
        "published_at",
    )
    readonly_fields = fields


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "student", "purpose", "decision", "given_by", "channel", "current")
    list_filter = ("purpose", "decision", "given_by", "channel", "current")
    list_select_related = ("student", "text")
    search_fields = ("student__home_student_id", "student__family_name_latin", "student__email")
    date_hierarchy = "at"
    fields = (
        "student",
        "purpose",
        "text",
        "decision",
        "given_by",
        "channel",
        "language",
        "text_sha256",
        "at",
        "collected_on",
        "ip",
        "actor",
        "actor_label",
        "current",
    )
    readonly_fields = fields
