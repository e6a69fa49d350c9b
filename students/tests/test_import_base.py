import io

import pytest
from openpyxl import Workbook

from students.imports.base import MAX_BYTES, ImportFileError, RowError, decode_csv, match_columns, read_table


def xlsx(rows, *, merge=None, formula_at=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if formula_at:
        sheet[formula_at] = "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_utf8_csv_with_or_without_bom_and_gbk_csv_decode_to_the_same_names():
    text = "学号,姓,名\n2024001,张,伟\n"
    for data, encoding in (
        (text.encode("utf-8"), "utf-8"),
        (text.encode("utf-8-sig"), "utf-8"),
        (text.encode("gbk"), "gb18030"),
    ):
        table = read_table(data)
        assert table.headers == ["学号", "姓", "名"], encoding
        assert table.rows == [(2, ["2024001", "张", "伟"])]
        assert (table.kind, table.encoding) == ("csv", encoding)


def test_a_chosen_encoding_is_used_and_a_wrong_choice_is_a_clear_error():
    data = "姓\n张\n".encode("gbk")
    assert read_table(data, encoding="gb18030").rows == [(2, ["张"])]
    with pytest.raises(ImportFileError) as refused:
        read_table(data, encoding="utf-8")
    assert refused.value.code == "encoding"


def test_semicolon_and_tab_separated_files_are_read():
    assert read_table(b"a;b\n1;2\n").rows == [(2, ["1", "2"])]
    assert read_table(b"a\tb\n1\t2\n").rows == [(2, ["1", "2"])]


def test_blank_lines_are_skipped_but_row_numbers_stay_those_of_the_sheet():
    table = read_table(b"a,b\n1,2\n,\n3,4\n")
    assert table.rows == [(2, ["1", "2"]), (4, ["3", "4"])]


def test_xlsx_is_recognised_by_content_and_numbers_and_dates_read_as_text():
    import datetime

    table = read_table(xlsx([["id", "born"], [20240301.0, datetime.datetime(2004, 5, 17)]]))
    assert (table.kind, table.headers, table.rows) == ("xlsx", ["id", "born"], [(2, ["20240301", "2004-05-17"])])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"PK\x03\x04 this is no zip", "broken_xlsx"),
        (b"\x00\x01\x02binary", "wrong_type"),
        (b"%PDF-1.4\x00", "wrong_type"),
        (b"\n", "empty"),
        (b",,\n1,2\n", "no_header"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, code):
    with pytest.raises(ImportFileError) as refused:
        read_table(data)
    assert refused.value.code == code and refused.value.field == "file" and refused.value.message


def test_too_big_a_file_is_refused():
    with pytest.raises(ImportFileError) as refused:
        read_table(b"a\n" + b"1\n" * (MAX_BYTES // 2 + 1))
    assert refused.value.code == "too_big"


def test_formulas_and_merged_header_cells_are_refused():
    with pytest.raises(ImportFileError) as refused:
        read_table(xlsx([["a", "b"], [1, 2]], formula_at="B2"))
    assert refused.value.code == "formula" and "B2" in refused.value.message
    with pytest.raises(ImportFileError) as refused:
        read_table(xlsx([["name", None], ["Li", "Wei"]], merge="A1:B1"))
    assert refused.value.code == "merged_header" and "A1:B1" in refused.value.message


def test_columns_are_found_by_any_accepted_header():
    found, missing = match_columns(
        ["Home student ID", "E-mail", "姓"],
        {"home_student_id": ["home student id", "学号"], "family_name_han": ["姓"], "cohort": ["cohort"]},
    )
    assert found == {"home_student_id": 0, "family_name_han": 2} and missing == ["cohort"]


def test_row_errors_read_like_a_spreadsheet_reference():
    assert str(RowError(row=7, column="birth_date", message="not a date")) == "row 7, birth_date: not a date"
    assert decode_csv("é".encode())[1] == "utf-8"


def test_a_sheet_without_formulas_read_by_values_gives_the_table_read_cell_by_cell():
    """Without a formula in its XML a sheet is read by values (openpyxl's ``values_only``), faster; the table is the
    one the cell-by-cell reading gives, whatever the cells hold."""
    import datetime

    from openpyxl import load_workbook

    from students.imports import base

    rows = [
        ["id", "name", "born", "score", ""],
        [20240301, "张伟", datetime.date(2005, 3, 14), 81.5, "beyond the headers"],
        [],  # a blank row: skipped, the numbers after it keep their place
        ["2024002", " Li Na ", datetime.datetime(2004, 5, 17, 8, 30), 70.0],
        [None, None, None, None, "only beyond the headers"],
        ["2024003"],
    ]
    data = xlsx(rows)

    def read(reader):
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        table = reader(sheet)
        workbook.close()
        return (table.headers, table.rows)

    by_values = read(base._xlsx_values_table)
    assert by_values == read(base._xlsx_table)
    assert by_values == (
        ["id", "name", "born", "score"],
        [
            (2, ["20240301", "张伟", "2005-03-14", "81.5"]),
            (4, ["2024002", "Li Na", "2004-05-17T08:30:00", "70"]),
            (6, ["2024003", "", "", ""]),
        ],
    )
    assert (read_table(data).headers, read_table(data).rows) == by_values
