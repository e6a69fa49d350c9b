"""CSV files as the programs that people use really write them, read by ``students.imports.base.read_table``.

The writers below follow each program's rules, not Python's ``csv`` defaults:

- Moodle's gradebook export (*Plain text file*) goes through ``csv_export_writer``, i.e. PHP's ``fputcsv``: UTF-8
  without a BOM, ``\\n`` line ends, the separator the exporter chose (comma, semicolon or tab), and a field in double
  quotes when it holds the separator, a quote, a space, a tab or a line break, quotes inside doubled.
- Excel's "CSV UTF-8": a BOM, ``\\r\\n`` line ends, the list separator of the locale (``,`` in English, ``;`` in
  Russian, where the decimal separator is a comma), quotes only where needed, doubled inside.
- WPS Office (and Excel's plain "CSV" on a Chinese system): the same rules in GBK/GB18030.
"""

from __future__ import annotations

import pytest

from students.imports.base import ImportFileError, read_table

ITEM = 'Assignment: "Smart factory" project, part 1 (Real)'
SPECIALTY = '软件技术（"1+X"证书）'  # ASCII quotes, as typed in a cell
FEEDBACK = 'Good work.\nSee "notes", page 2'
HEADER = ["First name", "Email address", ITEM, "Specialty", "Feedback", "Course total (Real)"]
ROWS = [
    ["Na", "li.na@cqevtc.cn", "8.50", SPECIALTY, FEEDBACK, "80.00"],
    ["Fang", "wang.fang@cqevtc.cn", "-", "机电一体化", "", "61.00"],
]


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def moodle_csv(rows, *, separator=",") -> bytes:
    """PHP fputcsv as Moodle's csv_export_writer calls it."""
    specials = (separator, '"', " ", "\t", "\n", "\r", "\\")

    def field(value: str) -> str:
        return _quoted(value) if any(char in value for char in specials) else value

    return "".join(separator.join(field(value) for value in row) + "\n" for row in rows).encode("utf-8")


def excel_csv(rows, *, separator=",", encoding="utf-8-sig") -> bytes:
    """Excel's (and WPS's) CSV: quotes only where the value needs them, CRLF line ends."""
    specials = (separator, '"', "\n", "\r")

    def field(value: str) -> str:
        return _quoted(value) if any(char in value for char in specials) else value

    return "".join(separator.join(field(value) for value in row) + "\r\n" for row in rows).encode(encoding)


def russian(rows):
    """Decimal commas, as Excel in a Russian locale writes numbers."""
    return [[value.replace(".", ",") if value.replace(".", "").isdigit() else value for value in row] for row in rows]


@pytest.mark.parametrize(
    ("data", "delimiter", "encoding"),
    [
        (moodle_csv([HEADER, *ROWS]), ",", "utf-8"),
        (moodle_csv([HEADER, *ROWS], separator=";"), ";", "utf-8"),
        (moodle_csv([HEADER, *ROWS], separator="\t"), "\t", "utf-8"),
        (excel_csv([HEADER, *ROWS]), ",", "utf-8"),
        (excel_csv(russian([HEADER, *ROWS]), separator=";"), ";", "utf-8"),
        (excel_csv([HEADER, *ROWS], encoding="gb18030"), ",", "gb18030"),  # WPS, Excel on a Chinese system
        (excel_csv([HEADER, *ROWS], separator="\t", encoding="gbk"), "\t", "gb18030"),
    ],
    ids=["moodle-comma", "moodle-semicolon", "moodle-tab", "excel-utf8", "excel-ru", "wps-gb18030", "gbk-tab"],
)
def test_fields_with_quotes_separators_and_line_breaks_are_read_as_written(data, delimiter, encoding):
    table = read_table(data)
    assert (table.delimiter, table.encoding) == (delimiter, encoding)
    assert table.headers == HEADER
    assert [number for number, _cells in table.rows] == [2, 3]  # a line break inside a value is no new row
    first, second = (cells for _number, cells in table.rows)
    assert first[2] in ("8.50", "8,50") and first[3] == SPECIALTY and first[4] == FEEDBACK
    assert second[:4] == ["Fang", "wang.fang@cqevtc.cn", "-", "机电一体化"]


def refusal(data: bytes) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(data)
    return caught.value


def test_a_row_with_more_or_fewer_fields_than_the_header_is_refused_naming_the_row():
    # A decimal comma typed into a comma-separated file: the row splits one field too many.
    data = b"First name,Email address,Quiz (Real)\nNa,li.na@cqevtc.cn,8.5\nFang,wang.fang@cqevtc.cn,9,1\n"
    error = refusal(data)
    assert error.code == "malformed"
    assert "Row 3 has 4 fields but the header row has 3" in error.message and "comma" in error.message
    error = refusal(b"First name;Email address;Quiz (Real)\r\nNa;li.na@cqevtc.cn\r\n")
    assert "Row 2 has 2 fields but the header row has 3" in error.message and "semicolon" in error.message


def test_a_quote_that_is_never_closed_is_refused_naming_the_row():
    data = b'First name,Email,Feedback\nNa,li.na@cqevtc.cn,ok\nFang,wang@cqevtc.cn,"good\nLei,zhao@cqevtc.cn,ok\n'
    error = refusal(data)
    assert error.code == "malformed"
    assert "Row 3 opens a quoted value that is never closed" in error.message


def test_text_after_a_closing_quote_is_refused_naming_the_row():
    error = refusal(b'First name,Feedback\nNa,"good" work\n')
    assert "Row 2 has a quote inside a value" in error.message


def test_two_separators_that_both_read_the_file_consistently_are_refused_as_ambiguous():
    # Every line splits into two fields by ";" and into two (other) fields by ",": nothing tells which is meant.
    error = refusal(b"Name;Score,Max\nNa;8,10\nFang;9,10\n")
    assert error.code == "ambiguous"
    assert "comma" in error.message and "semicolon" in error.message


def test_a_table_of_one_column_and_blank_lines_are_read():
    table = read_table(b"Email address\r\nli.na@cqevtc.cn\r\n\r\nwang.fang@cqevtc.cn\r\n")
    assert table.headers == ["Email address"]
    assert table.rows == [(2, ["li.na@cqevtc.cn"]), (4, ["wang.fang@cqevtc.cn"])]
