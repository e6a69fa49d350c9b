"""A teacher imports their module's column of the cohort's LMS gradebook: upload → pick the column (the one the
cohort's mapping already gives the module, or another) → preview → import, all or nothing.

The office's import (``students.imports.gradebook``) restricted to the assignment's module (``modules=[module]``):
only that module's scores of the cohort's enrolled students are read and written, through ``results_record_bulk``
as the office's import, audited as the teacher. The column picked is saved as the cohort's mapping of the module
(``gradebook_mapping_save``, in the import's transaction); a column the cohort maps to another module cannot be
picked. The file waits between the steps in private storage, known to the uploader's session only, as the office's.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin, DateInput
from programs.models import Module, TeachingAssignment

from ..imports.base import ImportFileError, read_table
from ..imports.gradebook import REAL, GradebookPreview, Status, gradebook_import, parse_gradebook, suggest_module
from ..imports.gradebook_views import UploadForm, upload_keep
from ..models import GradebookMapping
from .views import TeachingView

SESSION_KEY = "teaching_gradebook_uploads"


class ColumnForm(BootstrapFormMixin, forms.Form):
    """The file's column of the module (among the items the cohort does not map to another module), its maximum
    points when it holds points, and the date recorded with the results."""

    compact = True
    item = forms.ChoiceField(label=gettext_lazy("Gradebook column"))
    max_points = forms.DecimalField(
        label=gettext_lazy("Maximum points"),
        help_text=gettext_lazy("For a column of points (“Real”): the item's maximum in the LMS. Empty: 100."),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(10000),
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"placeholder": "100", "step": "any"}),
    )
    assessed_on = forms.DateField(
        label=gettext_lazy("Assessed on"),
        help_text=gettext_lazy("The date recorded with every new or corrected result."),
        widget=DateInput(),
    )

    def __init__(self, *args, items: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item, item) for item in items]  # type: ignore[attr-defined]


def column_choices(table, assignment: TeachingAssignment) -> tuple[list[str], str, list[str]]:
    """The file's items the teacher may pick, the one to offer first (the cohort's saved item of the module, else
    the one whose name names the module) and the items the cohort now maps to the module."""
    preview = parse_gradebook(table, cohort=assignment.cohort, modules=[assignment.module])
    saved = dict(GradebookMapping.objects.filter(cohort_id=assignment.cohort_id).values_list("item_name", "module_id"))
    mine = [item for item, module_id in saved.items() if module_id == assignment.module_id]
    items = [item for item in preview.items if saved.get(item) in (None, assignment.module_id)]
    first = next((item for item in items if item in mine), "")
    if not first:
        first = next((item for item in items if suggest_module(item, [assignment.module])), items[0] if items else "")
    return items, first, mine


def column_mapping(item: str, module: Module, mine: list[str]) -> dict[str, Module | None]:
    """The picked column for the module; a column the cohort mapped to it before is then not a module."""
    return {item: module} | {other: None for other in mine if other != item}


class GradebookUploadView(TeachingView):
    template_name = "teaching/gradebook_upload.html"
    section = "home"

    def get(self, request, pk):
        assignment = self.assignment(request, pk)
        return self.render(request, {"assignment": assignment, "form": UploadForm()})

    def post(self, request, pk):
        assignment = self.assignment(request, pk)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                table = read_table(data, encoding=form.cleaned_data["encoding"])
                items, _first, _mine = column_choices(table, assignment)
                if not items:
                    raise ImportFileError(_("The file has no column of scores this module could be read from."))
            except ImportFileError as error:
                form.add_domain_error(error)
            else:
                token = upload_keep(request, form, data, session_key=SESSION_KEY, assignment=assignment.pk)
                return redirect("teaching:gradebook-preview", pk=assignment.pk, upload=token)
        return self.render(request, {"assignment": assignment, "form": form}, status=400)


class GradebookPreviewView(TeachingView):
    """GET: the column form (``?item=…&max_points=…``) and the reconciliation of that column; POST: import it (all
    or nothing) or cancel."""

    template_name = "teaching/gradebook_preview.html"
    section = "home"

    def upload(self, request, assignment) -> dict | None:
        entry = request.session.get(SESSION_KEY, {}).get(str(self.kwargs["upload"]))
        if not entry or entry["assignment"] != assignment.pk or not default_storage.exists(entry["path"]):
            return None
        return entry

    def table(self, entry: dict):
        with default_storage.open(entry["path"], "rb") as stored:
            return read_table(stored.read(), encoding=entry["encoding"])

    def forget(self, request, entry: dict) -> None:
        default_storage.delete(entry["path"])
        uploads = request.session.get(SESSION_KEY, {})
        uploads.pop(str(self.kwargs["upload"]), None)
        request.session[SESSION_KEY] = uploads

    def expired(self, request, assignment):
        messages.error(request, _("This upload is no longer available; upload the file again."))
        return redirect("teaching:gradebook", pk=assignment.pk)

    def get(self, request, pk, upload):
        assignment = self.assignment(request, pk)
        entry = self.upload(request, assignment)
        if entry is None:
            return self.expired(request, assignment)
        table = self.table(entry)
        items, first, mine = column_choices(table, assignment)
        data = {"item": request.GET.get("item", first), "max_points": request.GET.get("max_points", "")}
        form = ColumnForm(data | {"assessed_on": timezone.localdate()}, items=items)
        return self.page(request, assignment, entry, table, form, mine)

    def post(self, request, pk, upload):
        assignment = self.assignment(request, pk)
        entry = self.upload(request, assignment)
        if entry is None:
            return self.expired(request, assignment)
        if "cancel" in request.POST:
            self.forget(request, entry)
            messages.info(request, _("The gradebook import was cancelled; nothing was saved."))
            return redirect("teaching:grid", pk=assignment.pk)
        table = self.table(entry)
        items, _first, mine = column_choices(table, assignment)
        form = ColumnForm(request.POST, items=items)
        if form.is_valid():
            item, maximum = form.cleaned_data["item"], form.cleaned_data["max_points"]
            try:
                result = gradebook_import(
                    table=table,
                    cohort=assignment.cohort,
                    by=request.user,
                    assessed_on=form.cleaned_data["assessed_on"],
                    mapping=column_mapping(item, assignment.module, mine),
                    maxima={item: maximum} if maximum is not None else None,
                    modules=[assignment.module],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.forget(request, entry)
                context = {"assignment": assignment, "entry": entry, "outcome": result.outcome}
                context["preview"] = result.preview
                return self.render(request, context, template_name="teaching/gradebook_result.html")
        return self.page(request, assignment, entry, table, form, mine, status=400)

    def page(self, request, assignment, entry, table, form, mine, status=200):
        preview: GradebookPreview | None = None
        if form.is_valid() or "item" not in form.errors:
            item = form.data.get("item")
            maximum = form.cleaned_data.get("max_points") if hasattr(form, "cleaned_data") else None
            preview = parse_gradebook(
                table,
                cohort=assignment.cohort,
                mapping=column_mapping(item, assignment.module, mine),
                maxima={item: maximum} if maximum is not None else None,
                modules=[assignment.module],
            )
        context = {
            "assignment": assignment,
            "entry": entry,
            "form": form,
            "preview": preview,
            "counts": preview.counts()
            if preview
            else dict.fromkeys(Status.WRITTEN + (Status.UNCHANGED, Status.KEPT), 0),
            "real": bool(preview) and preview.kinds.get(form.data.get("item")) == REAL,
            "Status": Status,
        }
        return self.render(request, context, status=status)
