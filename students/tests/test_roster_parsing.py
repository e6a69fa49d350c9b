"""Roster import, reading: dates, parse → preview with every error by row and column, warnings, and what staff
without the sensitive permission may import."""

import datetime
import io

import pytest
from openpyxl import Workbook

from programs.tests.factories import CohortFactory, InstitutionFactory, TrackFactory
from students import services
from students.imports.base import read_table
from students.imports.roster import apply_roster, parse_date, parse_roster
from students.models import Student

from .factories import EnrollmentFactory, StudentFactory
from .roster_files import HEADERS, ROWS, TODAY, csv_bytes, parse, person, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def errors_of(preview):
    return {(error.row, error.column): error.message for error in preview.errors}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2004-05-17", datetime.date(2004, 5, 17)),
        ("17.05.2004", datetime.date(2004, 5, 17)),
        ("2004/05/17", datetime.date(2004, 5, 17)),
        ("2004-05-17T00:00:00", datetime.date(2004, 5, 17)),
        ("38124", datetime.date(2004, 5, 17)),  # an Excel day number
    ],
)
def test_dates_in_the_accepted_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["17/05/2004", "2004-13-01", "yesterday", "20040517", "31.02.2004"])
def test_other_date_forms_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_an_xlsx_roster_previews_new_students_and_applications(cohort_with_quota, office_admin):
    rows = rows_of(ROWS)
    data = xlsx(rows)
    workbook_with_a_date_cell = Workbook()
    sheet = workbook_with_a_date_cell.active
    preview = parse(data, cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    assert [row.action for row in preview.rows] == ["create"] * 3
    assert all(row.application for row in preview.rows)
    # The empty Cyrillic names are the transliterator's (Palladius); a name in the file is kept as given.
    assert preview.rows[0].names == {"han": "张伟", "latin": "Zhang Wei", "cyrillic": "Чжан Вэй"}
    assert preview.rows[0].suggested == ["given_name_cyrillic"]
    assert [row.names["cyrillic"] for row in preview.rows[1:]] == ["Ли На", "Ван Фан"]
    assert preview.rows[1].data["birth_date"] == datetime.date(2004, 5, 17)
    assert preview.rows[2].data["sex"] == Student.Sex.FEMALE
    assert preview.counts == {
        "rows": 3,
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "applications": 3,
        "rows_with_errors": 0,
    }
    # A real Excel date cell and a bare day number read the same.
    sheet.append(["home student id", "family name (Latin)", "given name (Latin)", "birth date", "passport issued"])
    sheet.append(["2026009", "Zhao", "Lei", datetime.datetime(2004, 5, 17), 44936])
    buffer = io.BytesIO()
    workbook_with_a_date_cell.save(buffer)
    row = parse(buffer.getvalue(), cohort_with_quota, office_admin).rows[0]
    assert (row.data["birth_date"], row.data["passport_issued_on"]) == (
        datetime.date(2004, 5, 17),
        datetime.date(2023, 1, 10),
    )


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8_decodes_the_chinese_names(cohort_with_quota, office_admin, encoding):
    preview = parse(csv_bytes(rows_of(ROWS), encoding), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    assert [row.names["han"] for row in preview.rows] == ["张伟", "李娜", "王芳"]
    assert preview.rows[0].data["home_specialty"] == "机械设计制造及其自动化"
    assert preview.encoding == ("gb18030" if encoding == "gbk" else "utf-8")


def test_chinese_and_russian_headers_are_understood(cohort_with_quota, office_admin):
    data = "学号,姓,名,性别,出生日期,邮箱,专业,Фамилия (латиница),Имя (латиница),Фамилия,Имя,同意书版本,дата согласия\n"
    data += "2026001,张,伟,男,2005-03-14,zw@example.cn,机械,Zhang,Wei,Чжан,Вэй,1,10.01.2026\n"
    preview = parse(data.encode("gbk"), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    row = preview.rows[0]
    assert row.names == {"han": "张伟", "latin": "Zhang Wei", "cyrillic": "Чжан Вэй"}
    assert (row.data["sex"], row.data["email"]) == ("M", "zw@example.cn")
    assert (row.attestation.version, row.attestation.collected_on) == (1, datetime.date(2026, 1, 10))


def test_missing_required_columns_are_one_file_level_error(cohort_with_quota, office_admin):
    preview = parse(b"sex,e-mail\nM,a@example.cn\n", cohort_with_quota, office_admin)
    assert preview.has_errors and not preview.rows
    (message,) = preview.file_errors
    assert "home student id" in message and "family name (Han) / family name (Latin)" in message
    assert "given name (Han) / given name (Latin)" in message


def test_without_a_cohort_the_cohort_code_column_is_required(college, office_admin):
    table = read_table(xlsx(rows_of(ROWS)))
    preview = parse_roster(table, cohort=None, institution=college, viewer=office_admin, today=TODAY)
    assert "cohort code" in preview.file_errors[0]


def test_bad_values_are_named_by_row_and_column(cohort_with_quota, office_admin):
    rows = rows_of(ROWS) + [
        person("2026004", "赵", "磊", "Zhao", "Lei", sex="X", born="31.02.2004", citizenship="China!", email="no-at"),
    ]
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    errors = errors_of(preview)
    assert set(errors) == {(5, "sex"), (5, "birth date"), (5, "citizenship"), (5, "e-mail")}
    assert "is not a valid date" in errors[(5, "birth date")]
    assert "M or F" in errors[(5, "sex")]
    assert "country code" in errors[(5, "citizenship")]
    assert errors[(5, "e-mail")] == "Enter a valid email address."
    assert [bool(row.errors) for row in preview.rows] == [False, False, False, True]


def test_model_rules_are_checked_per_row(cohort_with_quota, office_admin):
    rows = [
        # No given name in any script: nothing to suggest a Latin one from, so the model's rule speaks.
        person("2026001", "张", "", "Zhang", "", **{"passport issued": "2030-01-01", "passport expires": "2020-01-01"}),
        person("2026002", "李", "娜", "Li", "Na", born="1850-01-01", **{"home specialty": "x" * 300}),
    ]
    errors = errors_of(parse(xlsx(rows), cohort_with_quota, office_admin))
    assert "Latin name is required" in errors[(2, "given name (Latin)")]
    preview_second = errors_of(parse(xlsx(rows[1:]), cohort_with_quota, office_admin))
    assert "before 1900" in preview_second[(2, "birth date")]
    assert "at most 255" in preview_second[(2, "home specialty")]
    rows[0]["given name (Latin)"] = "Wei"
    assert (
        "expires before" in errors_of(parse(xlsx(rows[:1]), cohort_with_quota, office_admin))[(2, "passport expires")]
    )


def test_duplicates_in_the_file_and_e_mails_of_other_students(cohort_with_quota, college, office_admin):
    StudentFactory(home_institution=college, home_student_id="OTHER", email="taken@example.cn")
    rows = rows_of(ROWS) + [
        person("2026001", "张", "伟", "Zhang", "Wei", email="again@example.cn"),
        person("2026005", "周", "杰", "Zhou", "Jie", email="2026002@EXAMPLE.cn"),
        person("2026006", "吴", "敏", "Wu", "Min", email="Taken@example.cn"),
    ]
    errors = errors_of(parse(xlsx(rows), cohort_with_quota, office_admin))
    assert errors[(5, "home student id")] == "The same home student id as row 2."
    assert errors[(6, "e-mail")] == "The same e-mail as row 3."
    assert "belongs to another student (home id OTHER)" in errors[(7, "e-mail")]
    assert len(errors) == 3


def test_a_known_home_id_updates_that_student_and_lists_the_changes(cohort_with_quota, college, office_admin):
    known = StudentFactory(
        home_institution=college,
        home_student_id="2026001",
        family_name_han="张",
        given_name_han="伟",
        family_name_latin="Zhang",
        given_name_latin="Wei",
        family_name_cyrillic="Чжан",
        given_name_cyrillic="Вэй",
        sex="M",
        birth_date=datetime.date(2005, 3, 14),
        passport_number="E2026001",
        email="2026001@example.cn",
        home_specialty="机械设计制造及其自动化",
    )
    StudentFactory(home_institution=InstitutionFactory(code="OTHERCOL"), home_student_id="2026002")
    rows = rows_of(ROWS)
    rows[0]["given name (Han)"] = "薇"  # a corrected name: the same student, updated
    rows[0]["given name (Latin)"] = "Wei"
    rows[0]["given name (Cyrillic)"] = ""  # an empty cell keeps the stored value
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    first, second, _third = preview.rows
    assert (first.action, first.student, first.changes) == ("update", known, {"given_name_han": ("伟", "薇")})
    assert first.names["cyrillic"] == "Чжан Вэй"
    assert ("given name (Han)", "伟", "薇") in first.change_list
    # The same home id at another college is another student.
    assert second.action == "create"
    rows[0]["given name (Han)"] = "伟"
    assert parse(xlsx(rows[:1]), cohort_with_quota, office_admin).rows[0].action == "unchanged"


def test_unknown_or_wrong_cohorts_and_tracks(cohort_with_quota, college, office_admin):
    CohortFactory(code="OTHER26", partner=InstitutionFactory(code="FARAWAY"))
    TrackFactory(code="ELEC")
    rows = rows_of(ROWS)
    rows[0].update({"cohort code": "NOPE", "track code": ""})
    rows[1].update({"cohort code": "mech26", "track code": "ELEC"})
    rows[2].update({"cohort code": "MECH26", "track code": "GHOST"})
    headers = [*HEADERS, "cohort code", "track code"]
    errors = errors_of(parse(xlsx(rows, headers), cohort_with_quota, office_admin))
    assert errors[(2, "cohort code")] == "There is no cohort NOPE."
    assert "is a cohort of track MECH, not ELEC" in errors[(3, "track code")]
    assert errors[(4, "track code")] == "There is no track GHOST."
    # Without a fixed cohort each row names its own; a cohort of another sending college is refused.
    rows[0]["cohort code"], rows[1]["track code"], rows[2]["track code"] = "OTHER26", "MECH", "mech"
    table = read_table(xlsx(rows, headers))
    preview = parse_roster(table, cohort=None, institution=college, viewer=office_admin, today=TODAY)
    assert errors_of(preview) == {(2, "cohort code"): "Cohort OTHER26 belongs to another sending college."}
    assert preview.rows[1].cohort == cohort_with_quota


def test_a_cohort_of_another_college_closed_or_past_its_deadline_is_refused(cohort_with_quota, office_admin):
    other = CohortFactory(code="OTHER26", partner=InstitutionFactory(code="FARAWAY"))
    preview = parse_roster(
        read_table(xlsx(rows_of(ROWS))),
        cohort=other,
        institution=cohort_with_quota.partner,
        viewer=office_admin,
        today=TODAY,
    )
    assert "belongs to another sending college" in preview.file_errors[0]

    # A closed cohort is said once for the file (students/tests/test_open_cohorts.py has the rest).
    cohort_with_quota.accepts_applications = False
    cohort_with_quota.save()
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    assert "Cohort MECH26 does not accept applications." in preview.file_errors[0]
    assert errors_of(preview) == {}
    cohort_with_quota.accepts_applications, cohort_with_quota.application_deadline = (
        True,
        TODAY - datetime.timedelta(days=5),
    )
    cohort_with_quota.save()
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    assert (
        f"deadline of cohort MECH26 was {cohort_with_quota.application_deadline.isoformat()}" in preview.file_errors[0]
    )
    assert errors_of(preview) == {}


def test_more_applications_than_places_left_is_a_warning_not_an_error(cohort_with_quota, college, office_admin):
    quota = cohort_with_quota.agreement.quotas.get()
    quota.places = 2
    quota.save()
    admitted = EnrollmentFactory(cohort=cohort_with_quota)
    services.enrollment_admit(enrollment=admitted, by=office_admin, on=datetime.date(2026, 2, 2))
    cohort_with_quota.capacity = 3
    cohort_with_quota.save()
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    assert not preview.has_errors
    capacity, agreement = preview.warnings
    assert "3 new applications to cohort MECH26, which has 2 of 3 places left" in capacity
    assert "over the quota of agreement" in agreement and "(1 of 2 places left for MECH in 2026)" in agreement


def test_a_missing_quota_is_a_warning(cohort_with_quota, office_admin):
    cohort_with_quota.agreement.quotas.all().delete()
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    assert not preview.has_errors
    assert "has no quota for MECH in 2026" in preview.warnings[0]


def test_passport_columns_are_ignored_for_staff_without_the_sensitive_permission(cohort_with_quota, office):
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office)
    assert not preview.has_errors
    assert "birth date, passport number" in preview.warnings[0]
    assert "passport_number" not in preview.rows[0].data
    apply_roster(preview, by=office)
    assert Student.objects.get(home_student_id="2026001").passport_number == ""


def test_empty_latin_and_cyrillic_names_are_suggested_from_han(cohort_with_quota, office_admin):
    # The real transliterator (students/transliteration.py): pinyin for Latin, Palladius for Cyrillic.
    rows = [person("2026001", "张", "伟", "", "", **{"given name (Cyrillic)": "Вей"})]
    row = parse(xlsx(rows), cohort_with_quota, office_admin).rows[0]
    assert not row.errors
    assert row.names == {"han": "张伟", "latin": "Zhang Wei", "cyrillic": "Чжан Вей"}  # a given name is kept
    assert row.suggested == ["family_name_latin", "given_name_latin", "family_name_cyrillic"]
