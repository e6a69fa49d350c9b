"""Reading an uploaded spreadsheet into a table, refusing what cannot be trusted, with messages a person can act on.

Both imports (roster, gradebook) read their files through ``read_table`` and report problems as ``RowError`` with a
row number as the person sees it in their spreadsheet program (the header is row 1) and a column name.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation import uploads
from mobility.foundation.exceptions import DomainError

# The upload forms' limit (UPLOAD_MAX_TABLE_MB, read at start-up); read_table itself reads the setting on every call.
MAX_BYTES = uploads.table_max_bytes()
MAX_ROWS = 50_000
# An XLSX is a ZIP archive: it may unpack to at most this many times the upload limit, and no member over a megabyte
# may be compressed more than MAX_RATIO to 1 (a real roster's sheet is about 14 to 1, a ZIP bomb hundreds to one).
MAX_UNPACKED_FACTOR = 10
MAX_RATIO = 200
XLSX_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
# First bytes of files people may send by mistake (or on purpose) as a spreadsheet; none is CSV text. Programs
# (Windows "MZ", Linux ELF) and most other binary files are also caught by their NUL bytes.
BINARY_SIGNATURES = (
    b"%PDF-",  # PDF
    b"\x7fELF",  # Linux program
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"PK\x05\x06",  # an empty ZIP archive
)
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Excel (.xls), and password-protected XLSX files
# A document of markup (HTML, XML, SVG) is not a table, even when its name ends in .csv.
MARKUP = re.compile(r"\A\s*<(?:!doctype|html|head|body|script|\?xml|svg|!--)", re.IGNORECASE)
# Control characters no spreadsheet program writes into a CSV (tab, line ends, form feed and DOS's end-of-file mark
# allowed).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")
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
    delimiter: str = ""  # of a CSV, as the whole file shows it
    notes: list[str] = field(default_factory=list)

    def records(self) -> Iterable[tuple[int, dict[str, str]]]:
        for number, cells in self.rows:
            yield number, dict(zip(self.headers, cells, strict=False))


def read_table(data: bytes, *, encoding: str = "auto") -> Table:
    """Parse an uploaded XLSX or CSV file (recognised by its content, not its name) into a ``Table``.

    Raises ``ImportFileError`` with a clear message for an empty or too big file, a file that is neither (a PDF, a
    program, an image, an HTML page, any binary file), an old .xls workbook, a ZIP archive that is not an XLSX or
    unpacks to far more than it weighs, a broken XLSX, cells with formulas, merged header cells, a missing header
    row or more than ``MAX_ROWS`` rows.
    """
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."), code="empty")
    limit = uploads.table_max_bytes()
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": limit // uploads.MB}, code="too_big")
    if data[:4] == b"PK\x03\x04":
        _check_xlsx_archive(data, limit)
        table = _read_xlsx(data)
    elif data.startswith(OLE2_SIGNATURE):
        raise ImportFileError(
            _("The file is an old Excel (.xls) or a password-protected workbook; save it as XLSX or CSV."),
            code="wrong_type",
        )
    elif data.startswith(BINARY_SIGNATURES) or b"\x00" in data:
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
    if MARKUP.match(text.lstrip("\ufeff")):
        raise ImportFileError(
            _("The file is an HTML or XML document, not a CSV table; export the table as CSV or XLSX."),
            code="wrong_type",
        )
    if CONTROL_CHARACTERS.search(text):
        raise ImportFileError(_("The file is neither an XLSX workbook nor a CSV text file."), code="wrong_type")
    parse = _parse_csv(text)
    headers = [cell.strip() for cell in parse.records[0][1]]
    rows = []
    for number, cells in parse.records[1:]:
        cells = [cell.strip() for cell in cells]
        if any(cells):
            rows.append((number, cells))
    return Table(headers=headers, rows=rows, kind="csv", encoding=used, delimiter=parse.delimiter)


# The separators spreadsheet programs write: Excel and WPS write the list separator of the system's locale (a comma, or
# a semicolon where the decimal separator is a comma, as in Russian), Moodle a comma, a semicolon or a tab (the
# exporter's choice), "text" exports a tab.
CSV_DELIMITERS = {",": gettext_lazy("comma"), ";": gettext_lazy("semicolon"), "\t": gettext_lazy("tab")}
# Python's messages for a quote opened and never closed (the field then runs to the end of the file, or past the
# field size limit).
UNCLOSED_QUOTE = ("unexpected end of data", "field larger than field limit")


@dataclass
class _CsvParse:
    delimiter: str
    width: int  # fields of the header row
    records: list[tuple[int, list[str]]] = field(default_factory=list)  # (spreadsheet row, cells); blank rows too
    problem: str = ""  # why this reading is not consistent ("" if it is)
    problem_row: int = 0


def _parse_csv(text: str) -> _CsvParse:
    """Read CSV text by RFC 4180 (fields in double quotes may hold separators, quotes doubled as ``""`` and line
    breaks) with the one separator that the whole file supports: the header row splits into at least two fields and
    every other non-blank row into exactly as many. A file that no separator reads consistently, or that two read
    consistently (in different ways), is refused with ``ImportFileError`` naming the row, never guessed.
    """
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if not first_line.strip("".join(CSV_DELIMITERS) + ' "\r'):  # only separators: the header row names nothing
        raise ImportFileError(_("The first row must hold the column names."), code="no_header")
    candidates = [_csv_header_width(text, delimiter) for delimiter in CSV_DELIMITERS]
    splitting = [delimiter for delimiter, width in candidates if width >= 2]
    if not splitting:  # no separator in the header: a table of one column
        parse = _csv_read(text, ",")
        if parse.problem:
            raise ImportFileError(parse.problem, code="malformed")
        return parse
    parses = [_csv_read(text, delimiter) for delimiter in splitting]
    consistent = [parse for parse in parses if not parse.problem]
    if len(consistent) == 1:
        return consistent[0]
    if len(consistent) > 1:
        raise ImportFileError(
            _(
                "The file can be read with more than one separator (%(separators)s), giving different columns; "
                "save it again from the spreadsheet program as CSV or XLSX."
            )
            % {"separators": ", ".join(f"{CSV_DELIMITERS[p.delimiter]} “{_shown(p.delimiter)}”" for p in consistent)},
            code="ambiguous",
        )
    # Every reading breaks somewhere: report the one that reads furthest (the file's separator, most likely).
    best = max(parses, key=lambda parse: (parse.problem_row, parse.width))
    raise ImportFileError(best.problem, code="malformed")


def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter


def _csv_reader(text: str, delimiter: str):
    # strict: a quote that is not closed, or a closing quote followed by more text, is an error, not a guess
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _csv_header_width(text: str, delimiter: str) -> tuple[str, int]:
    try:
        header: list[str] = next(_csv_reader(text, delimiter), [])
    except csv.Error:
        return delimiter, 0
    return delimiter, len(header)


def _csv_read(text: str, delimiter: str) -> _CsvParse:
    reader = _csv_reader(text, delimiter)
    parse = _CsvParse(delimiter=delimiter, width=0)
    separator = f"{CSV_DELIMITERS[delimiter]} “{_shown(delimiter)}”"
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            parse.records.append((number, cells))
            if number == 1:
                parse.width = len(cells)
            elif any(cell.strip() for cell in cells) and len(cells) != parse.width:
                parse.problem_row = number
                parse.problem = _(
                    "Row %(row)d has %(n)d fields but the header row has %(width)d (read with the %(separator)s "
                    "separator). A value that holds the separator, a quote or a line break must be in double "
                    'quotes, with every quote inside it doubled ("").'
                ) % {"row": number, "n": len(cells), "width": parse.width, "separator": separator}
                return parse
    except csv.Error as exc:
        parse.problem_row = number + 1
        if any(sign in str(exc) for sign in UNCLOSED_QUOTE):
            parse.problem = _(
                'Row %(row)d opens a quoted value that is never closed (a " is missing); the rest of the file '
                "cannot be read."
            ) % {"row": parse.problem_row}
        else:
            parse.problem = _(
                "Row %(row)d has a quote inside a value that is not in quotes as a whole (read with the "
                "%(separator)s separator); a value with quotes must be in double quotes, with every quote inside "
                'it doubled ("").'
            ) % {"row": parse.problem_row, "separator": separator}
        return parse
    if not parse.records:
        raise ImportFileError(_("The file is empty."), code="empty")
    return parse


def _check_xlsx_archive(data: bytes, limit: int) -> None:
    """A ZIP archive is read as a workbook only if it holds an XLSX's parts and unpacks to a sane size. The sizes are
    those the archive declares, which bound what is unpacked: Python's zipfile stops at the declared size (and fails
    the CRC check when a member claims less than it holds)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_("The XLSX file is damaged or not an XLSX workbook."), code="broken_xlsx") from exc
    names = {member.filename for member in members}
    if not all(name in names for name in XLSX_MEMBERS):
        raise ImportFileError(
            _("The XLSX file is damaged or not an XLSX workbook."),  # e.g. a Word or OpenDocument file
            code="wrong_type",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_FACTOR * limit or any(
        member.file_size > max(uploads.MB, MAX_RATIO * member.compress_size) for member in members
    ):
        raise ImportFileError(
            _("The XLSX file unpacks to %(mb)d MB, far more than a roster or gradebook; it is refused.")
            % {"mb": unpacked // uploads.MB},
            code="zip_bomb",
        )


# What openpyxl raises on a broken workbook: a damaged archive, a missing part, malformed XML (ElementTree's and lxml's
# parse errors are SyntaxErrors), an index past the shared strings.
XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError, OSError, SyntaxError)
# A merge of cells starting in the first row, in the sheet's XML (<mergeCell ref="A1:B1"/>).
HEADER_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+1:[A-Z]+[0-9]+)\"")
# A cell's formula, in the sheet's XML (<c r="B2"><f>1+1</f><v>2</v></c>; ECMA-376 §18.3.1.40).
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _read_xlsx(data: bytes) -> Table:
    """The first sheet, read by openpyxl in read-only mode (it streams the sheet's XML rather than building every cell
    in memory), cell by cell when the sheet's XML holds a formula (refused, naming the cell), else by values. The
    sheet's declared dimensions are ignored (some programs write wrong ones); missing rows come as empty rows, so a
    row's number is its position."""
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # Read-only mode has no public way to the merged cells: the sheet's XML, through openpyxl's private parts
        # (the import tests read merged headers, so a change in openpyxl fails there).
        with workbook._archive.open(sheet._worksheet_path) as source:  # type: ignore[attr-defined]
            xml = source.read()
        # A plain substring search first (a tenth of the regular expression's time over 20 MB of XML): most sheets
        # have neither.
        merged = HEADER_MERGE.search(xml) if b"mergeCell" in xml else None
        formulas = (b"<f" in xml or b":f" in xml) and FORMULA.search(xml) is not None
    except XLSX_ERRORS as exc:
        raise ImportFileError(_("The XLSX file is damaged or not an XLSX workbook."), code="broken_xlsx") from exc
    try:
        if merged:
            raise ImportFileError(
                _("Header cells %(range)s are merged; give every column its own header cell.")
                % {"range": merged.group(1).decode()},
                code="merged_header",
            )
        sheet.reset_dimensions()
        return _xlsx_table(sheet) if formulas else _xlsx_values_table(sheet)
    except XLSX_ERRORS as exc:  # the sheet's XML broken past its start
        raise ImportFileError(_("The XLSX file is damaged or not an XLSX workbook."), code="broken_xlsx") from exc
    finally:
        workbook.close()


def _xlsx_table(sheet) -> Table:
    raw_rows = enumerate(sheet.iter_rows(min_row=1), start=1)
    try:
        _number, header_cells = next(raw_rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty."), code="empty") from None
    headers = [_cell_text(cell.value) for cell in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, cells in raw_rows:
        texts = []
        for cell in cells[: len(headers)]:
            if cell.data_type == "f":
                raise ImportFileError(
                    _("Cell %(cell)s holds a formula; save the sheet with values only.") % {"cell": cell.coordinate},
                    code="formula",
                )
            texts.append(_cell_text(cell.value))
        if any(texts):
            rows.append((number, _fit(texts, len(headers))))
        if len(rows) > MAX_ROWS:
            break
    return Table(headers=headers, rows=rows, kind="xlsx", notes=[sheet.title])


def _xlsx_values_table(sheet) -> Table:
    """``_xlsx_table`` of a sheet whose XML holds no formula: the rows' values alone (openpyxl's ``values_only``,
    a third faster than building a cell object per cell), the same table."""
    rows_read = enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    try:
        _number, header_values = next(rows_read)
    except StopIteration:
        raise ImportFileError(_("The file is empty."), code="empty") from None
    headers = [_cell_text(value) for value in header_values]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    rows = []
    for number, values in rows_read:
        texts = [_cell_text(value) for value in values[:width]]
        if any(texts):
            rows.append((number, _fit(texts, width)))
        if len(rows) > MAX_ROWS:
            break
    return Table(headers=headers, rows=rows, kind="xlsx", notes=[sheet.title])


def _cell_text(value) -> str:
    if type(value) is str:  # most cells: first, without the checks below
        return value.strip()
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
