"""The reports' pages: the office head's report (figures, charts, XLSX) and the list of enrollments behind a figure.

Open to all office staff: the figures are counts the dashboard already shows in part, and the list behind them
shows what the students list shows (names, cohort, status), through the same viewer rule."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.pagination import list_page
from mobility.foundation.views import StaffRequiredMixin, url_with_id

from .cache import cached_report_data
from .enrollments import enrollment_list, enrollment_list_count
from .figures import Period, Report, ReportRow
from .forms import PER_PAGE, EnrollmentFilterForm, PeriodForm
from .tables import FIGURE_COLUMNS, quota_cells, report_xlsx

PERMISSION = "students.view_student"
OUTCOMES = (  # the stacked bars of the chart "outcomes by intake year": (ReportRow attribute, colour)
    ("completed", "#3c8d5a"),
    ("in_progress", "#5b9bd5"),
    ("failed", "#c0392b"),
    ("withdrawn", "#d9822b"),
    ("rejected", "#7f8c8d"),
)
# Each figure's filters of the list of enrollments it counts, as a query string.
DRILL_QUERIES = {column.key: urlencode(column.drill) for column in FIGURE_COLUMNS if column.drill is not None}


def _period_query(period: Period) -> dict[str, str]:
    return {
        name: value.isoformat() for name, value in (("start", period.start), ("end", period.end)) if value is not None
    }


def _cell_html(key: str, value, kind: str, url: str | None) -> SafeString:
    """A figure's ``<td>``: what the report's template wrote per cell, written here once per cell (518 cells at
    36 rows: the template's per-cell tags cost as much as the rest of the page). The value is localised and escaped
    as ``{{ value }}`` is (an integer without thousands separators is its digits), rates and days through the same
    ``floatformat``; ``escape`` is Django's ``escape`` for text."""
    if value is None:
        shown = "—"
    elif kind == "rate":
        shown = f"{floatformat(value, 1)} %"
    elif kind == "days":
        shown = floatformat(value, 0)
    else:
        number = str(value) if type(value) is int and not settings.USE_THOUSAND_SEPARATOR else escape(localize(value))
        shown = f'<a href="{escape(url)}">{number}</a>' if url else number
    return mark_safe(f'<td class="text-end text-nowrap" data-figure="{escape(key)}">{shown}</td>')  # noqa: S308  (every part escaped above)


def _cells(row: ReportRow, period: Period) -> list[dict]:
    """The figures of a row for the template: value, kind, the link to the enrollments counted (if any) and the
    cell's markup (``html``)."""
    base = reverse("reports:enrollment-list")
    group = _period_query(period)
    if row.year is not None:
        group |= {
            "year": str(row.year),
            "partner": str(row.partner.pk) if row.partner else "",
            "track": str(row.track.pk) if row.track else "",
        }
    group_query = urlencode(group)  # the drills' keys are not the group's: joined, they are urlencode of the union
    cells = []
    for column in FIGURE_COLUMNS:
        value = getattr(row, column.key)
        if value is not None and column.kind == "rate":
            value = 100 * value
        url = None
        if column.drill is not None and value:
            url = f"{base}?{'&'.join(part for part in (group_query, DRILL_QUERIES[column.key]) if part)}"
        cells.append(
            {
                "key": column.key,
                "value": value,
                "kind": column.kind,
                "url": url,
                "html": _cell_html(column.key, value, column.kind, url),
            }
        )
    return cells


def _chart_data(report: Report) -> dict:
    """Plain numbers and strings for static/js/reports.js (translated here, in the viewer's language)."""
    years = sorted({row.year for row in report.rows if row.year is not None})
    labels = {column.key: str(column.label) for column in FIGURE_COLUMNS}
    outcomes = [
        {
            "label": labels[key],
            "colour": colour,
            "data": [sum(getattr(row, key) for row in report.rows if row.year == year) for year in years],
        }
        for key, colour in OUTCOMES
    ]
    quotas = [quota_cells(quota) for quota in report.quotas]
    return {
        "outcomes": {"labels": [str(year) for year in years], "series": outcomes},
        "quotas": {
            "labels": [f"{cells[0]} {cells[2].split(' ')[0]} {cells[3]}" for cells in quotas],
            "places": [cells[4] for cells in quotas],
            "used": [cells[5] for cells in quotas],
            "placesLabel": str(_("Places")),
            "usedLabel": str(_("Used")),
        },
    }


def report_page_context(report: Report, form: PeriodForm) -> dict:
    """The template's context for a report (also used by the benchmark's floor, bench/benchurls.py)."""
    for row in report.rows:
        row.cells = _cells(row, report.period)
    return {
        "form": form,
        "report": report,
        "columns": FIGURE_COLUMNS,
        "totals_cells": _cells(report.totals, report.period),
        "quotas": [quota_cells(quota) for quota in report.quotas],
        "export_query": urlencode(_period_query(report.period)),
        "chart_data": _chart_data(report),
    }


class ReportView(StaffRequiredMixin, View):
    """Figures by intake year × sending college × track for the period, the quotas, two charts."""

    permission_required = PERMISSION
    template_name = "mobility/reports/report.html"

    def get(self, request):
        form = PeriodForm(request.GET)
        return render(request, self.template_name, report_page_context(cached_report_data(form.period()), form))


class ReportExportView(StaffRequiredMixin, View):
    permission_required = PERMISSION

    def get(self, request):
        report = cached_report_data(PeriodForm(request.GET).period())
        stamp = timezone.localdate().strftime("%Y%m%d")
        response = HttpResponse(
            report_xlsx(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="report-{stamp}.xlsx"'
        response["Cache-Control"] = "no-store"
        return response


class EnrollmentListView(StaffRequiredMixin, View):
    """The enrollments a dashboard card or a report cell counts, with its filters; paginated."""

    permission_required = PERMISSION
    template_name = "mobility/reports/enrollment_list.html"

    def get(self, request):
        form = EnrollmentFilterForm(request.GET)
        filters = form.filters()
        enrollments = enrollment_list(viewer=request.user, filters=filters)
        count = enrollment_list_count(viewer=request.user, filters=filters, enrollments=enrollments)
        page = list_page(enrollments, PER_PAGE, request.GET.get("page"), count=count)
        rows = list(page.object_list)
        student_url = url_with_id("students:student-detail")
        for enrollment in rows:
            enrollment.student_url = student_url(enrollment.student_id)
        return render(
            request,
            self.template_name,
            {"form": form, "page_obj": page, "enrollments": rows, "filtered": bool(filters)},
        )
