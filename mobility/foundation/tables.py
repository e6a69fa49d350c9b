"""Tables as CSV and XLSX files, for every export of a list (students, the audit log).

CSV: UTF-8 with a BOM first so that Excel (also a Chinese Excel) opens Han characters correctly; a cell that Excel
would run as a formula is prefixed with an apostrophe. XLSX: one sheet, dates as real dates, the header bold and
frozen, text cells typed as text. Rows are any iterable, consumed once: callers pass an iterator over chunks.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# Excel runs a cell that starts with one of these as a formula; data typed by partners must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


def table_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV lines (for a ``StreamingHttpResponse``)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([text_cell(value) for value in row])


def table_xlsx(title: str, header: list[str], rows: Iterable[list]) -> bytes:
    """An XLSX workbook of one sheet named ``title``."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet's name
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime.datetime):
                # Excel knows no zones: the local time of the site, as shown on the pages.
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif hasattr(value, "isoformat"):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
            else:
                # Typed as text, so "=…" stays text here without the CSV's apostrophe.
                cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
