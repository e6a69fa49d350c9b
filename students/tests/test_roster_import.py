"""Roster import: parse → preview with every error by row and column → apply all rows or none; the staff pages
and the management command. Files are real: made by openpyxl, or CSV encoded as UTF-8 (BOM) and GBK."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    InstitutionFactory,
    TrackFactory,
)
from students import services
from students.imports import roster
from students.imports.base import read_table
from students.imports.roster import RosterRefused, apply_roster, parse_date, parse_roster
from students.imports.roster import parse as roster_parse
from students.models import Enrollment, Student

from .factories import EnrollmentFactory, StudentFactory
from .test_import_files import excel_csv

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

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
]


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


@pytest.fixture
def cohort_with_quota(cohort):
    """The shared ``cohort`` (MECH26 of CQEVTC) under an agreement whose quota gives its track 30 places in 2026, as
    many as the cohort's capacity: the import warns when a file brings more applications than places left."""
    agreement = AgreementFactory(host=cohort.host, partner=cohort.partner)
    AgreementQuotaFactory(agreement=agreement, track=cohort.track, year=2026, places=30)
    cohort.agreement = agreement
    cohort.capacity = 30
    cohort.save(update_fields=["agreement", "capacity"])
    return cohort


def parse(data, cohort, viewer, **kwargs):
    return parse_roster(read_table(data, **kwargs), cohort=cohort, viewer=viewer, today=TODAY)


def errors_of(preview):
    return {(error.row, error.column): error.message for error in preview.errors}


def counts():
    return (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count())


# --- parse ------------------------------------------------------------------------------------------------------


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
    data = "学号,姓,名,性别,出生日期,邮箱,专业,Фамилия (латиница),Имя (латиница),Фамилия,Имя\n"
    data += "2026001,张,伟,男,2005-03-14,zw@example.cn,机械,Zhang,Wei,Чжан,Вэй\n"
    preview = parse(data.encode("gbk"), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    row = preview.rows[0]
    assert row.names == {"han": "张伟", "latin": "Zhang Wei", "cyrillic": "Чжан Вэй"}
    assert (row.data["sex"], row.data["email"]) == ("M", "zw@example.cn")


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


# --- apply ------------------------------------------------------------------------------------------------------


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


def test_a_service_refusal_midway_rolls_back_every_row(cohort_with_quota, office_admin, monkeypatch):
    before = counts()
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    real_apply = services.enrollment_apply
    calls = []

    def apply_then_refuse(**kwargs):
        calls.append(kwargs["student"])
        if len(calls) == 3:
            raise DomainError("The cohort was closed meanwhile.", code="cohort_closed", field="cohort")
        return real_apply(**kwargs)

    monkeypatch.setattr(services, "enrollment_apply", apply_then_refuse)
    with pytest.raises(RosterRefused) as refused:
        apply_roster(preview, by=office_admin)
    assert refused.value.errors[0].row == 4 and "closed meanwhile" in refused.value.errors[0].message
    assert counts() == before


# --- the staff pages --------------------------------------------------------------------------------------------

IMPORT = "/students/import/"


def upload(client, data, cohort, *, name="roster.xlsx", encoding="auto"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(IMPORT, {"file": file, "cohort": cohort.pk, "encoding": encoding})


def test_pages_are_for_staff_with_the_add_permissions(client, cohort_with_quota):
    assert client.get(IMPORT)["Location"].startswith("/accounts/login/")
    assert client.get("/students/import/template/?format=csv")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("outsider"))
    assert client.get(IMPORT).status_code == 403
    reader = make_user("reader", OFFICE)
    office_group = Group.objects.get(name=OFFICE)
    office_group.permissions.remove(*office_group.permissions.filter(codename="add_student"))
    client.force_login(reader)
    assert client.get(IMPORT).status_code == 403
    assert upload(client, xlsx(rows_of(ROWS)), cohort_with_quota).status_code == 403
    assert Student.objects.count() == 0


def test_upload_preview_confirm(client, cohort_with_quota, office_admin):
    client.force_login(office_admin)
    assert client.get(IMPORT).status_code == 200
    response = upload(client, csv_bytes(rows_of(ROWS), "gbk"), cohort_with_quota, name="名单.csv")
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    for name in ("张伟", "李娜", "王芳", "Zhang Wei", "Чжан"):
        assert name in html
    assert "GB18030" in html and "Confirm import" in html
    (path,) = [entry["path"] for entry in client.session["roster_imports"].values()]
    assert default_storage.exists(path)

    response = client.post(preview_url)
    assert response.status_code == 302 and response["Location"] == f"/students/cohorts/{cohort_with_quota.pk}/"
    assert Student.objects.count() == 3 and Enrollment.objects.filter(source="import").count() == 3
    assert not default_storage.exists(path)
    assert client.get(preview_url).status_code == 404  # the upload is gone with the import
    message = str(list(client.get("/students/").context["messages"])[0])
    assert "3 students created" in message


def test_preview_with_errors_has_no_confirm_and_confirm_is_refused(client, cohort_with_quota, office_admin):
    client.force_login(office_admin)
    rows = rows_of(ROWS) + [person("2026001", "张", "伟", "Zhang", "Wei", sex="?")]
    preview_url = upload(client, xlsx(rows), cohort_with_quota)["Location"]
    html = client.get(preview_url).content.decode()
    assert "Confirm import" not in html
    assert "The same home student id as row 2." in html and "<strong>sex</strong>" in html
    before = counts()
    response = client.post(preview_url)  # a crafted confirm: parsed again, refused
    assert response.status_code == 400 and counts() == before


def test_a_file_without_the_required_columns_shows_a_file_level_error(client, cohort_with_quota, office_admin):
    client.force_login(office_admin)
    html = client.get(upload(client, b"foo,bar\n1,2\n", cohort_with_quota, name="x.csv")["Location"]).content.decode()
    assert "Required columns are missing" in html and "Confirm import" not in html


def test_another_users_upload_cannot_be_confirmed(client, cohort_with_quota, office_admin):
    client.force_login(office_admin)
    preview_url = upload(client, xlsx(rows_of(ROWS)), cohort_with_quota)["Location"]
    client.force_login(make_user("other", OFFICE_ADMIN))
    assert client.post(preview_url).status_code == 404
    assert Student.objects.count() == 0


def _merged_header() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["home student id", "name", ""])
    sheet.merge_cells("B1:C1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _formula() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["home student id", "family name (Latin)", "given name (Latin)"])
    sheet.append(["2026001", "Zhang", "=UPPER(B2)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The submitted file is empty."),
        (b"%PDF-1.7\n\x00\x01\x02binary", "neither an XLSX workbook nor a CSV"),
        (b"PK\x03\x04 this is not a zip", "damaged or not an XLSX"),
        ("formula", "holds a formula"),
        ("merged", "are merged"),
        ("big", "larger than 10 MB"),
    ],
)
def test_bad_files_get_a_clear_message_on_the_form(client, cohort_with_quota, office_admin, data, expected):
    client.force_login(office_admin)
    data = {"formula": _formula, "merged": _merged_header, "big": lambda: b"a,b\n" + b"x" * (10 * 1024 * 1024)}.get(
        data, lambda: data
    )()
    response = upload(client, data, cohort_with_quota, name="roster.xlsx")
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert counts()[0] == 0 and not default_storage.exists("imports/tmp")


def test_templates_download_with_the_expected_columns(client, cohort_with_quota, office_admin):
    client.force_login(office_admin)
    response = client.get(f"/students/import/template/?format=csv&cohort={cohort_with_quota.pk}")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    table = read_table(response.content)
    assert table.headers == roster.template_headers()
    # The template itself imports cleanly into its cohort.
    assert not parse(response.content, cohort_with_quota, office_admin).has_errors
    xlsx_response = client.get("/students/import/template/?format=xlsx")
    assert read_table(xlsx_response.content).headers == roster.template_headers()
    assert "roster-template.xlsx" in xlsx_response["Content-Disposition"]
    assert client.get("/students/import/template/?format=pdf").status_code == 404


# --- the command ------------------------------------------------------------------------------------------------


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
