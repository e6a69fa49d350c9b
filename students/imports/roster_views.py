"""Staff pages of the roster import: upload → preview (every error by row and column) → confirm; the templates.

The uploaded file is kept between preview and confirm in private storage (``imports/tmp/<uuid>``: ``MEDIA_ROOT``
has no URL route), named only in the uploader's session, and parsed again on confirm: the preview page's rendered
data is never trusted. It is removed after the import, and files left by abandoned previews are removed after a day.

The partner portal offers the same import to a college's coordinators (``mobility.partner_portal.nominations``)
with these functions (``roster_upload_store``, ``roster_upload_entry``, ``roster_upload_preview``…) and the same
preview template, limited to the cohorts the coordinator may import into (``cohorts=``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
from typing import TYPE_CHECKING, cast

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort
from programs.selectors import cohorts_open_for_applications

from ..forms import CohortChoiceField
from .base import MAX_BYTES, ImportFileError, read_table
from .roster import RosterPreview, RosterRefused, apply_roster, parse_roster, template_example, template_headers

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

TMP_DIR = "imports/tmp"
SESSION_KEY = "roster_imports"
STALE_AFTER = datetime.timedelta(days=1)
PERMISSIONS = ("students.add_student", "students.change_student", "students.add_enrollment")
# Rows shown in the preview besides every row with an error: a page of 17,000 rows helps nobody.
PREVIEW_ROWS = 500


class RosterUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy("XLSX or CSV, at most 10 MB; the first row holds the column names."),
    )
    cohort = CohortChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cohort.objects.none(),
        empty_label=gettext_lazy("Choose a cohort"),
        help_text=gettext_lazy("Every student of the file applies to this cohort (cohorts accepting applications)."),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("CSV encoding"),
        choices=[
            ("auto", gettext_lazy("Detect (UTF-8, else GB18030)")),
            ("utf-8", "UTF-8"),
            ("gb18030", "GB18030 / GBK"),
        ],
        initial="auto",
        help_text=gettext_lazy("Only for CSV files; XLSX files carry their own."),
    )

    def __init__(self, *args, cohorts=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only cohorts open today (switch on, deadline not past): a closed one would refuse every row. ``cohorts``
        # narrows them further (a coordinator: their college's cohorts).
        self.fields["cohort"].queryset = cohorts if cohorts is not None else cohorts_open_for_applications()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before reading it into memory
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, code="too_big"
            )
        return upload


def roster_upload_entry(request, token: str) -> dict:
    """The session's record of a stored upload (path, name, cohort, encoding), or 404."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if re.fullmatch(r"[0-9a-f]{32}", token) else None
    if entry is None:
        raise Http404(_("This upload is no longer available; upload the file again."))
    return entry


def roster_upload_forget(request, token: str) -> None:
    """Remove a stored upload and its record in the session."""
    entry = request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
    if entry:
        default_storage.delete(entry["path"])


def _remove_stale_uploads() -> None:
    try:
        _dirs, names = default_storage.listdir(TMP_DIR)
    except FileNotFoundError:
        return
    limit = timezone.now() - STALE_AFTER
    for name in names:
        path = f"{TMP_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except FileNotFoundError:
            continue


def roster_upload_store(request, form: RosterUploadForm) -> str | None:
    """Keep a valid form's readable file in private storage, named in the session: its token, or None with the
    file's refusal added to the form."""
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        read_table(data, encoding=form.cleaned_data["encoding"])  # refuse a bad file here, next to the field
    except ImportFileError as exc:
        form.add_domain_error(exc)
        return None
    _remove_stale_uploads()
    token = uuid.uuid4().hex
    path = default_storage.save(f"{TMP_DIR}/{token}", ContentFile(data))
    request.session.setdefault(SESSION_KEY, {})[token] = {
        "path": path,
        "name": upload.name[:200],
        "cohort": form.cleaned_data["cohort"].pk,
        "encoding": form.cleaned_data["encoding"],
    }
    request.session.modified = True
    return token


def roster_upload_preview(request, entry: dict, *, cohorts=None) -> tuple[RosterPreview | None, str]:
    """Parse the stored file again: ``(preview, "")`` or ``(None, the file's refusal)``. ``cohorts`` (a queryset)
    is where the upload's cohort is looked up: a cohort outside it "no longer exists" for this uploader."""
    cohorts = Cohort.objects.all() if cohorts is None else cohorts
    cohort = cohorts.select_related("track", "partner", "agreement").filter(pk=entry["cohort"]).first()
    if cohort is None:
        return None, _("The cohort of this import no longer exists.")
    try:
        with default_storage.open(entry["path"], "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None, _("This upload is no longer available; upload the file again.")
    try:
        table = read_table(data, encoding=entry["encoding"])
    except ImportFileError as exc:
        return None, exc.message
    return parse_roster(table, cohort=cohort, viewer=request.user), ""


def roster_preview_context(preview: RosterPreview, entry: dict, token: str) -> dict:
    shown = [row for index, row in enumerate(preview.rows) if row.errors or index < PREVIEW_ROWS]
    return {
        "preview": preview,
        "entry": entry,
        "token": token,
        "rows": shown,
        "hidden_rows": len(preview.rows) - len(shown),
        "counts": preview.counts,
    }


def roster_imported_message(preview: RosterPreview, result) -> str:
    return _(
        "Roster imported into %(cohort)s: %(created)d students created, %(updated)d updated, "
        "%(applications)d new applications."
    ) % {
        "cohort": preview.cohort.code,  # type: ignore[union-attr]  # an applied preview has its cohort
        "created": result.created,
        "updated": result.updated,
        "applications": result.applications,
    }


class RosterImportView(StaffRequiredMixin, View):
    """The upload form; a readable file goes to private storage and on to its preview."""

    permission_required = PERMISSIONS
    template_name = "students/imports/roster_upload.html"

    def get(self, request):
        form = RosterUploadForm(initial={"cohort": request.GET.get("cohort") or None})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = RosterUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        token = roster_upload_store(request, form)
        if token is None:
            return render(request, self.template_name, {"form": form}, status=400)
        return redirect("students:roster-preview", token=token)


class RosterPreviewView(StaffRequiredMixin, View):
    """GET: the preview of a stored upload. POST: confirm — parse again and, without errors, import it all."""

    permission_required = PERMISSIONS
    template_name = "students/imports/roster_preview.html"

    def get(self, request, token):
        entry = roster_upload_entry(request, token)
        preview, refusal = roster_upload_preview(request, entry)
        if preview is None:
            roster_upload_forget(request, token)
            messages.error(request, refusal)
            return redirect("students:roster-import")
        return render(request, self.template_name, roster_preview_context(preview, entry, token))

    def post(self, request, token):
        entry = roster_upload_entry(request, token)
        preview, refusal = roster_upload_preview(request, entry)
        if preview is None:
            roster_upload_forget(request, token)
            messages.error(request, refusal)
            return redirect("students:roster-import")
        try:
            result = apply_roster(preview, by=request.user)
        except RosterRefused as exc:
            context = {**roster_preview_context(preview, entry, token), "refusal": exc}
            return render(request, self.template_name, context, status=400)
        roster_upload_forget(request, token)
        messages.success(request, roster_imported_message(preview, result))
        try:
            return redirect(reverse("students:cohort-detail", args=[preview.cohort.pk]))
        except NoReverseMatch:
            return redirect("students:student-list")


class RosterTemplateView(StaffRequiredMixin, View):
    """An empty roster with the expected columns and one example row: ``?format=xlsx|csv`` (``&cohort=<id>``)."""

    permission_required = "students.add_student"

    def get(self, request):
        cohort_id = request.GET.get("cohort", "")
        cohorts = Cohort.objects.select_related("track", "partner")
        cohort = cohorts.filter(pk=cohort_id).first() if cohort_id.isdigit() else None
        return roster_template_response(request.GET.get("format", "xlsx"), cohort=cohort)


def roster_template_response(fmt: str, *, cohort: Cohort | None) -> HttpResponse:
    """An empty roster (``fmt`` xlsx or csv, else 404) with the expected columns and one example row."""
    if fmt not in ("xlsx", "csv"):
        raise Http404(_("Unknown format."))
    headers, example = template_headers(), template_example(cohort=cohort)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows([headers, example])
        # A BOM: spreadsheet programs then open the UTF-8 file with the Chinese and Cyrillic intact.
        response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = cast("Worksheet", workbook.active)
        sheet.title = "roster"
        sheet.append(headers)
        sheet.append(example)
        for cell in sheet[2]:
            cell.number_format = "@"  # text: ids and dates stay as written
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="roster-template.{fmt}"'
    return response
