"""Raw, read-only views of the partner colleges' threads with the office: written on the portal's and the office's
pages, through ``students.threads.services`` (audited)."""

from django.contrib import admin

from mobility.foundation.admin import ReadOnlyAdminMixin, ReadOnlyInline

from .models import Thread, ThreadPost


class ThreadPostInline(ReadOnlyInline):
    model = ThreadPost
    fields = ("created_at", "author_name", "from_office", "body", "office_read_at", "partner_read_at")
    readonly_fields = fields
    extra = 0


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("institution", "student", "last_post_at", "created_at")
    list_select_related = ("institution", "student")
    list_filter = ("institution",)
    readonly_fields = ("institution", "student", "last_post_at", "created_at")
    inlines = [ThreadPostInline]


@admin.register(ThreadPost)
class ThreadPostAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("thread", "author_name", "from_office", "created_at", "office_read_at", "partner_read_at")
    list_select_related = ("thread__institution", "thread__student")
    readonly_fields = (
        "thread", "author", "author_name", "from_office", "body", "created_at", "office_read_at", "partner_read_at",
    )  # fmt: skip
