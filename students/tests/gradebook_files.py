"""The LMS gradebook import's test files and helpers: Moodle's export header and rows, files made from them (CSV
in UTF-8 and GBK, XLSX by openpyxl), a saved mapping, a parsed preview, and an upload through the import page. Used
by the ``test_gradebook_*`` modules and by the tests of the mail and the bulk writes an import causes."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl

from students.imports.base import read_table
from students.imports.gradebook import gradebook_mapping_save, parse_gradebook

QUIZ = "Quiz: Week 1"
PLC = "Assignment: PLC project"
CAD = "Exam: CAD design"
HEADER = [
    "First name",
    "Last name",
    "ID number",
    "Institution",
    "Department",
    "Email address",
    f"{QUIZ} (Real)",
    f"{PLC} (Real)",
    f"{CAD} (Percentage)",
    "Course total (Real)",
    "Last downloaded from this course",
]
STAMP = "1782900000"
DAY = datetime.date(2026, 6, 20)


def line(first, last, id_number, email, quiz="-", plc="-", cad="-", total="-"):
    return [first, last, id_number, "CQEVTC", "Mechatronics", email, quiz, plc, cad, total, STAMP]


def gradebook_csv(rows, *, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def gradebook_xlsx(rows, *, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def mapped(gradebook_cohort, office):
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={QUIZ: None, PLC: gradebook_cohort["plc"], CAD: gradebook_cohort["cad"]},
    )


def rows_ok():
    return [
        line("Na", "Li", "2026001", "Li.Na@CQEVTC.cn", quiz="10.00", plc="78.50", cad="91.00 %", total="80.00"),
        line("Fang", "Wang", "", "wang.fang@cqevtc.cn", plc="59.99", cad="-"),
        line("Lei", "Zhao", "2026003", "old.address@example.cn", plc="75", cad=""),
    ]


def preview_of(data: bytes, cohort, **kwargs):
    return parse_gradebook(read_table(data, **kwargs), cohort=cohort)


def url(cohort):
    return f"/students/cohorts/{cohort.pk}/gradebook/"


def upload(client, cohort, data, name="grades.csv", encoding="auto"):
    return client.post(url(cohort), {"file": _named(data, name), "encoding": encoding})


def _named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file
