"""``manage.py verify_diploma_files``: every stored diploma file read back and compared with its recorded SHA-256."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from diplomas import services
from diplomas.integrity import diploma_files_check
from students.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def distinct_render(fake_render):
    """Each diploma gets its own bytes (its number inside), so a hash mix-up between diplomas would show."""
    fake_render.side_effect = lambda diploma: b"%PDF-1.7 fake " + diploma.number.encode() + b"\n%%EOF\n"
    return fake_render


def _issue(n: int, committed_callbacks):
    diplomas = []
    for _ in range(n):
        with committed_callbacks(execute=True):
            diploma = services.diploma_request(enrollment=EnrollmentFactory(completed=True), requested_by=None)
        diploma.refresh_from_db()
        diplomas.append(diploma)
    return diplomas


def _run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_diploma_files", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def test_every_file_matching_its_hash_passes(distinct_render, django_capture_on_commit_callbacks):
    diplomas = _issue(3, django_capture_on_commit_callbacks)
    services.diploma_revoke(diploma=diplomas[2], by=None, reason="typo in the name")  # revoked files are checked too
    code, out, err = _run()
    assert code == 0, err
    assert "checked 3, ok 3, missing 0, mismatched 0" in out
    assert _run("--quiet")[:2] == (0, "")


def test_a_missing_and_a_changed_file_are_reported_and_fail(distinct_render, django_capture_on_commit_callbacks):
    ok, missing, changed = _issue(3, django_capture_on_commit_callbacks)
    media = Path(settings.MEDIA_ROOT)
    (media / missing.pdf.name).unlink()
    changed_path = media / changed.pdf.name
    changed_path.write_bytes(changed_path.read_bytes().replace(b"fake", b"FAKE"))

    code, out, err = _run("--quiet")
    assert code == 1
    assert out == ""
    assert f"missing: diploma {missing.number} {missing.pdf.name}" in err
    found = hashlib.sha256(changed_path.read_bytes()).hexdigest()
    assert f"mismatched: diploma {changed.number} {changed.pdf.name} recorded {changed.sha256} found {found}" in err
    assert "checked 3, ok 1, missing 1, mismatched 1" in err
    assert ok.number not in err

    report = diploma_files_check(jobs=1)  # the same answer without threads
    assert (report.checked, report.ok) == (3, 1)
    assert [p.diploma_id for p in report.missing] == [missing.pk]
    assert [p.diploma_id for p in report.mismatched] == [changed.pk]


def test_an_issued_diploma_without_a_file_name_is_missing(distinct_render, django_capture_on_commit_callbacks):
    (diploma,) = _issue(1, django_capture_on_commit_callbacks)
    type(diploma).objects.filter(pk=diploma.pk).update(pdf="")
    report = diploma_files_check()
    assert [(p.diploma_id, p.kind) for p in report.problems] == [(diploma.pk, "missing")]
