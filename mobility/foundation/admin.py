"""What the apps' admins share: read-only tables and inlines, a service's refusal shown on the admin's form, a link to
an object's audit entries."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from mobility.foundation.exceptions import DomainError


def audit_log_link(obj: Model | None):
    """A link to the audit entries of one object (used as a read-only field on change pages)."""
    if obj is None or obj.pk is None:
        return "-"
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    query = urlencode({"content_type__id__exact": str(content_type.pk), "object_id": str(obj.pk)})
    url = f"{reverse('admin:mobility_auditentry_changelist')}?{query}"
    return format_html('<a href="{}">{}</a>', url, _("Audit log of this object"))


class ReadOnlyAdminMixin:
    """Nothing can be added, changed or deleted, by anyone (superusers included); viewing needs the view permission."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A table of related rows, each with a link to its own page; they are changed there, not here."""

    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Subclasses list their columns in ``fields``; all of them are shown read-only.
        return self.fields


class ServiceFormMixin:
    """Lets ``save_model`` call a service and turns the service's refusal into an error on the form.

    ``save_model`` runs inside the admin's transaction after the form has been validated, so it cannot add a form
    error itself. When the service raises ``DomainError``, that transaction is rolled back and the same view runs
    again with the error attached to the form (on ``error.field`` when the form has it): the form is then invalid,
    nothing is saved twice, and the user sees the message next to what they typed. The rules stay in the service.
    """

    _service_error_attr = "_admin_service_error"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            if getattr(request, self._service_error_attr, None) is not None:
                raise
            setattr(request, self._service_error_attr, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, self._service_error_attr, None)
        if error is None or request.method != "POST":
            return form_class

        class FormWithServiceError(form_class):
            def clean(self):
                cleaned_data = super().clean()
                self.add_error(error.field if error.field in self.fields else None, error.message)
                return cleaned_data

        FormWithServiceError.__name__ = form_class.__name__
        return FormWithServiceError
