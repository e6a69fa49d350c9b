"""The audit log for office-admin: every entry as a sentence, with filters (who, what, when, which object) and the
filtered list as CSV or XLSX. The office reads each object's history on its own page; the whole log is
``mobility.browse_auditentry``'s (office-admin)."""

from __future__ import annotations

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from mobility import selectors
from mobility.audit_labels import action_label
from mobility.foundation.access import can_view_sensitive
from mobility.foundation.audit_sentences import actor_name, audit_actions_described, audit_sentence
from mobility.foundation.forms import BootstrapFormMixin, DateInput
from mobility.foundation.tables import table_csv, table_xlsx
from mobility.foundation.views import StaffRequiredMixin

PAGE_SIZE = 50
EXPORT_CHUNK = 1000
PERMISSION = "mobility.browse_auditentry"


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    compact = True

    who = forms.CharField(label=gettext_lazy("Who"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    content_type: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Object type"), queryset=None, required=False, empty_label=gettext_lazy("all")
    )
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)
    q = forms.CharField(label=gettext_lazy("Object or reason contains"), required=False, max_length=100)
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = sorted(((action_label(a), a) for a in audit_actions_described()), key=lambda pair: str(pair[0]))
        self.fields["action"].choices = [("", _("all")), *((action, label) for label, action in actions)]
        self.fields["content_type"].queryset = selectors.audit_object_types()
        self.fields["content_type"].label_from_instance = _type_label

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


def _type_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else content_type.model


def audit_rows(entries, *, sensitive: bool):
    """Each entry with its sentence; the export's rows read them in chunks."""
    for entry in entries:
        yield entry, audit_sentence(entry, sensitive=sensitive)


class AuditLogView(StaffRequiredMixin, View):
    permission_required = PERMISSION
    template_name = "mobility/audit_log.html"

    def get(self, request):
        form = AuditFilterForm(request.GET)
        filters = form.filters()
        page = Paginator(selectors.audit_entry_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
        sensitive = can_view_sensitive(request.user)
        context = {
            "filter_form": form,
            "page_obj": page,
            "rows": [
                {"entry": entry, "sentence": sentence, "type": _type_label(entry.content_type)}
                for entry, sentence in audit_rows(page.object_list, sensitive=sensitive)
            ],
            "query": request.GET.urlencode(),
        }
        return render(request, self.template_name, context)


class AuditExportView(StaffRequiredMixin, View):
    """The filtered log (every page) as CSV or XLSX, in the viewer's language and the site's zone."""

    permission_required = PERMISSION

    def get(self, request, fmt: str):
        entries = selectors.audit_entry_list(filters=AuditFilterForm(request.GET).filters())
        sensitive = can_view_sensitive(request.user)
        header = [_("When"), _("Who"), _("What"), _("Object type"), _("Object id"), _("Reason"), _("Action")]
        rows = (
            [
                timezone.localtime(entry.at),
                actor_name(entry),
                sentence,
                _type_label(entry.content_type),
                entry.object_id,
                entry.reason,
                entry.action,
            ]
            for entry, sentence in audit_rows(entries.iterator(chunk_size=EXPORT_CHUNK), sensitive=sensitive)
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        response: HttpResponseBase
        if fmt == "csv":
            csv_rows = ([row[0].strftime("%Y-%m-%d %H:%M"), *row[1:]] for row in rows)
            response = StreamingHttpResponse(table_csv(header, csv_rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                table_xlsx(_("Audit log"), header, rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response
