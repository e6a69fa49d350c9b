"""Raw, read-only views of messages to students and saved filters: they are written on the staff pages, through
``students.messaging.services`` (audited)."""

from django.contrib import admin

from mobility.foundation.admin import ReadOnlyAdminMixin, ReadOnlyInline

from ..models import Message, MessageRecipient, SavedFilter

STUDENT_SEARCH = ("student__family_name_latin", "student__given_name_latin", "student__home_student_id", "email")


@admin.register(SavedFilter)
class SavedFilterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "params", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("name",)
    readonly_fields = ("name", "params", "created_by", "created_at", "modified_at")


class MessageRecipientInline(ReadOnlyInline):
    model = MessageRecipient
    fields = ("message", "student", "language", "email", "email_status", "emailed_at", "attempts", "error", "read_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "audience", "audience_name", "sent_by", "sent_at")
    list_filter = ("audience",)
    list_select_related = ("sent_by",)
    search_fields = ("subject_ru", "subject_en", "subject_zh", "audience_name")
    date_hierarchy = "sent_at"
    inlines = [MessageRecipientInline]
    exclude = ("token",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Message._meta.fields if field.name != "token"]


@admin.register(MessageRecipient)
class MessageRecipientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("message", "student", "language", "email_status", "emailed_at", "read_at")
    list_filter = ("email_status", "language")
    list_select_related = ("message", "student")
    search_fields = STUDENT_SEARCH
    readonly_fields = MessageRecipientInline.fields
