"""The roster import's test files and helpers: a person's row, rows as an XLSX made by openpyxl or as CSV (UTF-8 with
a BOM, GBK), a parsed preview and an upload through the page. Used by the ``test_roster_*`` modules and by other
imports' tests."""

import csv
import datetime
import io

from openpyxl import Workbook

from mobility.foundation.models import AuditEntry
from students.imports.base import read_table
from students.imports.roster import parse_roster
from students.models import Enrollment, Student

TODAY = datetime.date(2026, 1, 15)
HEADERS = [
    "home student id",
    "family name (Han)",
    "given name (Han)",
    "family name (Latin)",
    "given name (Latin)",
    "family name (Cyrillic)",
    "given name (Cyrillic)",
    "sex",
    "birth date",
    "citizenship",
    "passport number",
    "e-mail",
    "home specialty",
    "consent version",
    "consent date",
]
# The college's attestation of the transfer consent that every person's row carries (its passport number and birth
# date are refused without it): the published version 1, collected before ``TODAY``.
CONSENT = {"consent version": "1", "consent date": "2026-01-10"}


def person(home_id, family_han, given_han, family, given, *, sex="M", born="2005-03-14", email=None, **extra):
    row = {
        "home student id": home_id,
        "family name (Han)": family_han,
        "given name (Han)": given_han,
        "family name (Latin)": family,
        "given name (Latin)": given,
        "family name (Cyrillic)": "",
        "given name (Cyrillic)": "",
        "sex": sex,
        "birth date": born,
        "citizenship": "CN",
        "passport number": f"E{home_id}",
        "e-mail": email if email is not None else f"{home_id}@example.cn",
        "home specialty": "机械设计制造及其自动化",
        **CONSENT,
    }
    row.update(extra)
    return row


ROWS = [
    person("2026001", "张", "伟", "Zhang", "Wei", **{"family name (Cyrillic)": "Чжан"}),
    person("2026002", "李", "娜", "Li", "Na", sex="F", born="17.05.2004"),
    person("2026003", "王", "芳", "Wang", "Fang", sex="女", born="2004/11/29"),
]


def table_rows(rows, headers=None):
    headers = headers or (list(rows[0]) if rows else HEADERS)
    return [headers, *[[row.get(h, "") for h in headers] for row in rows]]


def xlsx(rows, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in table_rows(rows, headers):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", headers=None) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table_rows(rows, headers))
    return buffer.getvalue().encode(encoding)


def rows_of(rows):
    return [dict(row) for row in rows]


def parse(data, cohort, viewer, **kwargs):
    return parse_roster(read_table(data, **kwargs), cohort=cohort, viewer=viewer, today=TODAY)


def counts():
    return (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count())


IMPORT = "/students/import/"


def upload(client, data, cohort, *, name="roster.xlsx", encoding="auto"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(IMPORT, {"file": file, "cohort": cohort.pk, "encoding": encoding})
