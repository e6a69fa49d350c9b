"""A cohort's ZIP of issued PDFs: built by the task with its progress, every PDF in it equal to its stored SHA-256,
revoked and unissued diplomas left out, a failure shown with its reason and no file, the download for the office."""

import datetime
import hashlib
import io
import os
import zipfile
from unittest import mock

import pytest
from django.core.files.base import ContentFile

from diplomas.archives import services as archive_services
from diplomas.models import Diploma, DiplomaArchive
from diplomas.tasks import build_diploma_archive
from mobility.foundation.models import AuditEntry
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory, StudentFactory

from .factories import DiplomaFactory

pytestmark = pytest.mark.django_db

S = Diploma.Status
A = DiplomaArchive.Status


def _issued(cohort, latin, content: bytes, status=S.ISSUED):
    student = StudentFactory(home_institution=cohort.partner, family_name_latin=latin[0], given_name_latin=latin[1])
    return DiplomaFactory(
        enrollment=EnrollmentFactory(student=student, cohort=cohort, completed=True),
        status=status,
        pdf=ContentFile(content, name="diploma.pdf"),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def cohort_diplomas():
    """Cohort MECH26 with three issued diplomas (each PDF different), a revoked one, one still requested; another
    cohort's issued diploma."""
    cohort = CohortFactory(code="MECH26")
    issued = [
        _issued(cohort, ("Zhang", "Wei"), b"%PDF-1.7 Zhang Wei\n%%EOF\n"),
        _issued(cohort, ("Li", "Na"), b"%PDF-1.7 Li Na\n%%EOF\n"),
        _issued(cohort, ("Lü", "Xinyi"), b"%PDF-1.7 Lu Xinyi\n%%EOF\n"),
    ]
    revoked = _issued(cohort, ("Wang", "Fang"), b"%PDF-1.7 revoked\n%%EOF\n", status=S.REVOKED)
    requested = DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohort, completed=True))
    other = _issued(CohortFactory(code="CNC25"), ("Chen", "Jie"), b"%PDF-1.7 other cohort\n%%EOF\n")
    return {"cohort": cohort, "issued": issued, "revoked": revoked, "requested": requested, "other": other}


def _request(client, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cohorts/{cohort.pk}/diplomas/zip/")
    assert response.status_code == 302 and response["Location"] == f"/students/cohorts/{cohort.pk}/"
    return DiplomaArchive.objects.get(cohort=cohort)


def test_the_zip_holds_every_issued_pdf_equal_to_its_stored_sha256(
    office_client, cohort_diplomas, django_capture_on_commit_callbacks
):
    archive = _request(office_client, cohort_diplomas["cohort"], django_capture_on_commit_callbacks)
    assert archive.status == A.READY and archive.total == archive.done == 3 and archive.finished_at
    response = office_client.get(f"/diplomas/archives/{archive.pk}/zip/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store" and "MECH26-diplomas-" in response["Content-Disposition"]
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert zipped.testzip() is None
    by_number = {diploma.number: diploma for diploma in cohort_diplomas["issued"]}
    names = zipped.namelist()
    assert sorted(name.split("_")[0] for name in names) == sorted(by_number)
    for name in names:
        number = name.split("_")[0]
        assert hashlib.sha256(zipped.read(name)).hexdigest() == by_number[number].sha256
    zhang, _li, lu = cohort_diplomas["issued"]
    assert f"{zhang.number}_Zhang-Wei.pdf" in names and f"{lu.number}_Lu-Xinyi.pdf" in names
    # Revoked, unissued and other cohorts' diplomas are not in it.
    for left_out in ("revoked", "other"):
        assert not any(name.startswith(cohort_diplomas[left_out].number) for name in names)
    assert AuditEntry.objects.filter(action="diploma_archive.request", object_id=str(archive.pk)).exists()


def test_a_pdf_that_no_longer_matches_its_hash_fails_the_archive_without_a_file(
    office_client, cohort_diplomas, django_capture_on_commit_callbacks
):
    tampered = cohort_diplomas["issued"][1]
    with open(tampered.pdf.path, "wb") as handle:
        handle.write(b"%PDF-1.7 changed\n%%EOF\n")
    archive = _request(office_client, cohort_diplomas["cohort"], django_capture_on_commit_callbacks)
    assert archive.status == A.FAILED and not archive.file
    assert tampered.number in archive.failure_reason and "SHA-256" in archive.failure_reason
    partial = office_client.get(f"/cohorts/{cohort_diplomas['cohort'].pk}/diplomas/zip/progress/")
    assert partial.status_code == 286  # nothing to poll for
    assert tampered.number in partial.content.decode() and "archive-failure" in partial.content.decode()
    assert office_client.get(f"/diplomas/archives/{archive.pk}/zip/").status_code == 404


def test_an_unexpected_error_is_recorded_and_nothing_is_stored(cohort_diplomas, settings):
    archive = DiplomaArchive.objects.create(cohort=cohort_diplomas["cohort"], total=3)
    with mock.patch.object(zipfile.ZipFile, "writestr", side_effect=OSError("disk full")):
        build_diploma_archive.apply(args=(archive.pk,))
    archive.refresh_from_db()
    assert archive.status == A.FAILED and archive.failure_reason == "OSError: disk full" and not archive.file
    assert not (settings.MEDIA_ROOT / "diploma-archives").exists()


def test_building_twice_changes_nothing(cohort_diplomas):
    archive = DiplomaArchive.objects.create(cohort=cohort_diplomas["cohort"], total=3)
    build_diploma_archive.apply(args=(archive.pk,))
    archive.refresh_from_db()
    name = archive.file.name
    build_diploma_archive.apply(args=(archive.pk,))
    archive.refresh_from_db()
    assert archive.status == A.READY and archive.file.name == name


def test_a_run_killed_while_building_is_built_again_from_the_start(cohort_diplomas):
    archive = DiplomaArchive.objects.create(cohort=cohort_diplomas["cohort"], status=A.BUILDING, total=3, done=2)
    archive_services.diploma_archive_build(archive_id=archive.pk)
    archive.refresh_from_db()
    assert archive.status == A.READY and archive.done == 3
    assert len(zipfile.ZipFile(archive.file.open("rb")).namelist()) == 3


def test_progress_is_written_while_building(cohort_diplomas, monkeypatch):
    archive = DiplomaArchive.objects.create(cohort=cohort_diplomas["cohort"])
    seen = []
    original = archive_services._pdf_bytes

    def spy(diploma):
        seen.append(DiplomaArchive.objects.get(pk=archive.pk).done)
        return original(diploma)

    monkeypatch.setattr(archive_services, "_pdf_bytes", spy)
    archive_services.diploma_archive_build(archive_id=archive.pk)
    assert seen == [0, 1, 2]  # PROGRESS_STEPS ≥ 3: one update per PDF here


def test_the_progress_partial_polls_while_building_and_offers_the_download_when_ready(office_client, cohort_diplomas):
    cohort = cohort_diplomas["cohort"]
    url = f"/cohorts/{cohort.pk}/diplomas/zip/progress/"
    empty = office_client.get(url)
    assert empty.status_code == 286 and f'action="/cohorts/{cohort.pk}/diplomas/zip/"' in empty.content.decode()
    archive = DiplomaArchive.objects.create(cohort=cohort, status=A.BUILDING, total=4, done=1)
    building = office_client.get(url)
    page = building.content.decode()
    assert building.status_code == 200 and building["Cache-Control"] == "no-store"
    assert 'data-width="25"' in page and "1</strong> / 4" in page
    assert 'diplomas/zip/"' not in page  # no second request while one is built
    archive_services.diploma_archive_build(archive_id=archive.pk)
    ready = office_client.get(url)
    assert ready.status_code == 286 and f"/diplomas/archives/{archive.pk}/zip/" in ready.content.decode()


def test_a_request_while_one_is_built_returns_that_one(office_client, cohort_diplomas):
    cohort = cohort_diplomas["cohort"]
    building = DiplomaArchive.objects.create(cohort=cohort, status=A.BUILDING, total=3)
    office_client.post(f"/cohorts/{cohort.pk}/diplomas/zip/")
    assert list(DiplomaArchive.objects.filter(cohort=cohort)) == [building]


def test_a_cohort_without_issued_diplomas_gets_a_message(office_client, django_capture_on_commit_callbacks):
    cohort = CohortFactory(code="EMPTY1")
    DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohort, completed=True))
    response = office_client.post(f"/cohorts/{cohort.pk}/diplomas/zip/", follow=True)
    assert "EMPTY1 has no issued diploma to put in a ZIP." in response.content.decode()
    assert not DiplomaArchive.objects.exists()


def test_the_cohort_page_loads_the_archive_partial(office_client, cohort_diplomas):
    cohort = cohort_diplomas["cohort"]
    page = office_client.get(f"/students/cohorts/{cohort.pk}/").content.decode()
    assert f'hx-get="/cohorts/{cohort.pk}/diplomas/zip/progress/"' in page


def test_only_office_staff_download_an_archive(client, cohort_diplomas, django_user_model):
    archive = DiplomaArchive.objects.create(cohort=cohort_diplomas["cohort"])
    archive_services.diploma_archive_build(archive_id=archive.pk)
    url = f"/diplomas/archives/{archive.pk}/zip/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("outsider"))
    assert client.get(url).status_code == 403


def test_an_archive_that_lost_its_task_can_be_asked_for_again(
    office_client, cohort_diplomas, django_capture_on_commit_callbacks
):
    cohort = cohort_diplomas["cohort"]
    lost = DiplomaArchive.objects.create(cohort=cohort, status=A.BUILDING, total=3, done=1)
    DiplomaArchive.objects.filter(pk=lost.pk).update(
        modified_at=lost.modified_at - DiplomaArchive.STALE_AFTER - datetime.timedelta(seconds=1)
    )
    partial = office_client.get(f"/cohorts/{cohort.pk}/diplomas/zip/progress/")
    assert partial.status_code == 286  # no more polling
    assert "Stopped at 1 of 3" in partial.content.decode() and 'diplomas/zip/"' in partial.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(f"/cohorts/{cohort.pk}/diplomas/zip/")
    lost.refresh_from_db()
    assert lost.status == A.FAILED and lost.failure_reason == "Interrupted: no progress for 15 minutes."
    assert DiplomaArchive.objects.filter(cohort=cohort, status=A.READY).count() == 1


def test_a_newer_zip_replaces_the_older_one_and_deletes_its_file(cohort_diplomas, django_capture_on_commit_callbacks):
    cohort = cohort_diplomas["cohort"]
    first = DiplomaArchive.objects.create(cohort=cohort)
    archive_services.diploma_archive_build(archive_id=first.pk)
    first.refresh_from_db()
    path = first.file.path
    second = DiplomaArchive.objects.create(cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        archive_services.diploma_archive_build(archive_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == A.READY and first.status == A.REPLACED and not first.file
    assert not os.path.exists(path) and os.path.exists(second.file.path)
    # Building the replaced one again changes nothing.
    assert archive_services.diploma_archive_build(archive_id=first.pk).status == A.REPLACED
