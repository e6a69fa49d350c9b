"""The report's tables, described once for the page and the XLSX export: each column's header, value and (for the
counts of enrollments) the filters of the list of enrollments it counts."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from programs.models import AgreementQuota

from .figures import Report, ReportRow


@dataclass(frozen=True)
class Column:
    key: str  # the ReportRow attribute
    label: str | Promise
    kind: str = "count"  # count, rate (0–1), days
    # The enrollment list's filters that select exactly the enrollments counted (none: not a count of enrollments).
    drill: dict[str, str] | None = field(default=None)


# The counts of enrollments say "how many students" (Russian: "Зачислены", not the status "зачислен"): their own
# context, apart from the statuses' and the buttons' words.
FIGURE_COLUMNS = (
    Column("applications", pgettext_lazy("report column", "Applications"), drill={}),
    Column("admitted", pgettext_lazy("report column", "Admitted"), drill={"reached": "admitted"}),
    Column("enrolled", pgettext_lazy("report column", "Enrolled"), drill={"reached": "enrolled"}),
    Column("in_progress", pgettext_lazy("report column", "In progress")),
    Column("completed", pgettext_lazy("report column", "Completed"), drill={"status": "completed"}),
    Column("failed", pgettext_lazy("report column", "Failed"), drill={"status": "failed"}),
    Column("withdrawn", pgettext_lazy("report column", "Withdrawn"), drill={"status": "withdrawn"}),
    Column("rejected", pgettext_lazy("report column", "Rejected"), drill={"status": "rejected"}),
    Column("completion_rate", _("Completion rate"), kind="rate"),
    Column("median_days", _("Median days to complete"), kind="days"),
    Column("diplomas", _("Diplomas issued"), drill={"diploma": "issued"}),
    Column("continuations", _("Continuations")),
    Column("continuations_accepted", _("Continuations accepted")),
    Column("acceptance_rate", _("Acceptance rate"), kind="rate"),
)


def group_cells(row: ReportRow) -> list[Any]:
    """Intake year, sending college and track of a row, as text (all empty on the totals)."""
    return [
        row.year or "",
        row.partner.name() if row.partner else "",
        f"{row.track.code} {row.track.name()}" if row.track else "",
    ]


def group_headers() -> list[str]:
    return [str(_("Intake year")), str(_("Sending college")), str(_("Track"))]


def figure_value(row: ReportRow, column: Column) -> Any:
    value = getattr(row, column.key)
    if value is None:
        return None
    if column.kind == "rate":
        return round(value, 4)
    if column.kind == "days":
        return round(value, 1)
    return value


def quota_headers() -> list[str]:
    return [
        str(label)
        for label in (
            _("Agreement"),
            _("Sending college"),
            _("Track"),
            _("Intake year"),
            _("Places"),
            _("Used"),
            _("Left"),
            _("Share used"),
        )
    ]


def quota_cells(quota: AgreementQuota) -> list[Any]:
    used: int = quota.used  # type: ignore[attr-defined]  # annotated by quotas_with_usage
    return [
        quota.agreement.number,
        quota.agreement.partner.name(),
        f"{quota.track.code} {quota.track.name()}",
        quota.year,
        quota.places,
        used,
        max(0, quota.places - used),
        round(100 * used / quota.places, 1) if quota.places else None,
    ]


def report_xlsx(report: Report) -> bytes:
    """The report as a workbook: one sheet per table (figures by intake, college and track with a totals row;
    quotas), headers in the viewer's language, bold and frozen; rates as percentages, days with one decimal."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, labels):
        cells = []
        for label in labels:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    def figures_row(sheet, row: ReportRow, first: list[Any], *, font=None):
        cells = []
        for value in first:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = font or Font()
            cells.append(cell)
        for column in FIGURE_COLUMNS:
            cell = WriteOnlyCell(sheet, value=figure_value(row, column))
            if column.kind == "rate":
                cell.number_format = "0.0%"
            elif column.kind == "days":
                cell.number_format = "0.0"
            if font:
                cell.font = font
            cells.append(cell)
        sheet.append(cells)

    sheet = workbook.create_sheet(str(_("Figures")))
    sheet.freeze_panes = "D2"
    header(sheet, group_headers() + [str(column.label) for column in FIGURE_COLUMNS])
    for row in report.rows:
        figures_row(sheet, row, group_cells(row))
    figures_row(sheet, report.totals, [str(_("Total")), "", ""], font=bold)

    sheet = workbook.create_sheet(str(_("Quotas")))
    sheet.freeze_panes = "A2"
    header(sheet, quota_headers())
    for quota in report.quotas:
        sheet.append(quota_cells(quota))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
