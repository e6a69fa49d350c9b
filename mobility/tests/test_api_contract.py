"""The partner API against its own OpenAPI schema, on a live server on 127.0.0.1 (issue 6, "How it is checked"):

- schemathesis generates requests for every operation from ``/api/schema/`` and sends them with the demo partner's
  key: no server error, and every response conforms to the schema (status code, content type, body);
- a client generated from the same schema by openapi-python-client nominates a student, applies them to a cohort,
  reads an enrollment's progress and downloads an issued diploma.

Bounded: a few examples per operation, no shrinking; both tests together take well under a minute.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from diplomas.models import Diploma
from mobility.demo import DEMO_API_KEY, seed_demo
from students.models import Enrollment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock]

EXAMPLES_PER_OPERATION = 6
HEADERS = {"Authorization": f"Api-Key {DEMO_API_KEY}"}


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


def test_every_operation_conforms_to_the_schema_and_never_fails(api):
    import schemathesis
    from schemathesis import checks

    schema = schemathesis.openapi.from_url(f"{api}/api/schema/?format=json", timeout=30)
    conformance = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    session = requests.Session()
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _property_test(operation, base_url=api, session=session, checks=conformance)()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failing operation is reported
            failures[operation.label] = f"{operation.label}: {type(exc).__name__}: {str(exc)[:2000]}"
    assert operations >= 10
    assert not failures, "\n\n".join(failures.values())


def _property_test(operation, *, base_url, session, checks):
    """A Hypothesis test of one operation: positive examples from the schema, sent and checked."""
    import hypothesis

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case):
        case.call_and_validate(base_url=base_url, session=session, headers=HEADERS, checks=checks)

    return run


def test_a_client_generated_from_the_schema_nominates_follows_and_downloads(api, tmp_path):
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.skip("openapi-python-client is not installed (requirements-dev.txt)")
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(
        json.dumps(_json_bodies_only(requests.get(f"{api}/api/schema/?format=json", timeout=30).json()))
    )
    # The generator formats its output with ruff, which it looks for on PATH.
    env = {**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(generator), "generate", "--path", str(schema_file), "--meta", "none", "--output-path",
         str(tmp_path / "mobility_client"), "--overwrite"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        _nominate_follow_download(api)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == "mobility_client"]:
            del sys.modules[name]
        shutil.rmtree(tmp_path / "mobility_client", ignore_errors=True)


def _json_bodies_only(schema: dict) -> dict:
    """Request bodies as JSON only, the way partners send them. DRF also accepts form and multipart bodies, and
    for an optional body with several content types openapi-python-client 0.29 writes code that names ``Unset``
    without importing it."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                body["content"] = {kind: value for kind, value in body["content"].items() if kind == "application/json"}
    return schema


def _nominate_follow_download(base_url: str) -> None:
    """What a partner's system does, through the generated client only (its modules are named by operation id)."""
    client_module = importlib.import_module("mobility_client")
    api_modules = {
        path.stem: importlib.import_module(f"mobility_client.api.{path.parent.name}.{path.stem}")
        for path in Path(client_module.__file__).parent.joinpath("api").glob("*/*.py")
        if path.stem != "__init__"
    }
    models = importlib.import_module("mobility_client.models")
    client = client_module.AuthenticatedClient(base_url=base_url, token=DEMO_API_KEY, prefix="Api-Key")

    me = api_modules["me"].sync(client=client)
    assert me.institution.code == "CQEVTC"

    # Nominate: a new student of the partner, then an application to one of its open cohorts.
    student_request = models.StudentRequest.from_dict(
        {
            "home_student_id": "2025089999",
            "family_name_han": "欧阳",
            "given_name_han": "晓东",
            "family_name_latin": "Ouyang",
            "given_name_latin": "Xiaodong",
            "email": "xiaodong.ouyang@stu.cqevtc.example",
        }
    )
    created = _one_of(api_modules, "students_create").sync_detailed(client=client, body=student_request)
    assert created.status_code == 201, created.content
    student = created.parsed
    cohorts = _one_of(api_modules, "cohorts_list").sync(client=client, page_size=100)
    open_cohort = next(c for c in cohorts.results if c.accepts_applications)
    application = models.EnrollmentApplyRequest.from_dict({"student": student.id, "cohort": open_cohort.id})
    applied = _one_of(api_modules, "enrollments_create").sync_detailed(client=client, body=application)
    assert applied.status_code == 201, applied.content
    assert str(applied.parsed.status) == "applied"

    # Follow: the progress of the application, and of a student who studies.
    progress = _one_of(api_modules, "enrollments_progress_retrieve").sync(client=client, id=applied.parsed.id)
    assert progress.enrollment == applied.parsed.id
    enrolled = Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED, student__home_institution__code="CQEVTC"
    ).first()
    progress = _one_of(api_modules, "enrollments_progress_retrieve").sync(client=client, id=enrolled.pk)
    assert progress.enrollment == enrolled.pk and str(progress.status) == "enrolled"

    # Download: the issued diploma, found by its number, then its PDF.
    issued = Diploma.objects.get(status=Diploma.Status.ISSUED)
    found = _one_of(api_modules, "diplomas_lookup_retrieve").sync(client=client, number=issued.number)
    assert found.number == issued.number
    pdf = _one_of(api_modules, "diplomas_pdf_retrieve").sync_detailed(client=client, id=issued.pk)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with issued.pdf.open("rb") as stored:
        assert pdf.content == stored.read()


def _one_of(api_modules: dict, operation_id: str):
    assert operation_id in api_modules, f"{operation_id} not among the generated operations: {sorted(api_modules)}"
    return api_modules[operation_id]
