"""The partner API against its own OpenAPI schema, on a live server on 127.0.0.1:

- schemathesis generates requests for every operation from ``/api/schema/`` and sends them with the demo partner's
  key: every check passes (no server error, status code, content type, headers and body conform to the schema);
- a client generated from the schema as served, by the installed openapi-python-client (requirements-dev.txt), runs
  a partner's whole flow: nominate (passport data refused without the attestation of the transfer consent, accepted
  with it), apply to an open cohort, retry both writes under their Idempotency-Key (the same answer, nothing written
  twice), follow the changes since a time with its offset, read the student and the application, and download the
  diploma the office issued.

Bounded: the schemathesis run (its coverage phase the bulk, a few fuzzed examples per operation) takes under two
minutes on two cores, the client's flow about twenty seconds.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.utils import timezone

from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from mobility.demo import DEMO_API_KEY, seed_demo
from students.consent.models import Consent
from students.models import Enrollment, Student
from students.tests.factories import consent_text

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock]

EXAMPLES_PER_OPERATION = 5
HEADERS = {"Authorization": f"Api-Key {DEMO_API_KEY}"}

# schemathesis' configuration for this API. Every check runs, in every phase (examples, coverage, fuzzing, stateful).
# One allowance: a schema-valid body of a write may still be refused with a 400 by a rule no schema can state (an id
# that exists and is the caller's, a home student id not yet taken, a cohort's deadline), so "positive data
# acceptance" takes a 400 from writes; reads must accept every schema-valid query. The coverage phase tries two
# undocumented methods per path (each answers 405 with Allow), not all seven, and leaves the check that a request
# without the key is refused to the other phases, which run it on every operation: the run stays near two minutes.
SCHEMATHESIS_CONFIG = """
[phases.coverage]
unexpected-methods = ["DELETE", "TRACE"]
checks.ignored_auth.enabled = false

[[operations]]
include-method = ["POST", "PUT", "PATCH"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
"""


@pytest.fixture
def api(live_server, settings):
    """The demo data, one rendered and issued diploma of the demo partner (CQEVTC), and the server's URL."""
    settings.API_RATE_LIMIT = "100000/minute"  # the generated requests are not under test for throttling
    seed_demo()
    enrollment = Enrollment.objects.filter(
        status=Enrollment.Status.COMPLETED, student__home_institution__code="CQEVTC"
    ).first()
    from diplomas.services import diploma_request

    diploma = diploma_request(enrollment=enrollment, requested_by=None)  # rendered eagerly, in-process
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    return live_server.url


# Slow on its own (schemathesis fuzzes every operation on a live server): ./dev test --fast leaves it out.
@pytest.mark.slow
def test_every_operation_conforms_to_the_schema_and_never_fails(api, tmp_path):
    """``st run --checks all`` with the demo partner's key: 0 failures of any check (no 5xx; status codes, content
    types, headers and bodies as the schema documents them; negative data refused, positive data accepted;
    undocumented methods a 405; no answer without the key)."""
    st = Path(sys.executable).with_name("st")
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    done = subprocess.run(
        [str(st), "--config-file", str(config), "--no-color", "run", f"{api}/api/schema/?format=json",
         "--url", api, "--header", f"Authorization: {HEADERS['Authorization']}", "--checks", "all",
         "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", "14", "--generation-database", "none",
         "--workers", "1", "--request-timeout", "30"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("schemathesis_hooks.py"))},
    )  # fmt: skip
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-30000:]
    operations = re.search(r"Operations:\s+(\d+) selected", report)
    assert operations and int(operations.group(1)) >= 30, report[-3000:]


def test_a_client_generated_from_the_schema_nominates_follows_and_downloads(partner_site, tmp_path, fake_render):
    """A partner's whole flow through a client generated, as partners do, from the schema as served: the installed
    openapi-python-client (requirements-dev.txt) must generate it and its write modules must import and work."""
    generator = Path(sys.executable).with_name("openapi-python-client")
    assert generator.exists(), "openapi-python-client is a development requirement (requirements-dev.txt)"
    schema_file = tmp_path / "schema.json"
    schema_file.write_bytes(requests.get(f"{partner_site.url}/api/schema/?format=json", timeout=30).content)
    # The generator reads binary answers only as application/octet-stream: the PDF is one (docs/api.md says so).
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"content_type_overrides": {"application/pdf": "application/octet-stream"}}))
    # The generator formats its output with ruff, which it looks for on PATH.
    env = {**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(generator), "generate", "--path", str(schema_file), "--config", str(config_file), "--meta", "none",
         "--output-path", str(tmp_path / "mobility_client"), "--overwrite"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower(), done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        _partner_flow(partner_site)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == "mobility_client"]:
            del sys.modules[name]
        shutil.rmtree(tmp_path / "mobility_client", ignore_errors=True)


@pytest.fixture
def partner_site(live_server, settings):
    """A partner college with a read-write key, and an open cohort of a one-module track it sends students to, all
    relative to today; the live server's URL."""
    from mobility.tests.support import make_api_key
    from programs.tests.factories import CohortFactory, HostFactory, InstitutionFactory, ModuleFactory, TrackFactory

    settings.API_RATE_LIMIT = "100000/minute"
    college = InstitutionFactory(code="CQEVTC")
    _key, plain = make_api_key(college)
    today = timezone.localdate()
    module = ModuleFactory(track=TrackFactory())
    cohort = CohortFactory(
        track=module.track,
        host=HostFactory(),
        partner=college,
        application_deadline=today + datetime.timedelta(days=14),
        start_date=today + datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=300),
    )
    text = consent_text()  # the published transfer consent (a transactional test starts without the migration's)
    return SimpleNamespace(
        url=live_server.url, key=plain, college=college, cohort=cohort, module=module, consent_version=text.version
    )


def _partner_flow(site) -> None:
    """What a partner's system does, through the generated client only (its modules are named by operation id):
    nominate, apply, retry both writes, follow with ``modified_since``, then download the diploma the office issued."""
    client_module = importlib.import_module("mobility_client")
    api_modules = {
        path.stem: importlib.import_module(f"mobility_client.api.{path.parent.name}.{path.stem}")
        for path in Path(client_module.__file__).parent.joinpath("api").glob("*/*.py")
        if path.stem != "__init__"
    }
    models = importlib.import_module("mobility_client.models")
    client = client_module.AuthenticatedClient(base_url=site.url, token=site.key, prefix="Api-Key")
    # The partner's own clock is Beijing's: its sync times carry their offset.
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    sync_from = timezone.now().astimezone(beijing) - datetime.timedelta(minutes=1)

    me = _one_of(api_modules, "me").sync(client=client)
    assert me.institution.code == site.college.code

    # Nominate with passport data: refused without the attestation of the transfer consent, naming the field.
    nomination = {
        "home_student_id": "2025089999",
        "family_name_han": "欧阳",
        "given_name_han": "晓东",
        "family_name_latin": "Ouyang",
        "given_name_latin": "Xiaodong",
        "email": "xiaodong.ouyang@stu.cqevtc.example",
        "passport_number": "EB1234567",
    }
    students_create = _one_of(api_modules, "students_create")
    without = students_create.sync_detailed(client=client, body=models.StudentRequest.from_dict(nomination))
    assert without.status_code == 400 and without.parsed.code == "consent_required", without.content
    assert "transfer_consent" in json.loads(without.content)["fields"]
    assert not Student.objects.filter(home_institution=site.college).exists()
    # With it (the generated model of the nested attestation), and retried with the same Idempotency-Key (a lost
    # answer): the same student, once, and the consent recorded as the API's.
    attestation = models.TransferConsentRequest(version=site.consent_version, collected_on=datetime.date(2026, 1, 15))
    student_request = models.StudentRequest.from_dict(nomination)
    student_request.transfer_consent = attestation
    assert student_request.to_dict()["transfer_consent"] == {
        "version": site.consent_version,
        "collected_on": "2026-01-15",
    }
    nominated = students_create.sync_detailed(client=client, body=student_request, idempotency_key="nominate-1")
    assert nominated.status_code == 201, nominated.content
    again = students_create.sync_detailed(client=client, body=student_request, idempotency_key="nominate-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed.to_dict() == nominated.parsed.to_dict()
    assert Student.objects.filter(home_institution=site.college).count() == 1
    student = nominated.parsed
    consent = Consent.objects.get(student_id=student.id, current=True)
    assert (consent.channel, consent.collected_on) == (Consent.Channel.API, datetime.date(2026, 1, 15))

    # Apply to the open cohort, retried the same way: one application.
    cohorts = _one_of(api_modules, "cohorts_list").sync(client=client, page_size=100)
    assert site.cohort.pk in [cohort.id for cohort in cohorts.results]
    application = models.EnrollmentApplyRequest.from_dict({"student": student.id, "cohort": site.cohort.pk})
    enrollments_create = _one_of(api_modules, "enrollments_create")
    applied = enrollments_create.sync_detailed(client=client, body=application, idempotency_key="apply-1")
    assert applied.status_code == 201, applied.content
    assert str(applied.parsed.status) == "applied"
    again = enrollments_create.sync_detailed(client=client, body=application, idempotency_key="apply-1")
    assert again.status_code == 201 and again.parsed.id == applied.parsed.id
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Enrollment.objects.filter(student_id=student.id).count() == 1
    # The same key for another request is refused, not applied.
    other = models.EnrollmentApplyRequest.from_dict({"student": student.id, "cohort": site.cohort.pk, "notes": "x"})
    refused = enrollments_create.sync_detailed(client=client, body=other, idempotency_key="apply-1")
    assert refused.status_code == 409 and refused.parsed.code == "idempotency_key_reused"

    # The office admits, enrolls, records the module and completes the student, then issues the diploma.
    _office_completes_and_issues(enrollment_id=applied.parsed.id, module=site.module)

    # Follow: what changed since the last sync, then the student and the application themselves.
    changed_students = _one_of(api_modules, "students_list").sync(client=client, modified_since=sync_from)
    assert [row.id for row in changed_students.results] == [student.id]
    changed = _one_of(api_modules, "enrollments_list").sync(client=client, modified_since=sync_from)
    assert [(row.id, str(row.status)) for row in changed.results] == [(applied.parsed.id, "completed")]
    later = timezone.now().astimezone(beijing) + datetime.timedelta(minutes=1)
    assert _one_of(api_modules, "enrollments_list").sync(client=client, modified_since=later).results == []
    read = _one_of(api_modules, "students_retrieve").sync(client=client, id=student.id)
    assert read.family_name_han == "欧阳" and read.home_student_id == "2025089999"
    enrollment = _one_of(api_modules, "enrollments_retrieve").sync(client=client, id=applied.parsed.id)
    assert str(enrollment.status) == "completed"
    history = _one_of(api_modules, "enrollments_history_list").sync(client=client, id=applied.parsed.id)
    assert [str(entry.to_status) for entry in history] == ["applied", "admitted", "enrolled", "completed"]
    progress = _one_of(api_modules, "enrollments_progress_retrieve").sync(client=client, id=applied.parsed.id)
    assert (progress.required, progress.required_passed, progress.percent) == (1, 1, 100)

    # Download: the issued diploma, found in the list and by its number (as typed, in lower case), then its PDF.
    diplomas = _one_of(api_modules, "diplomas_list").sync(client=client, modified_since=sync_from)
    [diploma] = diplomas.results
    assert str(diploma.status) == "issued" and diploma.enrollment == applied.parsed.id
    found = _one_of(api_modules, "diplomas_lookup_retrieve").sync(client=client, number=diploma.number.lower())
    assert found.number == diploma.number and found.family_name_han == "欧阳"
    pdf = _one_of(api_modules, "diplomas_pdf_retrieve").sync_detailed(client=client, id=diploma.id)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content == FAKE_PDF and pdf.parsed.payload.read() == FAKE_PDF


def _office_completes_and_issues(*, enrollment_id: int, module) -> None:
    """The office's side, through the services (the diploma rendered by the fake renderer, eagerly on commit)."""
    from diplomas.services import diploma_request
    from students import services

    enrollment = Enrollment.objects.get(pk=enrollment_id)
    enrollment = services.enrollment_admit(enrollment=enrollment, by=None)
    enrollment = services.enrollment_enroll(enrollment=enrollment, by=None)
    services.result_record(
        enrollment=enrollment, module=module, by=None, assessed_on=timezone.localdate(), score=Decimal("91")
    )
    enrollment = services.enrollment_complete(enrollment=enrollment, by=None)
    diploma = diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED


def _one_of(api_modules: dict, operation_id: str):
    assert operation_id in api_modules, f"{operation_id} not among the generated operations: {sorted(api_modules)}"
    return api_modules[operation_id]
