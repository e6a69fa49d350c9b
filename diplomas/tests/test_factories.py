"""DiplomaFactory's states are states the product can be in: valid by the model's rules, shaped like what the
services leave, and accepted by the services as the source of the next step."""

import hashlib

import pytest

from diplomas import services
from diplomas.models import Diploma
from students.models import Enrollment

from .factories import FAKE_PDF, DiplomaFactory

pytestmark = pytest.mark.django_db

S = Diploma.Status
# The fields a step of the workflow writes; a state is described by which of them hold a value.
WRITTEN = ("number", "issued_at", "pdf", "sha256", "attempts", "failure_reason", "revoked_at", "revoked_reason")


def _filled(diploma) -> set[str]:
    diploma.refresh_from_db()
    return {field for field in WRITTEN if getattr(diploma, field)}


@pytest.mark.parametrize("status", list(S))
def test_each_state_is_valid_by_the_models_rules(status):
    diploma = DiplomaFactory(status=status)
    diploma.full_clean()  # fields, uniqueness and every check constraint, in Python
    assert diploma.enrollment.status == Enrollment.Status.COMPLETED
    if status in (S.ISSUED, S.REVOKED):
        with diploma.pdf.open("rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == diploma.sha256 == hashlib.sha256(FAKE_PDF).hexdigest()


def test_issued_and_revoked_are_shaped_like_the_services_leave_them(issued, office):
    assert (
        _filled(DiplomaFactory(status=S.ISSUED))
        == _filled(issued)
        == {
            "number",
            "issued_at",
            "pdf",
            "sha256",
            "attempts",
        }
    )
    services.diploma_revoke(diploma=issued, by=office, reason="Name misspelt")
    assert _filled(DiplomaFactory(status=S.REVOKED)) == _filled(issued)


def test_the_services_take_each_state_on(fake_render, office, django_capture_on_commit_callbacks):
    requested = DiplomaFactory()
    assert services.diploma_issue(diploma_id=requested.pk).status == S.ISSUED
    issued = DiplomaFactory(status=S.ISSUED)
    assert services.diploma_revoke(diploma=issued, by=office, reason="Name misspelt").status == S.REVOKED
    failed = DiplomaFactory(status=S.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        services.diploma_retry(diploma=failed, by=office)
    failed.refresh_from_db()
    assert failed.status == S.ISSUED and failed.number.startswith("STK-IAM-2026-9")  # the number is kept


def test_numbers_do_not_meet_the_counters(fake_render, django_capture_on_commit_callbacks):
    made = DiplomaFactory(status=S.ISSUED)
    enrollment = DiplomaFactory(status=S.REVOKED).enrollment  # a revoked diploma leaves room for a new one
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.diploma_request(enrollment=enrollment, requested_by=None)
    issued.refresh_from_db()
    assert issued.status == S.ISSUED and issued.number != made.number
