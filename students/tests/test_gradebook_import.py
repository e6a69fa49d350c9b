"""The LMS gradebook import: parsing a Moodle export, the mapping of items to modules, matching rows to students,
the reconciliation report, the all-or-nothing import, the staff pages and ``manage.py import_grades``.

Every file is made by the test in the format Moodle exports (CSV in UTF-8 and GBK, XLSX by openpyxl)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from students import services
from students.imports.base import ImportFileError, read_table
from students.imports.gradebook import (
    Status,
    apply_gradebook,
    gradebook_mapping_save,
    parse_gradebook,
    suggest_module,
)
from students.models import GradebookMapping, ModuleResult

from .test_import_files import moodle_csv

pytestmark = pytest.mark.django_db

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


# --- parsing ----------------------------------------------------------------------------------------------------


def test_parsing_reads_items_scores_and_skips_no_grade(gradebook_cohort):
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    assert preview.items == [QUIZ, PLC, CAD]  # "Course total" is not an item; the display type is not in the name
    assert preview.errors == []
    li, wang, zhao = preview.rows
    assert li.scores == {QUIZ: Decimal("10.00"), PLC: Decimal("78.50"), CAD: Decimal("91.00")}  # "91.00 %"
    assert wang.scores == {PLC: Decimal("59.99")}  # "-" = no grade
    assert zhao.scores == {PLC: Decimal("75.00")}  # "" = no grade
    assert li.email == "li.na@cqevtc.cn" and li.row == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "is not a score"), ("101", "outside 0–100"), ("-5", "outside 0–100"), ("7..5", "is not a score")],
)
def test_bad_scores_are_errors_at_row_and_column(gradebook_cohort, value, message):
    rows = rows_ok()
    rows[1][7] = value
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert len(preview.errors) == 1
    error = preview.errors[0]
    assert (error.row, error.column) == (3, f"{PLC} (Real)")
    assert message in error.message


def test_letter_columns_are_listed_as_refused_never_as_items(gradebook_cohort):
    header = [*HEADER[:-2], "Exam: Oral (Letter)", *HEADER[-2:]]
    rows = [[*row[:-2], "B", *row[-2:]] for row in rows_ok()]
    preview = preview_of(gradebook_csv(rows, header=header), gradebook_cohort["cohort"])
    assert preview.items == [QUIZ, PLC, CAD]
    assert preview.refused_items == ["Exam: Oral (Letter)"]
    assert preview.errors == []


def test_a_file_without_identity_or_item_columns_is_refused(gradebook_cohort):
    with pytest.raises(ImportFileError, match="neither"):
        preview_of(gradebook_csv([["Na", "78"]], header=["First name", f"{PLC} (Real)"]), gradebook_cohort["cohort"])
    with pytest.raises(ImportFileError, match="no gradebook item"):
        preview_of(
            gradebook_csv([["a@b.c", "78"]], header=["Email address", "Course total (Real)"]),
            gradebook_cohort["cohort"],
        )


def test_gbk_encoded_csv_and_xlsx_give_the_same_preview(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = rows_ok()
    rows[0][0], rows[0][4] = "娜", "机电一体化"
    from_gbk = preview_of(gradebook_csv(rows, encoding="gbk"), gradebook_cohort["cohort"])
    assert from_gbk.rows[0].first_name == "娜"
    from_xlsx = preview_of(gradebook_xlsx(rows), gradebook_cohort["cohort"])
    for preview in (from_gbk, from_xlsx):
        assert preview.errors == []
        assert [(r.student.pk, [(c.module.code, c.score) for c in r.cells]) for r in preview.matched] == [
            (gradebook_cohort["li"].student.pk, [("PLC", Decimal("78.50")), ("CAD", Decimal("91.00"))]),
            (gradebook_cohort["wang"].student.pk, [("PLC", Decimal("59.99"))]),
            (gradebook_cohort["zhao"].student.pk, [("PLC", Decimal("75.00"))]),
        ]


def test_a_moodle_item_named_with_quotes_and_a_comma_shifts_no_column(gradebook_cohort, office):
    """Moodle's export (PHP fputcsv) quotes such a name and doubles its quotes; every later column stays in place."""
    smart = 'Assignment: "Smart factory" project, part 1'
    header = [*HEADER[:6], f"{smart} (Real)", f"{CAD} (Percentage)", *HEADER[-2:]]
    rows = [
        ["Na", "Li", "2026001", "CQEVTC", "Mechatronics", "li.na@cqevtc.cn", "78.50", "91.00 %", "80.00", STAMP],
        ["Fang", "Wang", "", "CQEVTC", "Mechatronics", "wang.fang@cqevtc.cn", "-", "55.00 %", "55.00", STAMP],
    ]
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={smart: gradebook_cohort["plc"], CAD: gradebook_cohort["cad"]},
    )
    preview = preview_of(moodle_csv([header, *rows]), gradebook_cohort["cohort"])
    assert preview.items == [smart, CAD] and preview.errors == []
    assert [[(c.module.code, c.score) for c in row.cells] for row in preview.matched] == [
        [("PLC", Decimal("78.50")), ("CAD", Decimal("91.00"))],
        [("CAD", Decimal("55.00"))],
    ]


# --- mapping ----------------------------------------------------------------------------------------------------


def test_mapping_is_saved_per_cohort_with_one_audit_entry(gradebook_cohort, office):
    before = AuditEntry.objects.count()
    mapped(gradebook_cohort, office)
    assert dict(GradebookMapping.objects.values_list("item_name", "module__code")) == {
        QUIZ: None,
        PLC: "PLC",
        CAD: "CAD",
    }
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "gradebook_mapping.save" and entry.changes[PLC] == [None, "PLC"]
    mapped(gradebook_cohort, office)  # the same again: nothing changes, no entry
    assert AuditEntry.objects.count() == before + 1
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping={PLC: gradebook_cohort["safe"]})
    assert AuditEntry.objects.latest("pk").changes == {PLC: ["PLC", "SAFE"]}


def test_mapping_refuses_a_module_of_another_track_and_a_module_twice(gradebook_cohort, office):
    with pytest.raises(DomainError, match="not part of track MECH"):
        gradebook_mapping_save(
            cohort=gradebook_cohort["cohort"], by=office, mapping={PLC: gradebook_cohort["foreign_module"]}
        )
    mapped(gradebook_cohort, office)
    with pytest.raises(DomainError, match="mapped to two gradebook items"):
        gradebook_mapping_save(
            cohort=gradebook_cohort["cohort"], by=office, mapping={"Other item": gradebook_cohort["plc"]}
        )
    assert GradebookMapping.objects.count() == 3


def test_suggestions_match_module_code_or_title(gradebook_cohort):
    modules = [gradebook_cohort["plc"], gradebook_cohort["cad"], gradebook_cohort["safe"]]
    assert suggest_module(PLC, modules) == gradebook_cohort["plc"]
    assert suggest_module("Exam: cad design", modules) == gradebook_cohort["cad"]
    assert suggest_module(QUIZ, modules) is None
    assert suggest_module("Assignment: PLCX", modules) is None  # a code counts only as a word


# --- matching and reconciliation -------------------------------------------------------------------------------


def test_rows_match_by_email_then_by_id_number_and_unmatched_rows_have_reasons(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [
        *rows_ok(),
        line("Jie", "Chen", "", "chen.jie@cqevtc.cn", plc="70"),  # applied, not enrolled
        line("Yu", "Sun", "2026005", "", plc="70"),  # enrolled in another cohort
        line("No", "Body", "9999", "nobody@example.cn", plc="70"),
        line("No", "Identity", "", "", plc="70"),
    ]
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(r.student.pk, r.matched_by) for r in preview.matched] == [
        (gradebook_cohort["li"].student.pk, "email"),  # case-insensitive
        (gradebook_cohort["wang"].student.pk, "email"),
        (gradebook_cohort["zhao"].student.pk, "id_number"),  # the e-mail is unknown, the ID number is his
    ]
    assert [(r.source.row, r.reason) for r in preview.unmatched] == [
        (5, "not_enrolled"),
        (6, "not_in_cohort"),
        (7, "no_student"),
        (8, "no_identity"),
    ]
    assert preview.unmatched[0].student == gradebook_cohort["applied"].student
    assert preview.missing == []
    assert preview.errors == []


def test_enrolled_students_missing_from_the_file_are_reported(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(rows_ok()[:1]), gradebook_cohort["cohort"])
    assert {e.pk for e in preview.missing} == {gradebook_cohort["wang"].pk, gradebook_cohort["zhao"].pk}


def test_the_same_student_twice_is_an_error(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [*rows_ok(), line("Na", "Li", "2026001", "", plc="80")]
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(e.row, "row 2" in e.message) for e in preview.errors] == [(5, True)]


def test_reconciliation_marks_new_changed_unchanged_and_kept(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    record = services.result_record
    record(
        enrollment=gradebook_cohort["li"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("78.50"),
    )
    record(
        enrollment=gradebook_cohort["li"],
        module=gradebook_cohort["cad"],
        by=office,
        assessed_on=DAY,
        score=Decimal("80"),
    )  # passed
    record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("40"),
    )  # failed
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    statuses = {
        (r.student.family_name_latin, c.module.code): (c.status, c.grade) for r in preview.matched for c in r.cells
    }
    assert statuses == {
        ("Li", "PLC"): (Status.UNCHANGED, "4"),
        ("Li", "CAD"): (Status.KEPT, "5"),
        ("Wang", "PLC"): (Status.CHANGED, "2"),
        ("Zhao", "PLC"): (Status.NEW, "4"),
    }


# --- apply ------------------------------------------------------------------------------------------------------


def test_apply_records_results_and_a_reimport_changes_nothing(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    services.result_record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("40"),
    )
    data = gradebook_csv(rows_ok())
    outcome = apply_gradebook(preview_of(data, gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert (outcome.written, outcome.new, outcome.changed) == (4, 3, 1)
    li_plc = ModuleResult.objects.get(enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"])
    assert (li_plc.score, li_plc.grade, li_plc.source, li_plc.attempt) == (Decimal("78.50"), "4", "lms", 1)
    wang = ModuleResult.objects.get(enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"])
    assert (wang.score, wang.attempt, wang.grade) == (Decimal("59.99"), 1, "2")  # the attempt is corrected
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    again = apply_gradebook(
        preview_of(data, gradebook_cohort["cohort"]), by=office, assessed_on=datetime.date(2026, 7, 1)
    )
    assert again.written == 0 and again.unchanged == 4
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_a_bad_last_row_saves_nothing(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [*rows_ok(), line("Bad", "Row", "", "bad@example.cn", plc="eighty")]
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError, match="1 error"):
        apply_gradebook(preview_of(gradebook_csv(rows), gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_a_refusal_in_the_middle_rolls_back_every_row(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    services.enrollment_withdraw(enrollment=gradebook_cohort["zhao"], by=office, reason="left")  # after the preview
    preview.matched[-1].enrollment.refresh_from_db()
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError):
        apply_gradebook(preview, by=office, assessed_on=DAY)
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_apply_refuses_unmapped_items(gradebook_cohort, office):
    with pytest.raises(DomainError, match="Map these gradebook items"):
        apply_gradebook(preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert not ModuleResult.objects.exists()


# --- the staff pages ------------------------------------------------------------------------------------------


def url(cohort):
    return f"/students/cohorts/{cohort.pk}/gradebook/"


def upload(client, cohort, data, name="grades.csv", encoding="auto"):
    return client.post(url(cohort), {"file": _named(data, name), "encoding": encoding})


def _named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_the_flow_upload_mapping_preview_confirm(client, gradebook_cohort, office):
    client.force_login(office)
    assert client.get(url(gradebook_cohort["cohort"])).status_code == 200
    response = upload(client, gradebook_cohort["cohort"], gradebook_csv(rows_ok()))
    assert response.status_code == 302 and response["Location"].endswith("/mapping/")
    token = re.search(r"/gradebook/([0-9a-f-]{36})/", response["Location"])[1]
    assert default_storage.exists(f"imports/tmp/{token}")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert QUIZ in html and "suggested" in html  # PLC and CAD are suggested from their code and title
    form = page.context["form"]
    fields = {field.label: name for name, field in form.fields.items()}
    choice = {QUIZ: "none", PLC: str(gradebook_cohort["plc"].pk), CAD: str(gradebook_cohort["cad"].pk)}
    assert form[fields[PLC]].initial == choice[PLC]
    response = client.post(page.request["PATH_INFO"], {fields[item]: value for item, value in choice.items()})
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "78.50" in text and "new" in text and "Matched rows" in text
    response = client.post(response["Location"], {"assessed_on": "2026-06-20", "confirm": "1"})
    assert response.status_code == 200
    assert "4 result(s) saved" in response.content.decode()
    assert ModuleResult.objects.filter(source="lms", assessed_on=DAY).count() == 4
    assert not default_storage.exists(f"imports/tmp/{token}")  # deleted after the import


def test_a_mapped_cohort_goes_straight_to_the_preview_and_errors_block_the_confirm(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    rows = [*rows_ok(), line("Bad", "Row", "", "bad@example.cn", plc="120")]
    response = upload(client, gradebook_cohort["cohort"], gradebook_csv(rows))
    assert response["Location"].endswith("/preview/")
    page = client.get(response["Location"])
    assert "row 5" in page.content.decode() and "outside 0–100" in page.content.decode()
    response = client.post(response["Location"], {"assessed_on": "2026-06-20", "confirm": "1"})
    assert response.status_code == 400 and "nothing was imported" in response.content.decode()
    assert not ModuleResult.objects.exists()


def test_cancel_deletes_the_upload(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(rows_ok()))["Location"]
    token = re.search(r"/gradebook/([0-9a-f-]{36})/", location)[1]
    assert client.post(location, {"cancel": "1"}).status_code == 302
    assert not default_storage.exists(f"imports/tmp/{token}")
    assert client.get(location)["Location"] == url(gradebook_cohort["cohort"])  # expired: back to the upload


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02binary", "neither an XLSX"),
        (b"PK\x03\x04broken", "damaged"),
        (b"First name,Score\nNa,1\n", "neither an"),
    ],
)
def test_bad_files_through_the_page_give_a_message(client, gradebook_cohort, office, data, message):
    client.force_login(office)
    response = upload(client, gradebook_cohort["cohort"], data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_sessions_upload_is_not_reachable(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(rows_ok()))["Location"]
    client.force_login(make_user("other", OFFICE))
    assert client.get(location).status_code == 302


def test_permissions(client, gradebook_cohort):
    target = url(gradebook_cohort["cohort"])
    assert client.get(target)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("outsider"))
    assert client.get(target).status_code == 403
    office = Group.objects.get(name=OFFICE)
    office.permissions.remove(Permission.objects.get(codename="change_moduleresult"))
    client.force_login(make_user("clerk2", OFFICE))
    assert client.get(target).status_code == 403


def test_the_cohort_page_links_to_the_import(client, gradebook_cohort, office):
    client.force_login(office)
    cohort = gradebook_cohort["cohort"]
    assert url(cohort) in client.get(f"/students/cohorts/{cohort.pk}/").content.decode()


# --- the management command -------------------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_grades", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_command_refuses_unmapped_items_then_maps_and_imports(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    with pytest.raises(CommandError, match=f"not mapped for cohort MECH26: {QUIZ}, {PLC}, {CAD}"):
        run(str(path), "--cohort", "MECH26")
    maps = ["--map", f"{QUIZ}=-", "--map", f"{PLC}=PLC", "--map", f"{CAD}=cad"]
    output = run(str(path), "--cohort", "MECH26", "--dry-run", *maps)
    assert "3 matched" in output and "would be saved" in output
    assert not ModuleResult.objects.exists() and not GradebookMapping.objects.exists()  # a dry run saves nothing
    output = run(str(path), "--cohort", "MECH26", *maps, "--by", "clerk", "--date", "2026-06-20")
    assert "4 result(s) saved" in output
    assert ModuleResult.objects.filter(recorded_by=office, assessed_on=DAY).count() == 4
    output = run(str(path), "--cohort", "MECH26")  # the mapping is saved now; a re-import changes nothing
    assert "0 result(s) saved" in output


def test_command_errors_exit_non_zero_and_save_nothing(gradebook_cohort, office, tmp_path):
    mapped(gradebook_cohort, office)
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv([*rows_ok(), line("Bad", "Row", "", "x@y.cn", plc="n/a")]))
    with pytest.raises(CommandError, match="1 error"):
        run(str(path), "--cohort", "MECH26")
    assert not ModuleResult.objects.exists()
    with pytest.raises(CommandError, match="No cohort"):
        run(str(path), "--cohort", "NOPE")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run(str(empty), "--cohort", "MECH26")
    with pytest.raises(CommandError, match="No module XYZ"):
        run(str(path), "--cohort", "MECH26", "--map", f"{PLC}=XYZ")


# --- bad uploads through the page: a message on the form, no 500, nothing stored ---------------------------------


def stored_uploads() -> list[str]:
    try:
        return default_storage.listdir("imports/tmp")[1]
    except FileNotFoundError:
        return []


def assert_refused_on_the_form(client, response, message):
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors["file"]), form.errors
    assert message in response.content.decode()
    assert stored_uploads() == []
    assert not client.session.get("gradebook_uploads")
    assert not ModuleResult.objects.exists()


def test_an_upload_over_10_mb_is_refused_on_the_form(client, gradebook_cohort, office):
    client.force_login(office)
    head = gradebook_csv(rows_ok())
    data = head + b"," * (10 * 1024 * 1024 + 1 - len(head))  # a real gradebook, padded past the limit
    assert len(data) == 10 * 1024 * 1024 + 1
    response = upload(client, gradebook_cohort["cohort"], data)
    assert_refused_on_the_form(client, response, "larger than 10 MB")
    assert not GradebookMapping.objects.exists()


# Slow on its own (reads a 10 MB workbook): ./dev test --fast leaves it out.
@pytest.mark.slow
def test_an_upload_of_exactly_10_mb_is_read(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    head = gradebook_csv(rows_ok())
    data = head + b"\n" * (10 * 1024 * 1024 - len(head))  # blank lines are skipped
    response = upload(client, gradebook_cohort["cohort"], data)
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    assert len(stored_uploads()) == 1


def _xlsx_with_formula() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(line("Na", "Li", "2026001", "li.na@cqevtc.cn", plc="78"))
    sheet["H3"] = "=H2+1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_with_merged_header() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(line("Na", "Li", "2026001", "li.na@cqevtc.cn", plc="78"))
    sheet.merge_cells("A1:B1")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _docx_like_zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_xlsx_with_formula, "Cell H3 holds a formula"),
        (_xlsx_with_merged_header, "Header cells A1:B1 are merged"),
        (_docx_like_zip, "damaged or not an XLSX"),
        (lambda: gradebook_xlsx(rows_ok())[:300], "damaged or not an XLSX"),  # a truncated workbook
        (lambda: b"%PDF-1.7\n\x00\x00\x00binary", "neither an XLSX"),
        (lambda: b" \n \n", "file is empty"),
        (lambda: gradebook_csv([], header=["Email address", "Course total (Real)"]), "no gradebook item"),
    ],
)
def test_bad_files_are_refused_on_the_form_and_nothing_is_stored(client, gradebook_cohort, office, make, message):
    client.force_login(office)
    assert_refused_on_the_form(client, upload(client, gradebook_cohort["cohort"], make(), name="grades.xlsx"), message)


def test_the_type_comes_from_the_content_not_the_name(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    response = upload(client, gradebook_cohort["cohort"], gradebook_xlsx(rows_ok()), name="grades.csv")
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    assert "78.50" in client.get(response["Location"]).content.decode()


def test_too_many_rows_are_refused_on_the_form(client, gradebook_cohort, office, monkeypatch):
    monkeypatch.setattr("students.imports.base.MAX_ROWS", 5)
    client.force_login(office)
    rows = [line("N", f"S{n}", f"9{n:04d}", f"s{n}@example.cn", plc="70") for n in range(6)]
    response = upload(client, gradebook_cohort["cohort"], gradebook_csv(rows))
    assert_refused_on_the_form(client, response, "The file has 6 rows; at most 5 can be imported at once.")


def test_gbk_csv_through_the_page_detected_or_chosen_and_a_wrong_choice_is_refused(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    rows = [*rows_ok(), line("娜", "欧阳", "2026999", "ouyang.na@cqevtc.cn", plc="66")]  # not a student: unmatched
    data = gradebook_csv(rows, encoding="gbk")
    for encoding in ("auto", "gb18030"):
        response = upload(client, gradebook_cohort["cohort"], data, encoding=encoding)
        assert response.status_code == 302, response.content.decode()[:500]
        page = client.get(response["Location"]).content.decode()
        assert "娜 欧阳" in page  # the unmatched row's name, decoded, in the reconciliation report
    client.session.flush()
    client.force_login(office)
    for name in stored_uploads():
        default_storage.delete(f"imports/tmp/{name}")
    response = upload(client, gradebook_cohort["cohort"], data, encoding="utf-8")
    assert_refused_on_the_form(client, response, "cannot be read as utf-8")


def test_a_reimport_through_the_page_changes_nothing(client, gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    client.force_login(office)
    data = gradebook_csv(rows_ok())
    for expected in ("4 result(s) saved", "0 result(s) saved"):
        location = upload(client, gradebook_cohort["cohort"], data)["Location"]
        response = client.post(location, {"assessed_on": "2026-06-20", "confirm": "1"})
        assert response.status_code == 200 and expected in response.content.decode()
        if expected.startswith("4"):
            results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)
    assert stored_uploads() == []


def test_a_passed_result_is_kept_and_a_failed_attempt_is_corrected(gradebook_cohort, office):
    """The attempt rule of students/imports/gradebook/__init__.py, end to end with a file."""
    mapped(gradebook_cohort, office)
    services.result_record(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"], by=office, assessed_on=DAY, score=95
    )
    services.result_record(
        enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"], by=office, assessed_on=DAY, score=30
    )
    services.result_record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=40,
        attempt=2,
    )
    outcome = apply_gradebook(
        preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"]), by=office, assessed_on=DAY
    )
    assert (outcome.new, outcome.changed, outcome.kept) == (2, 1, 1)
    li = ModuleResult.objects.get(enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"])
    assert (li.score, li.source) == (Decimal("95.00"), "manual")  # passed: the LMS does not replace it
    wang = ModuleResult.objects.filter(enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"]).order_by(
        "attempt"
    )
    assert [(r.attempt, r.score, r.source) for r in wang] == [
        (1, Decimal("30.00"), "manual"),
        (2, Decimal("59.99"), "lms"),  # the latest, failed attempt is corrected; no attempt 3
    ]


# --- points out of an item's maximum (Moodle's "Real" display type) --------------------------------------------


def quiz_out_of_10():
    """The quiz of the issue: out of 10 in Moodle, exported as Real points."""
    return [
        line("Na", "Li", "2026001", "li.na@cqevtc.cn", quiz="8.50", plc="78.50"),
        line("Fang", "Wang", "", "wang.fang@cqevtc.cn", quiz="9.00", plc="59.99"),
        line("Lei", "Zhao", "2026003", "zhao.lei@cqevtc.cn", quiz="6", plc="75"),
    ]


def quiz_mapped(gradebook_cohort, office):
    mapping = {QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: None}
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping=mapping)


def test_a_real_item_whose_grades_look_like_points_out_of_less_than_100_asks_for_its_maximum(gradebook_cohort, office):
    quiz_mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(quiz_out_of_10()), gradebook_cohort["cohort"])
    assert preview.max_needed == [QUIZ]  # best grade 9 of "100": not plausible; PLC's best is 78.50
    assert not preview.can_apply
    with pytest.raises(DomainError, match="Give the maximum points of “Quiz: Week 1”: their best grade") as refused:
        apply_gradebook(preview, by=office, assessed_on=DAY)
    assert refused.value.code == "max_needed"
    assert not ModuleResult.objects.exists()


def test_points_are_converted_to_percent_with_the_items_maximum(gradebook_cohort, office):
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: None},
        maxima={QUIZ: Decimal("10")},
    )
    assert AuditEntry.objects.latest("pk").changes[QUIZ] == [None, "SAFE@10"]
    preview = preview_of(gradebook_csv(quiz_out_of_10()), gradebook_cohort["cohort"])
    assert preview.max_needed == [] and preview.errors == []
    quiz = {r.student.family_name_latin: next(c for c in r.cells if c.item == QUIZ) for r in preview.matched}
    assert [(c.raw, c.max_points, c.score, c.grade) for c in quiz.values()] == [
        (Decimal("8.50"), Decimal("10.00"), Decimal("85.00"), "pass"),
        (Decimal("9.00"), Decimal("10.00"), Decimal("90.00"), "pass"),
        (Decimal("6.00"), Decimal("10.00"), Decimal("60.00"), "pass"),
    ]
    plc = next(c for c in preview.matched[0].cells if c.item == PLC)
    assert (plc.raw, plc.score, plc.converted) == (Decimal("78.50"), Decimal("78.50"), False)  # out of 100
    apply_gradebook(preview, by=office, assessed_on=DAY)
    assert ModuleResult.objects.get(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["safe"]
    ).score == Decimal("85.00")
    # A grade above the maximum is an error at its row and column.
    rows = quiz_out_of_10()
    rows[1][6] = "10.50"
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (3, f"{QUIZ} (Real)", "Score 10.50 is outside 0–10.")
    ]


def test_the_preview_asks_for_the_maximum_and_shows_the_converted_score(client, gradebook_cohort, office):
    quiz_mapped(gradebook_cohort, office)
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(quiz_out_of_10()))["Location"]
    assert location.endswith("/mapping/")  # all items are mapped, but the quiz's maximum is asked
    page = client.get(location)
    html = page.content.decode()
    assert "Give the maximum points of “Quiz: Week 1”" in html and "best grade in the file: 9.00" in html
    form = page.context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items() if name.startswith("item_")}
    index = form.items.index(QUIZ)
    assert f"max_{index}" in form.fields and f"max_{form.items.index(CAD)}" not in form.fields  # a percentage
    response = client.post(location, {**data, f"max_{index}": "10"})
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("10.00")
    html = client.get(response["Location"]).content.decode()
    assert "8.50/10 →" in html and "85.00" in html and "points out of 10" in html
    response = client.post(response["Location"], {"assessed_on": "2026-06-20", "confirm": "1"})
    assert response.status_code == 200
    assert ModuleResult.objects.get(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["safe"]
    ).score == Decimal("85.00")


def test_the_preview_has_a_maximum_field_per_mapped_real_item(client, gradebook_cohort, office):
    mapping = {QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: gradebook_cohort["cad"]}
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping=mapping, maxima={QUIZ: Decimal(10)})
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(quiz_out_of_10()))["Location"]
    assert location.endswith("/preview/")
    max_form = client.get(location).context["max_form"]
    names = {item: name for name, (item, _module) in max_form.items.items()}
    assert set(names) == {QUIZ, PLC}  # the mapped Real items; CAD is a percentage
    assert max_form[names[QUIZ]].initial == Decimal("10.00")
    response = client.post(location, {"save_max": "1", names[QUIZ]: "20", names[PLC]: ""})
    assert response.status_code == 302 and response["Location"] == location
    assert dict(GradebookMapping.objects.values_list("item_name", "max_points")) == {
        QUIZ: Decimal("20.00"),
        PLC: None,
        CAD: None,
    }
    html = client.get(location).content.decode()
    assert "8.50/20 →</span> 42.50" in html
    response = client.post(location, {"save_max": "1", names[QUIZ]: "0", names[PLC]: ""})
    assert response.status_code == 400 and "greater than or equal to 0.01" in response.content.decode()
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("20.00")


def test_the_command_takes_the_maximum_after_an_at_sign(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(quiz_out_of_10()))
    maps = ["--map", f"{PLC}=PLC", "--map", f"{CAD}=-"]
    with pytest.raises(CommandError, match=r"Give the maximum points of “Quiz: Week 1”.*=MODULE_CODE@MAX"):
        run(str(path), "--cohort", "MECH26", *maps, "--map", f"{QUIZ}=SAFE")
    assert not GradebookMapping.objects.exists()  # refused: nothing saved, the mapping included
    output = run(str(path), "--cohort", "MECH26", *maps, "--map", f"{QUIZ}=SAFE@10", "--date", "2026-06-20")
    assert "SAFE 8.50/10.00 → 85.00" in output and "6 result(s) saved" in output
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("10.00")


# --- the command: a refused import changes nothing; a dry run checks what the real run checks ---------------------


def snapshot():
    return (
        list(GradebookMapping.objects.values_list("item_name", "module__code", "max_points").order_by("item_name")),
        ModuleResult.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_refused_command_saves_no_mapping_so_a_typo_blocks_nothing_later(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    before = snapshot()
    typo = ["--map", "Assigment: PLC project=PLC", "--map", f"{QUIZ}=-", "--map", f"{CAD}=CAD"]
    with pytest.raises(CommandError, match="No gradebook item “Assigment: PLC project” in the file"):
        run(str(path), "--cohort", "MECH26", *typo)
    assert snapshot() == before
    with pytest.raises(CommandError, match=f"not mapped for cohort MECH26: {PLC}"):
        run(str(path), "--cohort", "MECH26", "--map", f"{QUIZ}=-", "--map", f"{CAD}=CAD")  # PLC forgotten
    assert snapshot() == before
    bad = tmp_path / "bad.csv"
    bad.write_bytes(gradebook_csv([*rows_ok(), line("Bad", "Row", "", "x@y.cn", plc="n/a")]))
    maps = ["--map", f"{QUIZ}=-", "--map", f"{PLC}=PLC", "--map", f"{CAD}=CAD"]
    with pytest.raises(CommandError, match="1 error"):
        run(str(bad), "--cohort", "MECH26", *maps)
    assert snapshot() == before  # a file with errors: the mapping is not saved either
    assert "4 result(s) saved" in run(str(path), "--cohort", "MECH26", *maps)  # the correct mapping goes through


def test_a_dry_run_checks_one_module_one_item_like_the_real_run_and_changes_nothing(gradebook_cohort, office, tmp_path):
    mapped(gradebook_cohort, office)
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    before = snapshot()
    for dry in (["--dry-run"], []):
        with pytest.raises(CommandError, match="Module PLC is mapped to two gradebook items"):
            run(str(path), "--cohort", "MECH26", "--map", f"{QUIZ}=PLC", *dry)
        assert snapshot() == before
    output = run(str(path), "--cohort", "MECH26", "--dry-run")
    assert "Dry run: 4 result(s) would be saved (4 new, 0 corrected)" in output
    assert snapshot() == before
    output = run(str(path), "--cohort", "MECH26", "--dry-run", "--map", f"{QUIZ}=SAFE@10")
    assert "SAFE 10.00/10.00 → 100.00" in output and "5 result(s) would be saved" in output
    assert snapshot() == before  # the mapping of a dry run is rolled back with the results


# --- headers of Moodle in Russian and Chinese ---------------------------------------------------------------------

RU_HEADER = [
    "Имя",
    "Фамилия",
    "Индивидуальный номер",
    "Учреждение (организация)",
    "Отдел",
    "Адрес электронной почты",
    "Тест: Неделя 1 (Значение)",
    "Задание: Проект ПЛК (Значение)",
    "Экзамен: САПР (Проценты)",
    "Экзамен: Устный (Буква)",
    "Итоговая оценка за курс (Значение)",
    "Последняя загрузка из этого курса",
]
ZH_HEADER = [
    "名",
    "姓",
    "学号",
    "机构",
    "系别",
    "Email地址",
    "测验：第1周 (分数)",
    "作业：PLC项目 (分数)",
    "考试：CAD设计（百分比）",
    "考试：口试 (分数段)",
    "课程总分 (分数)",
    "最近从此课程下载",
]


@pytest.mark.parametrize("header", [RU_HEADER, ZH_HEADER], ids=["ru", "zh_cn"])
def test_a_gradebook_exported_in_russian_or_chinese_is_read(gradebook_cohort, office, header):
    rows = [
        ["Na", "Li", "2026001", "CQEVTC", "Mech", "li.na@cqevtc.cn", "8,50", "78,50", "91,00 %", "B", "80", STAMP],
        ["Lei", "Zhao", "2026003", "CQEVTC", "Mech", "", "-", "75", "-", "C", "70", STAMP],
    ]
    quiz, plc, cad = (re.sub(r"\s*[(（][^()（）]+[)）]$", "", name) for name in header[6:9])
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={quiz: gradebook_cohort["safe"], plc: gradebook_cohort["plc"], cad: gradebook_cohort["cad"]},
        maxima={quiz: Decimal(10)},
    )
    preview = preview_of(moodle_csv([header, *rows]), gradebook_cohort["cohort"])
    assert preview.items == [quiz, plc, cad]  # not the institution, the course total or the export time
    assert preview.kinds == {quiz: "Real", plc: "Real", cad: "Percentage"}
    assert preview.refused_items == [header[9]]  # letter grades
    assert preview.errors == []
    assert [(r.student.pk, r.matched_by) for r in preview.matched] == [
        (gradebook_cohort["li"].student.pk, "email"),
        (gradebook_cohort["zhao"].student.pk, "id_number"),
    ]
    assert preview.rows[0].first_name == "Na" and preview.rows[0].last_name == "Li"
    assert [(c.module.code, c.score) for c in preview.matched[0].cells] == [
        ("SAFE", Decimal("85.00")),  # 8,50 of 10
        ("PLC", Decimal("78.50")),
        ("CAD", Decimal("91.00")),
    ]


def test_a_refusal_names_the_columns_it_looked_for_and_the_ones_it_found(gradebook_cohort):
    header = ["Имя", "Фамилия", "Логин", "Тест: Неделя 1 (Значение)"]
    with pytest.raises(ImportFileError) as refused:
        preview_of(gradebook_csv([["Na", "Li", "lina", "8"]], header=header), gradebook_cohort["cohort"])
    message = refused.value.message
    assert "neither an e-mail nor an ID number column" in message
    for looked_for in ("“Email address”", "“Адрес электронной почты”", "“Email地址”", "“ID number”", "“学号”"):
        assert looked_for in message
    assert "Columns found: “Имя”, “Фамилия”, “Логин”, “Тест: Неделя 1 (Значение)”." in message


def test_an_item_that_is_not_a_module_is_not_read(gradebook_cohort, office):
    """A bonus item out of 150, or one with text grades, mapped to "not a module", blocks nothing."""
    mapped(gradebook_cohort, office)  # the quiz is not a module
    rows = rows_ok()
    rows[0][6], rows[1][6] = "140", "n/a"
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert preview.errors == [] and preview.can_apply
    assert QUIZ not in preview.rows[0].scores
