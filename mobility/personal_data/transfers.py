"""The office-admin's page of the register of transfers of personal data (152-FZ, PIPL): every transfer, filtered by
direction, channel, partner college, days and student, and the filtered register as CSV or XLSX for the regulator.

Office-admin only (``students.view_sensitive``): the register says whose data went abroad, which is itself personal
data about them; the office gets 403 and no menu entry (docs/privacy.md#the-register-of-transfers)."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from mobility.foundation.forms import BootstrapFormMixin, DateInput
from mobility.foundation.tables import table_csv, table_xlsx
from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.selectors import transfer_list, transfer_subject_ids
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Institution
from students.consent.models import Category
from students.models import Student
from students.selectors import student_search

PAGE_SIZE = 50
EXPORT_CHUNK = 1000
NAME_MATCHES = 500  # students a name search looks for at most
PERMISSION = "students.view_sensitive"


class TransferFilterForm(BootstrapFormMixin, forms.Form):
    compact = True

    direction = forms.ChoiceField(label=gettext_lazy("Direction"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Partner college"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("code"),
        required=False,
        empty_label=gettext_lazy("all"),
    )
    student = forms.CharField(label=gettext_lazy("Student (id or name)"), required=False, max_length=100, strip=True)
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = [("", _("all")), *Transfer.Direction.choices]
        self.fields["channel"].choices = [("", _("all")), *Transfer.Channel.choices]
        self.fields["institution"].label_from_instance = lambda institution: institution.name()

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        filters = dict(self.cleaned_data)
        student = filters.pop("student", "")
        if student.isdigit():
            filters["student_ids"] = [int(student)]
        elif student:
            # By name, among the students still on record (an erased student is found by id only); the ids are read
            # first (one query): SQLite cannot nest the search's expression in the register's subquery.
            found = student_search(Student.objects.all(), student, diploma_numbers=False)
            filters["student_ids"] = list(found.values_list("pk", flat=True)[:NAME_MATCHES])
        return filters


def category_labels(codes: list[str]) -> list[str]:
    labels = dict(Category.choices)
    return [str(labels.get(code, code)) for code in codes]


def _row(transfer: Transfer) -> list:
    return [
        timezone.localtime(transfer.at),
        transfer.get_direction_display(),
        transfer.get_channel_display(),
        transfer.institution.name() if transfer.institution else "",
        ", ".join(category_labels(transfer.categories)),
        transfer.subject_count,
    ]


class TransferRegisterView(StaffRequiredMixin, View):
    permission_required = PERMISSION
    template_name = "mobility/transfer_register.html"

    def get(self, request):
        form = TransferFilterForm(request.GET)
        page = Paginator(transfer_list(filters=form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"transfer": transfer, "categories": category_labels(transfer.categories)} for transfer in page.object_list
        ]
        context = {"filter_form": form, "page_obj": page, "rows": rows, "query": request.GET.urlencode()}
        return render(request, self.template_name, context)


def _export_rows(transfers) -> Iterator[list]:
    chunk: list[Transfer] = []
    for transfer in transfers.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(transfer)
        if len(chunk) == EXPORT_CHUNK:
            yield from _chunk_rows(chunk)
            chunk = []
    yield from _chunk_rows(chunk)


def _chunk_rows(chunk: list[Transfer]) -> Iterator[list]:
    if not chunk:
        return
    subjects = transfer_subject_ids(chunk)
    for transfer in chunk:
        ids = " ".join(str(pk) for pk in subjects[transfer.pk])
        yield [*_row(transfer), ids, transfer.reference, transfer.actor_label, transfer.direction, transfer.channel]


class TransferExportView(StaffRequiredMixin, View):
    """The filtered register (every page) as CSV or XLSX, in the viewer's language and the site's zone; each row
    with the ids of the students whose data it carried."""

    permission_required = PERMISSION

    def get(self, request, fmt: str):
        transfers = transfer_list(filters=TransferFilterForm(request.GET).filters())
        header = [
            _("When"),
            _("Direction"),
            _("Channel"),
            _("Partner college"),
            _("Categories of data"),
            _("Data subjects"),
            _("Student ids"),
            _("Reference"),
            _("By"),
            _("Direction code"),
            _("Channel code"),
        ]
        stamp = timezone.localdate().strftime("%Y%m%d")
        response: HttpResponseBase
        if fmt == "csv":
            csv_rows = ([row[0].strftime("%Y-%m-%d %H:%M"), *row[1:]] for row in _export_rows(transfers))
            response = StreamingHttpResponse(table_csv(header, csv_rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                table_xlsx(_("Transfers"), header, _export_rows(transfers)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="transfers-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response
