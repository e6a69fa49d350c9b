"""Uploads checked by their content, not by their name, with size limits (docs/security.md)."""

import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.tests.samples import EXE, HTML, tiny_pdf, xlsx, zip_of
from mobility.tests.support import make_user
from programs.models import Agreement
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    HostFactory,
    InstitutionFactory,
    TrackFactory,
)
from students.imports.base import ImportFileError, read_table
from students.models import ModuleResult, Student
from students.tests.factories import EnrollmentFactory


def media_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def zip_bomb() -> bytes:
    """A ZIP holding an XLSX's parts whose sheet is 50 MB of zeros compressed to about 50 KB."""
    return zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024),
        }
    )


@pytest.fixture
def agreement_world():
    track = TrackFactory(code="MECH")
    return {"host": HostFactory(), "partner": InstitutionFactory(code="CQEVTC"), "track": track}


def _agreement_post(world, document) -> dict:
    return {
        "number": "STK-SEC",
        "title": "Mobility",
        "host": world["host"].pk,
        "partner": world["partner"].pk,
        "facilitator": "",
        "status": "draft",
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
        "quotas-TOTAL_FORMS": "0",
        "quotas-INITIAL_FORMS": "0",
        "quotas-MIN_NUM_FORMS": "0",
        "quotas-MAX_NUM_FORMS": "1000",
        "signed_document": document,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agreement.pdf", EXE, "The file is not a PDF document"),
        ("agreement.pdf", HTML, "The file is not a PDF document"),
        ("agreement.pdf", b"%PDF-1.7\nonly a header, no document", "a PDF reader cannot open it"),
        ("agreement.pdf", tiny_pdf()[:300], "a PDF reader cannot open it"),  # truncated
        ("agreement.pdf", tiny_pdf() + b"%" + b"0" * (2 * 1024 * 1024), "the limit is 2 MB"),
    ],
)
def test_a_signed_agreement_is_refused_unless_it_is_a_pdf_within_the_limit(
    client, agreement_world, settings, name, content, message
):
    settings.UPLOAD_MAX_PDF_MB = 2
    client.force_login(make_user("head", OFFICE_ADMIN))
    response = client.post("/agreements/new/", _agreement_post(agreement_world, SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["signed_document"])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Agreement.objects.filter(number="STK-SEC").exists() and media_files() == []


@pytest.mark.django_db
def test_a_real_pdf_is_accepted_whatever_its_name_and_content_type(client, agreement_world):
    client.force_login(make_user("head", OFFICE_ADMIN))
    document = SimpleUploadedFile("scan.bin", tiny_pdf(), content_type="application/octet-stream")
    response = client.post("/agreements/new/", _agreement_post(agreement_world, document))
    assert response.status_code == 302
    agreement = Agreement.objects.get(number="STK-SEC")
    assert agreement.signed_document.read() == tiny_pdf()


@pytest.mark.django_db
def test_the_admin_checks_an_agreement_upload_too(client):
    agreement = AgreementFactory()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = f"/admin/programs/agreement/{agreement.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "signed_document"}
    data.update({name: getattr(value, "pk", value) for name, value in data.items()})
    data.update(
        {f"{prefix}-{key}": "0" for prefix in ("quotas",) for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        signed_on="",
        valid_from=agreement.valid_from.isoformat(),
        valid_until=agreement.valid_until.isoformat(),
        facilitator=agreement.facilitator_id or "",
    )
    response = client.post(url, {**data, "signed_document": SimpleUploadedFile("scan.pdf", EXE)})
    assert response.status_code == 200
    assert "The file is not a PDF document" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.signed_document and media_files() == []
    accepted = client.post(url, {**data, "signed_document": SimpleUploadedFile("scan.pdf", tiny_pdf())})
    assert accepted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_document.read() == tiny_pdf()


ROSTER_HEADERS = ["home student id", "family name (Latin)", "given name (Latin)"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (tiny_pdf(), "wrong_type"),  # a PDF (renamed .xlsx or .csv)
        (EXE, "wrong_type"),
        (HTML, "wrong_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "wrong_type"),  # an old .xls
        (zip_of({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}), "wrong_type"),
        (b"id,name\n1,Li\x07Wei\n", "wrong_type"),  # a control character
        (b"id,name\n1,Li Wei\n\x00", "wrong_type"),  # a NUL byte far from the start
    ],
)
def test_read_table_refuses_what_is_neither_xlsx_nor_csv(data, code):
    with pytest.raises(ImportFileError) as refused:
        read_table(data)
    assert refused.value.code == code and refused.value.message


def _xlsx_with(member: str, content: bytes) -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx([["a", "b"], [1, 2]])))
    return zip_of(
        {info.filename: content if info.filename == member else source.read(info) for info in source.infolist()}
    )


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row r='1'><c r='A1'><v>1</v></c></row>"),  # cut short
        ("xl/worksheets/sheet1.xml", b"garbage"),
        ("xl/workbook.xml", b"garbage"),
    ],
)
def test_read_table_refuses_a_workbook_with_a_malformed_part(member, content):
    with pytest.raises(ImportFileError) as refused:
        read_table(_xlsx_with(member, content))
    assert refused.value.code == "broken_xlsx"


def test_read_table_refuses_a_zip_bomb_before_unpacking_it():
    with pytest.raises(ImportFileError) as refused:
        read_table(zip_bomb())
    assert refused.value.code == "zip_bomb" and "unpacks to 50 MB" in refused.value.message


def test_read_table_reads_real_files_whatever_their_kind():
    assert read_table(xlsx([ROSTER_HEADERS, ["2026001", "Zhang", "Wei"]])).kind == "xlsx"
    csv = read_table("home student id,family name (Latin)\n2026001,张\n".encode("gb18030"))
    assert csv.kind == "csv" and csv.rows == [(2, ["2026001", "张"])]


def test_the_table_limit_follows_the_setting(settings):
    settings.UPLOAD_MAX_TABLE_MB = 1
    with pytest.raises(ImportFileError) as refused:
        read_table(b"a,b\n" + b"1,2\n" * (300 * 1024))
    assert refused.value.code == "too_big" and "larger than 1 MB" in refused.value.message


@pytest.fixture
def roster_cohort():
    college = InstitutionFactory(code="CQEVTC")
    track = TrackFactory(code="MECH")
    agreement = AgreementFactory(partner=college)
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=30)
    return CohortFactory(code="MECH26", track=track, partner=college, agreement=agreement, capacity=30)


def _named(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("roster.xlsx", tiny_pdf(), "neither an XLSX workbook nor a CSV"),  # a PDF renamed .xlsx
        ("roster.csv", HTML, "an HTML or XML document, not a CSV"),
        ("roster.csv", EXE, "neither an XLSX workbook nor a CSV"),
        ("roster.xlsx", zip_bomb(), "unpacks to 50 MB"),
    ],
)
def test_the_roster_import_refuses_files_by_their_content_and_stores_nothing(
    client, roster_cohort, name, data, message
):
    client.force_login(make_user("head", OFFICE_ADMIN))
    response = client.post(
        "/students/import/", {"file": _named(data, name), "cohort": roster_cohort.pk, "encoding": "auto"}
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors["file"])
    assert message in response.content.decode()
    assert media_files() == [] and not default_storage.exists("imports/tmp")
    assert Student.objects.count() == 0


@pytest.mark.django_db
def test_an_oversized_gradebook_gets_a_message_on_the_form_and_nothing_is_stored(client):
    track = TrackFactory(code="MECH")
    cohort = CohortFactory(track=track)
    EnrollmentFactory(cohort=cohort)
    client.force_login(make_user("clerk", OFFICE))
    url = f"/students/cohorts/{cohort.pk}/gradebook/"
    big = b"Email address,Course total (Real)\n" + b"a@b.cn,90\n" * (11 * 1024 * 1024 // 10)
    response = client.post(url, {"file": _named(big, "grades.csv"), "encoding": "auto"})
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    exe = client.post(url, {"file": _named(EXE, "grades.csv"), "encoding": "auto"})
    assert exe.status_code == 400 and "neither an XLSX workbook nor a CSV" in exe.content.decode()
    assert media_files() == [] and not ModuleResult.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("diploma.pdf", EXE, "The file is not a PDF document"),
        ("diploma.pdf", HTML, "The file is not a PDF document"),
        ("diploma.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), "larger than 2 MB"),
    ],
)
def test_the_verification_page_refuses_a_non_pdf_or_oversized_copy(
    client, issued, empty_cache, settings, name, data, message
):
    settings.UPLOAD_MAX_PDF_MB = 2
    url = reverse("diplomas:verify", args=[issued.verification_code])
    response = client.post(url, {"pdf": SimpleUploadedFile(name, data, "application/pdf")})
    assert response.status_code == (413 if "larger" in message else 200)
    html = response.content.decode()
    assert message in html and "data-match" not in html
    assert 'data-max-size="2097152"' in html


@pytest.mark.django_db
def test_a_big_results_grid_posts_more_than_a_thousand_fields(client):
    """60 students x 20 modules: one score field a cell, 1,200 fields in one POST, read by the view (not a 400, which
    Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS of 1,000 gave)."""
    cohort = CohortFactory()
    client.force_login(make_user("head", OFFICE_ADMIN))
    fields = {f"score_{student}_{module}": "" for student in range(60) for module in range(20)}
    response = client.post(f"/students/cohorts/{cohort.pk}/results/", {"assessed_on": "2026-06-01", **fields})
    assert len(fields) == 1200 and response.status_code in (200, 302)
