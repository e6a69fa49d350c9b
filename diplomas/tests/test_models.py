import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from diplomas.models import Diploma, new_verification_code
from mobility.tests.support import refused_by_database
from students.tests.factories import EnrollmentFactory

from .factories import DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

SHA = "a" * 64


def _issue(diploma: Diploma, number: str) -> None:
    Diploma.objects.filter(pk=diploma.pk).update(
        status="issued", number=number, sha256=SHA, issued_at=diploma.requested_at
    )


def test_one_diploma_per_enrollment_unless_revoked():
    diploma = DiplomaFactory()
    with refused_by_database("diploma_one_valid_per_enrollment"):
        Diploma.objects.create(enrollment=diploma.enrollment)
    _issue(diploma, "STK-IAM-2026-000001")
    Diploma.objects.filter(pk=diploma.pk).update(
        status="revoked", revoked_at=timezone.now(), revoked_reason="Name misspelt"
    )
    Diploma.objects.create(enrollment=diploma.enrollment)  # a corrected one may be issued after revocation


def test_diploma_number_is_unique():
    first, second = DiplomaFactory(), DiplomaFactory()
    _issue(first, "STK-IAM-2026-000001")
    with refused_by_database("diplomas_diploma_number_key"):
        _issue(second, "STK-IAM-2026-000001")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": "lost"}, "diploma_status_valid"),
        ({"status": "issued"}, "diploma_issued_has_number_file_hash"),
        (
            {"status": "issued", "number": "N-1", "issued_at": F("requested_at"), "sha256": "abc"},
            "diploma_issued_has_number_file_hash",
        ),
        ({"issued_at": timezone.now() - datetime.timedelta(days=3650)}, "diploma_issued_after_requested"),
        ({"verification_code": "short"}, "diploma_verification_code_128_bits"),
    ],
)
def test_diploma_checks(fields, constraint):
    diploma = DiplomaFactory()
    with refused_by_database(constraint):
        Diploma.objects.filter(pk=diploma.pk).update(**fields)


def test_revocation_needs_a_date_and_a_reason_after_issue():
    diploma = DiplomaFactory()
    _issue(diploma, "STK-IAM-2026-000002")
    with refused_by_database("diploma_revoked_has_date_and_reason"):
        Diploma.objects.filter(pk=diploma.pk).update(status="revoked", revoked_at=timezone.now())
    with refused_by_database("diploma_revoked_after_issued"):
        Diploma.objects.filter(pk=diploma.pk).update(
            revoked_at=diploma.requested_at - datetime.timedelta(days=1), revoked_reason="Fraud"
        )


def test_verification_codes_are_random_url_safe_and_unique():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) >= 22 and code.replace("-", "").replace("_", "").isalnum() for code in codes)
    first = DiplomaFactory()
    with refused_by_database("diplomas_diploma_verification_code_key"):
        DiplomaFactory(verification_code=first.verification_code, enrollment=EnrollmentFactory())
