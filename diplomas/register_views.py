"""The office's diploma register (search, filters, sort, pages, CSV/XLSX export) and a cohort's ZIP of issued PDFs
(request, progress polled by htmx, download).

Views stay thin: a form reads the query string, a selector reads, one service writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort

from . import exports, selectors
from .archives import services as archive_services
from .forms import DiplomaRegisterFilterForm
from .models import DiplomaArchive
from .views import HTMX_STOP_POLLING

# The register's columns whose header sorts: column → the sort its link sets first.
SORTABLE_COLUMNS = {"number": "number", "requested": "-requested", "issued": "-issued"}


def _register_form(request) -> DiplomaRegisterFilterForm:
    return DiplomaRegisterFilterForm(request.GET)


class DiplomaRegisterView(StaffRequiredMixin, View):
    permission_required = "diplomas.view_diploma"
    template_name = "diplomas/register.html"

    def get(self, request):
        form = _register_form(request)
        filters = form.filters()
        diplomas = selectors.diploma_register(viewer=request.user, filters=filters)
        page = Paginator(diplomas, form.page_size()).get_page(request.GET.get("page"))
        sort = filters.get("sort") or selectors.DEFAULT_REGISTER_SORT
        next_sort = {}
        for column, first in SORTABLE_COLUMNS.items():
            # The current sort's column flips it; another column starts with its own first direction.
            next_sort[column] = (
                (sort[1:] if sort.startswith("-") else f"-{sort}") if sort.lstrip("-") == column else first
            )
        context = {
            "form": form,
            "page_obj": page,
            "diplomas": page.object_list,
            "sort": sort,
            "next_sort": next_sort,
            "filtered": any(value not in (None, "") for key, value in filters.items() if key != "sort"),
        }
        return render(request, self.template_name, context)


class DiplomaRegisterExportView(StaffRequiredMixin, View):
    """The register with its search, filters and sort, as CSV or XLSX (every page, not only the shown one)."""

    permission_required = "diplomas.view_diploma"

    def get(self, request, fmt: str):
        filters = _register_form(request).filters()
        diplomas = selectors.diploma_register(viewer=request.user, filters=filters)
        stamp = timezone.localdate().strftime("%Y%m%d")
        response: HttpResponseBase
        if fmt == "csv":
            response = StreamingHttpResponse(exports.register_csv(diplomas), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                exports.register_xlsx(diplomas),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="diplomas-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


# --- a cohort's ZIP of issued PDFs ---------------------------------------------------------------------------------


class CohortArchiveRequestView(StaffRequiredMixin, View):
    permission_required = "diplomas.view_diploma"
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            cohort = Cohort.objects.get(pk=pk)
        except Cohort.DoesNotExist:
            raise Http404 from None
        try:
            archive_services.diploma_archive_request(cohort=cohort, requested_by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("students:cohort-detail", pk=pk)


class CohortArchiveProgressView(StaffRequiredMixin, View):
    """The partial of the cohort's latest archive (the button, the progress, the download); polled every 2 s by htmx
    while the archive is waiting or being built."""

    permission_required = "diplomas.view_diploma"

    def get(self, request, pk):
        archive = selectors.cohort_latest_archive(cohort_id=pk)
        response = render(request, "diplomas/_archive_progress.html", {"archive": archive, "cohort_id": pk})
        if archive is None or not archive.working or archive.stalled:
            response.status_code = HTMX_STOP_POLLING
        response["Cache-Control"] = "no-store"
        return response


class ArchiveDownloadView(StaffRequiredMixin, View):
    """A ready archive, as an attachment, never cached; 404 for any other."""

    permission_required = "diplomas.view_diploma"

    def get(self, request, pk):
        try:
            archive = selectors.archive_for_download(viewer=request.user, pk=pk)
            handle = archive.file.open("rb")
        except (DiplomaArchive.DoesNotExist, FileNotFoundError):
            raise Http404 from None
        stamp = timezone.localtime(archive.finished_at or archive.created_at).strftime("%Y%m%d")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{archive.cohort.code}-diplomas-{stamp}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
