"""Reading an uploaded spreadsheet into a table, refusing what cannot be trusted, with messages a person can act on.

Both imports (roster, gradebook) read their files through ``read_table`` and report problems as ``RowError`` with a
row number as the person sees it in their spreadsheet program (the header is row 1) and a column name.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from mobility.exceptions import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# Encodings a user may choose for a CSV; "auto" tries UTF-8 (with or without BOM), then GB18030 (a superset of GBK,
# what Chinese office software writes).
CSV_ENCODINGS = ("auto", "utf-8", "gb18030")


class ImportFileError(DomainError):
    """The file as a whole cannot be read (empty, too big, not a spreadsheet, broken, formulas, merged headers)."""

    def __init__(self, message: str, *, code: str = "bad_file"):
        super().__init__(message, code=code, field="file")


@dataclass(frozen=True)
class RowError:
    row: int  # as in the spreadsheet: the header is row 1
    column: str  # the column's header, or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = _("row %(row)d") % {"row": self.row}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cell texts aligned with headers)
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # of a CSV, as detected or chosen
    notes: list[str] = field(default_factory=list)

    def records(self) -> Iterable[tuple[int, dict[str, str]]]:
        for number, cells in self.rows:
            yield number, dict(zip(self.headers, cells, strict=False))


def read_table(data: bytes, *, encoding: str = "auto") -> Table:
    """Parse an uploaded XLSX or CSV file (recognised by its content, not its name) into a ``Table``.

    Raises ``ImportFileError`` with a clear message for an empty or too big file, a file that is neither, a broken
    XLSX, cells with formulas, merged header cells, a missing header row or more than ``MAX_ROWS`` rows.
    """
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, code="too_big"
        )
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is neither an XLSX workbook nor a CSV text file."), code="wrong_type")
    else:
        table = _read_csv(data, encoding)
    if not any(table.headers):
        raise ImportFileError(_("The first row must hold the column names."), code="no_header")
    if len(table.rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(n)d rows; at most %(max)d can be imported at once.")
            % {"n": len(table.rows), "max": MAX_ROWS},
            code="too_many_rows",
        )
    return table


def decode_csv(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """``(text, encoding used)``. ``auto``: UTF-8 with a BOM, else strict UTF-8, else GB18030."""
    if encoding not in CSV_ENCODINGS:
        raise ImportFileError(_("Unknown encoding %(encoding)s.") % {"encoding": encoding}, code="encoding")
    candidates = ("utf-8", "gb18030") if encoding == "auto" else (encoding,)
    for candidate in candidates:
        try:
            text = data.decode("utf-8-sig" if candidate == "utf-8" else candidate)
        except UnicodeDecodeError:
            continue
        return text, candidate
    raise ImportFileError(
        _("The file cannot be read as %(encoding)s text; choose another encoding.")
        % {"encoding": "UTF-8 or GB18030" if encoding == "auto" else encoding},
        code="encoding",
    )


def _read_csv(data: bytes, encoding: str) -> Table:
    text, used = decode_csv(data, encoding)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        raw = list(reader)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s.") % {"error": exc}, code="malformed") from exc
    if not raw:
        raise ImportFileError(_("The file is empty."), code="empty")
    headers = [cell.strip() for cell in raw[0]]
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        cells = [cell.strip() for cell in cells]
        if any(cells):
            rows.append((number, _fit(cells, len(headers))))
    return Table(headers=headers, rows=rows, kind="csv", encoding=used)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("The XLSX file is damaged or not an XLSX workbook."), code="broken_xlsx") from exc
    sheet = workbook.worksheets[0]
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == 1:
            raise ImportFileError(
                _("Header cells %(range)s are merged; give every column its own header cell.")
                % {"range": merged.coord},
                code="merged_header",
            )
    raw_rows = sheet.iter_rows()
    try:
        header_cells = next(raw_rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty."), code="empty") from None
    headers = [_cell_text(cell.value) for cell in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for cells in raw_rows:
        texts = []
        for cell in cells[: len(headers)]:
            if cell.data_type == "f":
                raise ImportFileError(
                    _("Cell %(cell)s holds a formula; save the sheet with values only.") % {"cell": cell.coordinate},
                    code="formula",
                )
            texts.append(_cell_text(cell.value))
        if any(texts):
            rows.append((cells[0].row, _fit(texts, len(headers))))
        if len(rows) > MAX_ROWS:
            break
    return Table(headers=headers, rows=rows, kind="xlsx", notes=[sheet.title])


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as a number comes back as 20240301.0
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _fit(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width] if len(cells) != width else cells


def match_columns(headers: list[str], spec: Mapping[str, Iterable[str]]) -> tuple[dict[str, int], list[str]]:
    """Find each wanted field's column by its accepted header names (case and spaces ignored).

    ``spec`` maps a field to its header names (e.g. ``{"home_student_id": ["home student id", "学号"]}``).
    Returns ``(field → column index, fields not found)``.
    """
    normalised = {_norm(header): index for index, header in reversed(list(enumerate(headers)))}
    found, missing = {}, []
    for name, aliases in spec.items():
        index = next((normalised[_norm(alias)] for alias in aliases if _norm(alias) in normalised), None)
        if index is None:
            missing.append(name)
        else:
            found[name] = index
    return found, missing


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").lower().split())
