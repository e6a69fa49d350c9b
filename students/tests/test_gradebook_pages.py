"""The LMS gradebook import's staff pages: upload, mapping, preview and confirm, permissions, and bad uploads
(a message on the form, no 500, nothing stored)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from students.models import GradebookMapping, ModuleResult

from .gradebook_files import (
    CAD,
    DAY,
    HEADER,
    PLC,
    QUIZ,
    gradebook_csv,
    gradebook_xlsx,
    line,
    mapped,
    rows_ok,
    upload,
    url,
)

pytestmark = pytest.mark.django_db


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
