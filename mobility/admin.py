"""The admin site: its titles, and the admin of the foundation's models (the audit log, partners' API keys, idempotency
records, the outbox, webhooks, staff notifications). The helpers the apps' admins share are in
``mobility.foundation.admin``.

The Django admin is the raw-data view for staff; it is not the staff UI. Whatever the domain writes through a
service (enrollment status, module results) is written here through the same service, never by a plain ``save()``.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from mobility.foundation.admin import ReadOnlyAdminMixin
from mobility.foundation.models import (
    AuditEntry,
    IdempotencyRecord,
    OutboxMessage,
    PartnerAPIKey,
    WebhookDelivery,
    WebhookEndpoint,
)
from mobility.foundation.notifications.models import StaffDigest, StaffNotification, StaffNotificationPreference
from mobility.foundation.people.models import Membership
from mobility.foundation.transfers.models import Transfer, TransferSubject
from mobility.foundation.two_factor.models import TwoFactorPolicy
from mobility.foundation.two_factor.services import two_factor_reset

admin.site.site_header = _("Mobility office — MSTU STANKIN")
admin.site.site_title = _("Mobility office — MSTU STANKIN")
admin.site.index_title = _("Raw data")

# The library registers its generic key model; partners' systems authenticate only with PartnerAPIKey (a key tied
# to an institution and scopes), so a generic key made here would be a key that works nowhere.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


# --- the audit log ----------------------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "content_type", "object_link", "reason_short")
    list_filter = ("action", "content_type", "at")
    search_fields = ("object_repr", "actor_label")
    list_select_related = ("content_type",)
    date_hierarchy = "at"
    fields = (
        "at",
        "actor",
        "actor_label",
        "action",
        "content_type",
        "object_id",
        "object_link",
        "changes_table",
        "reason",
    )
    readonly_fields = fields
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("content_type", "actor")

    @admin.display(description=_("object"), ordering="object_repr")
    def object_link(self, entry: AuditEntry):
        model = entry.content_type.model_class()
        url = None
        if model is not None and admin.site.is_registered(model):
            opts = model._meta
            try:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.object_id])
            except NoReverseMatch:
                url = None
        if url is None:
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @admin.display(description=_("reason"))
    def reason_short(self, entry: AuditEntry) -> str:
        return entry.reason if len(entry.reason) <= 80 else f"{entry.reason[:79]}…"

    @admin.display(description=_("changes"))
    def changes_table(self, entry: AuditEntry):
        if not entry.changes:
            return "-"
        rows = []
        for field, pair in entry.changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            rows.append((field, json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False)))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"),
            _("before"),
            _("after"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


# --- partners' API keys -----------------------------------------------------------------------------------------


class PartnerAPIKeyForm(forms.ModelForm):
    scopes = forms.TypedMultipleChoiceField(
        label=_("scopes"),
        choices=PartnerAPIKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the partner's system may do with this key."),
    )

    class Meta:
        model = PartnerAPIKey
        fields = ("name", "institution", "scopes", "expiry_date", "revoked")


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    """The key itself is shown once, in a message after creation (the base class); only its hash is stored."""

    form = PartnerAPIKeyForm
    # djangorestframework-api-key's admin has fixed-length tuples here, which its inferred types make the only length.
    list_display = (  # type: ignore[assignment]
        "prefix",
        "name",
        "institution",
        "scopes_display",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
        "last_used_at",
    )
    list_filter = ("institution", "revoked", "created", "expiry_date")  # type: ignore[assignment]
    search_fields = ("name", "prefix", "institution__code", "institution__name_en", "institution__short_name")  # type: ignore[assignment]
    list_select_related = ("institution",)
    fields = (
        "name",
        "institution",
        "scopes",
        "expiry_date",
        "revoked",
        "prefix",
        "created",
        "last_used_at",
        "created_by",
    )

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "created", "last_used_at", "created_by")

    @admin.display(description=_("scopes"))
    def scopes_display(self, key: PartnerAPIKey) -> str:
        return ", ".join(key.scopes)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Responses to API writes remembered under their ``Idempotency-Key`` (mobility.foundation.idempotency.idempotent);
    read-only."""

    list_display = ("created_at", "owner", "key", "method", "path", "status_code")
    list_filter = ("method", "status_code")
    search_fields = ("owner", "key", "path")
    date_hierarchy = "created_at"
    fields = ("created_at", "owner", "key", "method", "path", "request_hash", "status_code", "response_body")
    readonly_fields = fields


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tasks waiting for the broker (mobility.foundation.outbox, decision 0017); read-only: the relay sends and deletes
    them."""

    list_display = ("created_at", "task", "attempts", "last_error")
    list_filter = ("task",)
    date_hierarchy = "created_at"
    fields = ("task", "args", "options", "created_at", "attempts", "last_error")
    readonly_fields = fields


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Partners' webhook endpoints; read-only (written by mobility.foundation.webhooks.services, audited), secret left
    out."""

    list_display = ("institution", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "institution__code")
    list_select_related = ("institution",)
    fields = ("institution", "url", "events", "description", "is_active", "created_at", "modified_at")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Webhook deliveries and their last attempt; read-only (staff replay on the institution's webhooks page)."""

    list_display = ("created_at", "event", "endpoint", "status", "attempts", "response_code")
    list_filter = ("status", "event")
    list_select_related = ("endpoint__institution",)
    date_hierarchy = "created_at"
    fields = (
        "endpoint",
        "event",
        "event_id",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "response_body",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload",
    )
    readonly_fields = fields


# --- staff notifications (mobility.foundation.notifications) -------------------------------------------------------


@admin.register(StaffNotification)
class StaffNotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff notifications; read-only (raised by the apps' services and nightly checks, read on /notifications/)."""

    list_display = ("created_at", "recipient", "kind", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "kind")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    fields = (
        "recipient",
        "kind",
        "params",
        "link_name",
        "link_args",
        "link_suffix",
        "content_type",
        "object_id",
        "dedupe_key",
        "created_at",
        "read_at",
    )
    readonly_fields = fields


@admin.register(StaffNotificationPreference)
class StaffNotificationPreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each staff user's notification settings; read-only (the user's own settings page writes them)."""

    list_display = ("user", "digest", "language")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "muted_kinds", "digest", "language")
    readonly_fields = fields


@admin.register(StaffDigest)
class StaffDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The daily digests sent (one per user and day); read-only."""

    list_display = ("day", "user", "count", "sent_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "day"
    fields = ("user", "day", "until", "count", "sent_at")
    readonly_fields = fields


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raw data: the office invites, deactivates and assigns the partnership's people on its own pages (audited)."""

    list_display = ("full_name", "role", "institution", "user", "language", "invited_at")
    list_filter = ("role",)
    list_select_related = ("institution", "user")
    search_fields = ("full_name", "user__username", "user__email", "institution__code", "institution__name_en")


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raw data: the office-admin sets the policy on its page (Administration → Two-factor sign-in), audited."""

    list_display = ("require_office_staff", "require_coordinators", "modified_at")


# --- users: the office-admin resets a person's two-factor sign-in (a lost phone), audited as on the staff page ------
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    actions = ["two_factor_reset"]

    @admin.action(description=_("Reset two-factor sign-in (a lost phone)"), permissions=["reset_two_factor"])
    def two_factor_reset(self, request, queryset):
        done = sum(two_factor_reset(user=user, by=request.user, reason="admin") for user in queryset)
        self.message_user(request, _("Two-factor sign-in reset for %(n)d people.") % {"n": done}, messages.SUCCESS)

    def has_reset_two_factor_permission(self, request):
        return request.user.has_perm("mobility.reset_two_factor")


class TransferSubjectInline(admin.TabularInline):
    model = TransferSubject
    fields = ("student_id",)
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The register of cross-border transfers (mobility.foundation.transfers, docs/privacy.md); read-only: written
    by ``transfer_record`` alone, read and exported on the office's page /privacy/transfers/."""

    list_display = ("at", "direction", "channel", "institution", "subject_count", "reference")
    list_filter = ("direction", "channel")
    list_select_related = ("institution",)
    date_hierarchy = "at"
    fields = ("at", "direction", "channel", "institution", "categories", "subject_count", "reference", "actor_label")
    readonly_fields = fields
    inlines = [TransferSubjectInline]


@admin.register(TransferSubject)
class TransferSubjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A student whose data a transfer carried, by id; read-only."""

    list_display = ("transfer", "student_id")
    search_fields = ("=student_id",)
    fields = ("transfer", "student_id")
    readonly_fields = fields
