"""Staff pages of the gradebook import of one cohort: upload → mapping (while items are unmapped) → preview with the
reconciliation report → confirm → result.

The uploaded file is kept between the steps in private storage (``imports/tmp/<uuid>``, never served), known to the
uploader's session only; every step re-reads and re-parses it, so the preview and the import see the same file and
the current database. It is deleted after the import or a cancel.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin, DateInput, bootstrap_class
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort

from .base import MAX_BYTES, ImportFileError, read_table
from .gradebook import (
    REAL,
    GradebookPreview,
    Status,
    gradebook_import,
    gradebook_mapping_save,
    max_needed_message,
    parse_gradebook,
    points_label,
    refused_item_message,
    suggest_module,
)

SESSION_KEY = "gradebook_uploads"
TMP_DIR = "imports/tmp"
NOT_A_MODULE = "none"


class UploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Gradebook export"),
        help_text=gettext_lazy("The CSV (or XLSX) the LMS gradebook exports, at most 10 MB."),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding of a CSV file"),
        choices=[
            ("auto", gettext_lazy("detect (UTF-8, else GB18030/GBK)")),
            ("utf-8", "UTF-8"),
            ("gb18030", "GB18030 / GBK"),
        ],
        initial="auto",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, code="too_big"
            )
        return upload


class MappingForm(BootstrapFormMixin, forms.Form):
    """One select per gradebook item of the file: a module of the cohort's track, or "not a module"; and for a Real
    (points) item, its maximum points (empty: not given, 100 assumed unless the grades look out of less)."""

    compact = True

    def __init__(self, *args, preview: GradebookPreview, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —")), (NOT_A_MODULE, _("not a module"))] + [
            (str(module.pk), f"{module.code} · {module.title()}") for module in preview.modules
        ]
        self.items = list(preview.items)
        self.suggested = set()
        for index, item in enumerate(self.items):
            if item in preview.mapping:
                module = preview.mapping[item]
                initial = str(module.pk) if module else NOT_A_MODULE
            else:
                module = suggest_module(item, preview.modules)
                initial = str(module.pk) if module else ""
                if module:
                    self.suggested.add(f"item_{index}")
            self.fields[f"item_{index}"] = forms.ChoiceField(label=item, choices=choices, initial=initial)
            if preview.kinds.get(item) == REAL:
                self.fields[f"max_{index}"] = max_points_field(item, preview)
        self.needed = {f"max_{self.items.index(name)}" for name in preview.max_needed}
        for select in self.fields.values():  # added after the mixin styled the (then empty) form
            select.widget.attrs["class"] = bootstrap_class(select.widget, compact=True)
        self.modules = {str(module.pk): module for module in preview.modules}

    def rows(self):
        """(module select, suggested?, maximum field or None, maximum asked?) per item."""
        return [
            (
                self[f"item_{index}"],
                f"item_{index}" in self.suggested,
                self[f"max_{index}"] if f"max_{index}" in self.fields else None,
                f"max_{index}" in self.needed,
            )
            for index in range(len(self.items))
        ]

    def mapping(self) -> dict:
        return {item: self.modules.get(self.cleaned_data[f"item_{index}"]) for index, item in enumerate(self.items)}

    def maxima(self) -> dict:
        """The maximum of every mapped Real item (None: not given)."""
        return {
            item: self.cleaned_data[f"max_{index}"]
            for index, item in enumerate(self.items)
            if f"max_{index}" in self.fields and self.modules.get(self.cleaned_data[f"item_{index}"]) is not None
        }


def upload_keep(request, form, data: bytes, *, session_key: str, **owner) -> str:
    """Keep a valid upload (``data``: the form's ``file``, read) for the next steps: stored under a fresh token,
    which the session maps to the file, its encoding and name and ``owner`` (whose upload it is: a cohort, an
    assignment); returns the token."""
    token = str(uuid.uuid4())
    path = default_storage.save(f"{TMP_DIR}/{token}", ContentFile(data))
    uploads = request.session.get(session_key, {})
    uploads[token] = {
        **owner,
        "path": path,
        "encoding": form.cleaned_data["encoding"],
        "name": form.cleaned_data["file"].name[:200],
    }
    request.session[session_key] = uploads
    return token


def max_points_field(item: str, preview: GradebookPreview) -> forms.DecimalField:
    best = preview.best.get(item)
    return forms.DecimalField(
        label=_("Maximum points of “%(item)s”") % {"item": item},
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(10000),
        max_digits=7,
        decimal_places=2,
        initial=preview.maxima.get(item),
        help_text=_("best grade in the file: %(best)s") % {"best": best} if best is not None else "",
        widget=forms.NumberInput(attrs={"placeholder": "100", "step": "any"}),
    )


class MaximaForm(BootstrapFormMixin, forms.Form):
    """The preview's maximum points of each mapped Real item (empty: not given, 100 assumed unless asked)."""

    compact = True

    def __init__(self, *args, preview: GradebookPreview, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {}
        for item, module in preview.mapped_items:
            if preview.kinds.get(item) == REAL:
                name = f"max_{preview.items.index(item)}"
                self.items[name] = (item, module)
                self.fields[name] = max_points_field(item, preview)
                self.fields[name].widget.attrs["class"] = bootstrap_class(self.fields[name].widget, compact=True)

    def rows(self):
        return [(self[name], item, module) for name, (item, module) in self.items.items()]

    def maxima(self) -> dict:
        return {item: self.cleaned_data[name] for name, (item, _module) in self.items.items()}


class ConfirmForm(BootstrapFormMixin, forms.Form):
    assessed_on = forms.DateField(
        label=gettext_lazy("Assessed on"),
        help_text=gettext_lazy("The date recorded with every new or corrected result."),
        widget=DateInput(),
    )


class GradebookStepMixin(StaffRequiredMixin):
    permission_required = ("students.add_moduleresult", "students.change_moduleresult")
    # Mixed into a View, which sets these.
    request: HttpRequest
    kwargs: dict[str, Any]

    def cohort(self) -> Cohort:
        try:
            return Cohort.objects.select_related("track").get(pk=self.kwargs["cohort_pk"])
        except Cohort.DoesNotExist:
            raise Http404(_("No such cohort.")) from None

    def upload(self, cohort: Cohort) -> dict | None:
        """The session's record of this upload, if it is this cohort's and its file is still stored."""
        entry = self.request.session.get(SESSION_KEY, {}).get(str(self.kwargs["upload"]))
        if not entry or entry["cohort"] != cohort.pk or not default_storage.exists(entry["path"]):
            return None
        return entry

    def expired(self, cohort: Cohort):
        messages.error(self.request, _("This upload is no longer available; upload the file again."))
        return redirect("students:gradebook-import", cohort_pk=cohort.pk)

    def table(self, entry: dict):
        with default_storage.open(entry["path"], "rb") as stored:
            data = stored.read()
        return read_table(data, encoding=entry["encoding"])

    def preview(self, cohort: Cohort, entry: dict) -> GradebookPreview:
        return parse_gradebook(self.table(entry), cohort=cohort)

    def forget(self, entry: dict) -> None:
        default_storage.delete(entry["path"])
        uploads = self.request.session.get(SESSION_KEY, {})
        uploads.pop(str(self.kwargs["upload"]), None)
        self.request.session[SESSION_KEY] = uploads


class GradebookUploadView(GradebookStepMixin, View):
    template_name = "students/imports/gradebook_upload.html"

    def get(self, request, cohort_pk):
        cohort = self.cohort()
        return render(request, self.template_name, {"cohort": cohort, "form": UploadForm()})

    def post(self, request, cohort_pk):
        cohort = self.cohort()
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            try:
                preview = parse_gradebook(read_table(data, encoding=form.cleaned_data["encoding"]), cohort=cohort)
            except ImportFileError as error:
                form.add_domain_error(error)
            else:
                token = upload_keep(request, form, data, session_key=SESSION_KEY, cohort=cohort.pk)
                step = "gradebook-mapping" if preview.unmapped_items or preview.max_needed else "gradebook-preview"
                return redirect(f"students:{step}", cohort_pk=cohort.pk, upload=token)
        return render(request, self.template_name, {"cohort": cohort, "form": form}, status=400)


class GradebookMappingView(GradebookStepMixin, View):
    template_name = "students/imports/gradebook_mapping.html"

    def get(self, request, cohort_pk, upload):
        cohort = self.cohort()
        entry = self.upload(cohort)
        if entry is None:
            return self.expired(cohort)
        preview = self.preview(cohort, entry)
        return self.page(cohort, entry, preview, MappingForm(preview=preview))

    def post(self, request, cohort_pk, upload):
        cohort = self.cohort()
        entry = self.upload(cohort)
        if entry is None:
            return self.expired(cohort)
        preview = self.preview(cohort, entry)
        form = MappingForm(request.POST, preview=preview)
        if form.is_valid():
            try:
                gradebook_mapping_save(cohort=cohort, by=request.user, mapping=form.mapping(), maxima=form.maxima())
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The mapping of the gradebook items is saved."))
                return redirect("students:gradebook-preview", cohort_pk=cohort.pk, upload=upload)
        return self.page(cohort, entry, preview, form, status=400)

    def page(self, cohort, entry, preview, form, status=200):
        context = {
            "cohort": cohort,
            "entry": entry,
            "preview": preview,
            "form": form,
            "refused": [refused_item_message(header) for header in preview.refused_items],
            "max_needed": max_needed_message(preview) if preview.max_needed else "",
        }
        return render(self.request, self.template_name, context, status=status)


class GradebookPreviewView(GradebookStepMixin, View):
    """GET: the reconciliation report and the errors; POST: confirm (import all, or nothing) or cancel."""

    template_name = "students/imports/gradebook_preview.html"

    def get(self, request, cohort_pk, upload):
        cohort = self.cohort()
        entry = self.upload(cohort)
        if entry is None:
            return self.expired(cohort)
        preview = self.preview(cohort, entry)
        if preview.unmapped_items or preview.max_needed:
            return redirect("students:gradebook-mapping", cohort_pk=cohort.pk, upload=upload)
        form = ConfirmForm(initial={"assessed_on": timezone.localdate()})
        return self.page(cohort, entry, preview, form)

    def post(self, request, cohort_pk, upload):
        cohort = self.cohort()
        entry = self.upload(cohort)
        if entry is None:
            return self.expired(cohort)
        if "cancel" in request.POST:
            self.forget(entry)
            messages.info(request, _("The gradebook import was cancelled; nothing was saved."))
            return redirect("students:cohort-detail", pk=cohort.pk)
        if "save_max" in request.POST:
            return self.save_maxima(cohort, entry, upload)
        form = ConfirmForm(request.POST)
        if form.is_valid():
            try:
                result = gradebook_import(
                    table=self.table(entry),
                    cohort=cohort,
                    by=request.user,
                    assessed_on=form.cleaned_data["assessed_on"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.forget(entry)
                context = {"cohort": cohort, "entry": entry, "outcome": result.outcome, "preview": result.preview}
                return render(request, "students/imports/gradebook_result.html", context)
        return self.page(cohort, entry, self.preview(cohort, entry), form, status=400)

    def save_maxima(self, cohort, entry, upload):
        preview = self.preview(cohort, entry)
        max_form = MaximaForm(self.request.POST, preview=preview)
        if max_form.is_valid():
            try:
                gradebook_mapping_save(cohort=cohort, by=self.request.user, mapping={}, maxima=max_form.maxima())
            except DomainError as error:
                max_form.add_error(None, error.message)
            else:
                messages.success(self.request, _("The maximum points are saved."))
                return redirect("students:gradebook-preview", cohort_pk=cohort.pk, upload=upload)
        form = ConfirmForm(initial={"assessed_on": timezone.localdate()})
        return self.page(cohort, entry, preview, form, status=400, max_form=max_form)

    def page(self, cohort, entry, preview, form, status=200, max_form=None):
        context = {
            "cohort": cohort,
            "entry": entry,
            "preview": preview,
            "form": form,
            "max_form": max_form or MaximaForm(preview=preview),
            "counts": preview.counts(),
            "mapped": [
                (item, module, points_label(preview.max_of(item)) if preview.max_of(item) is not None else "")
                for item, module in preview.mapped_items
            ],
            "Status": Status,
            "refused": [refused_item_message(header) for header in preview.refused_items],
            "mapping_url": reverse(
                "students:gradebook-mapping", kwargs={"cohort_pk": cohort.pk, "upload": self.kwargs["upload"]}
            ),
        }
        return render(self.request, self.template_name, context, status=status)
