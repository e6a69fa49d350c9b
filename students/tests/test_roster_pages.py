"""Roster import's staff pages: upload → preview → confirm, permissions, bad files and the templates."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from openpyxl import Workbook

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.tests.support import make_user
from students.imports import roster
from students.imports.base import read_table
from students.models import Enrollment, Student

from .roster_files import IMPORT, ROWS, counts, csv_bytes, parse, person, rows_of, upload, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


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
    message = str(list(client.get(response["Location"]).context["messages"])[0])
    assert "3 students created" in message
    assert client.get(preview_url).status_code == 404  # the upload is gone with the import


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
