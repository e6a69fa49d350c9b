"""Roster import, writing: apply all rows or none (through the services), re-imports, and the management command."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mobility.foundation.models import AuditEntry
from students.imports.roster import RosterRefused, apply_roster
from students.imports.roster import parse as roster_parse
from students.models import Enrollment, Student

from .factories import StudentFactory
from .roster_files import ROWS, counts, csv_bytes, parse, person, rows_of, table_rows, xlsx
from .test_import_files import excel_csv

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_apply_creates_students_and_applications_through_the_services(cohort_with_quota, office_admin):
    result = apply_roster(parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin), by=office_admin)
    assert (result.created, result.updated, result.applications) == (3, 0, 3)
    zhang = Student.objects.get(home_student_id="2026001")
    assert (zhang.full_name_han, zhang.home_institution, zhang.passport_number) == (
        "张伟",
        cohort_with_quota.partner,
        "E2026001",
    )
    enrollment = zhang.enrollments.get()
    assert (enrollment.cohort, enrollment.status, enrollment.source) == (cohort_with_quota, "applied", "import")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"student.create", "enrollment.apply"} <= actions


def test_a_wps_csv_with_quotes_in_a_cell_is_stored_as_typed(cohort_with_quota, office_admin):
    """WPS (and Excel on a Chinese system) writes GB18030 with the quotes of a cell doubled, as RFC 4180 says."""
    specialty = '软件技术（"1+X"证书）'
    rows = rows_of(ROWS)
    rows[1]["home specialty"] = specialty
    rows[2]["home specialty"] = "数控技术, 模具"  # a comma in a cell: the cell is quoted
    data = excel_csv(table_rows(rows), encoding="gb18030")
    assert '"软件技术（""1+X""证书）"'.encode("gb18030") in data
    apply_roster(parse(data, cohort_with_quota, office_admin), by=office_admin)
    assert Student.objects.get(home_student_id="2026002").home_specialty == specialty
    assert Student.objects.get(home_student_id="2026003").home_specialty == "数控技术, 模具"


def test_re_importing_updates_and_never_duplicates(cohort_with_quota, office_admin):
    apply_roster(parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin), by=office_admin)
    before = counts()
    again = parse(csv_bytes(rows_of(ROWS), "gbk"), cohort_with_quota, office_admin)
    assert [row.action for row in again.rows] == ["unchanged"] * 3
    assert [row.application for row in again.rows] == [False] * 3
    assert again.rows[0].application_note == "already in MECH26"
    result = apply_roster(again, by=office_admin)
    assert (result.created, result.updated, result.applications) == (0, 0, 0)
    assert counts() == before

    rows = rows_of(ROWS)
    rows[1]["home specialty"] = "数控技术"
    result = apply_roster(parse(xlsx(rows), cohort_with_quota, office_admin), by=office_admin)
    assert (result.created, result.updated, result.applications) == (0, 1, 0)
    assert Student.objects.count() == 3 and Enrollment.objects.count() == 3
    assert Student.objects.get(home_student_id="2026002").home_specialty == "数控技术"


def test_a_bad_last_row_saves_nothing(cohort_with_quota, office_admin):
    before = counts()
    rows = rows_of(ROWS) + [person("2026009", "孙", "丽", "Sun", "Li", born="not a date")]
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert [bool(row.errors) for row in preview.rows] == [False, False, False, True]
    with pytest.raises(RosterRefused) as refused:
        apply_roster(preview, by=office_admin)
    assert str(refused.value.errors[0]).startswith("row 5, birth date:")
    assert counts() == before


def test_a_refusal_under_the_lock_rolls_back_every_row(cohort_with_quota, office_admin):
    """Between the preview and the import another student took row 4's e-mail: the row is refused as student_create
    refuses it, and nothing of the file is saved."""
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    StudentFactory(email="2026003@Example.cn")
    before = counts()
    with pytest.raises(RosterRefused) as refused:
        apply_roster(preview, by=office_admin)
    error = refused.value.errors[0]
    assert (error.row, error.column) == (4, "e-mail") and "Another student has the e-mail" in error.message
    assert counts() == before


def test_an_erased_student_is_refused_under_the_lock(cohort_with_quota, office_admin):
    apply_roster(parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin), by=office_admin)
    rows = rows_of(ROWS)
    rows[1]["home specialty"] = "数控技术"
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    Student.objects.filter(home_student_id="2026002").update(erased_at=timezone.now())
    before = counts()
    with pytest.raises(RosterRefused) as refused:
        apply_roster(preview, by=office_admin)
    assert refused.value.errors[0].row == 3 and "were erased" in refused.value.errors[0].message
    assert counts() == before


def test_command_dry_run_saves_nothing(cohort_with_quota, office_admin, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(rows_of(ROWS)))
    out = io.StringIO()
    call_command("import_roster", str(path), "--cohort", "MECH26", "--dry-run", "--by", "popova", stdout=out)
    assert "3 rows (xlsx) in" in out.getvalue() and "3 new students" in out.getvalue()
    assert "Dry run" in out.getvalue() and counts()[:2] == (0, 0)
    call_command("import_roster", str(path), "--cohort", "mech26", "--by", "popova", stdout=out)
    assert "3 students created, 0 updated, 3 applications" in out.getvalue()
    assert Student.objects.get(home_student_id="2026001").passport_number == "E2026001"


def test_command_prints_row_errors_and_exits_non_zero(cohort_with_quota, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows_of(ROWS) + [person("2026009", "孙", "丽", "Sun", "Li", sex="?")], "gbk"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused"):
        call_command("import_roster", str(path), "--cohort", "MECH26", stdout=io.StringIO(), stderr=err)
    assert "row 5, sex: “?” is not a sex" in err.getvalue()
    assert counts()[:2] == (0, 0)
    with pytest.raises(CommandError, match="There is no cohort"):
        call_command("import_roster", str(path), "--cohort", "NOPE", stdout=io.StringIO())
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_roster", str(tmp_path / "empty.csv"), "--cohort", "MECH26", stdout=io.StringIO())


@pytest.mark.parametrize(
    "values",
    [
        {"birth_date": datetime.date(1850, 1, 1)},
        {"birth_date": None},
        {"passport_issued_on": datetime.date(2030, 1, 1), "passport_expires_on": datetime.date(2020, 1, 1)},
        {"passport_issued_on": datetime.date(2020, 1, 1), "passport_expires_on": datetime.date(2020, 1, 1)},
        {"passport_issued_on": None, "passport_expires_on": datetime.date(2030, 1, 1)},
        {"family_name_latin": "", "home_student_id": ""},
    ],
)
def test_check_constraints_read_in_python_agree_with_the_database(values):
    from django.core.exceptions import ValidationError
    from django.db.models import CheckConstraint

    student = Student(**{"home_student_id": "1", "family_name_latin": "Zhang", "given_name_latin": "Wei", **values})
    for constraint in Student._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            try:
                constraint.validate(Student, student)
                expected = True
            except ValidationError:
                expected = False
            assert roster_parse._condition_holds(constraint.condition, student) == expected, constraint.name
