"""The one rule of the register of transfers: which categories of personal data a piece of data carries, and whose
(students/consent/transfers.py), read from what the channels really send."""

from __future__ import annotations

import pytest

from diplomas.events import diploma_data
from diplomas.tests.factories import DiplomaFactory
from students.consent.transfers import data_categories, payload_transfer, rows_categories
from students.events import enrollment_data, result_data

from .factories import EnrollmentFactory, ModuleResultFactory


def test_fields_name_their_categories_and_empty_values_none():
    sent = {
        "family_name_latin": "Zhang",
        "email": "zhang@example.cn",
        "phone": "",
        "passport_number": "E1",
        "birth_date": "2005-01-01",
        "home_student_id": "2026001",
        "home_institution": 4,
        "id": 9,
    }
    assert data_categories(sent) == {"names", "contact", "identity_document", "birth_date", "education"}
    assert data_categories({"id": 9, "student": 3, "passport_number": ""}) == set()
    # An application: a student and a cohort (model instances or ids alike).
    assert data_categories({"student": object(), "cohort": object(), "notes": ""}) == {"education"}
    assert rows_categories([{"id": 1, "diploma": 4}, {"id": 2, "score": "4.00"}]) == {"diploma", "education"}


@pytest.mark.django_db
def test_the_events_payloads_carry_the_student_and_their_study_records():
    enrollment = EnrollmentFactory()
    result = ModuleResultFactory(enrollment=enrollment)
    student = enrollment.student
    for data in (
        enrollment_data(enrollment, previous_status="applied"),
        result_data(result, enrollment=enrollment, module=result.module, change="recorded"),
    ):
        assert payload_transfer({"id": "e", "type": "x", "data": data}) == ([student.pk], ["education"])
    diploma = DiplomaFactory(enrollment=enrollment)
    assert payload_transfer({"data": diploma_data(diploma, student=student)}) == (
        [student.pk],
        ["diploma", "education"],
    )


def test_a_payload_of_ids_or_withheld_data_transfers_nothing():
    assert payload_transfer({"data": {"enrollment_id": 7, "student": {"id": 3}}}) is None
    withheld = {"enrollment_id": 7, "student": {"id": 3, "personal_data_withheld": True}, "status": "enrolled"}
    assert payload_transfer({"data": withheld}) is None
    assert payload_transfer({"data": {**withheld, "score": "5.00", "personal_data_withheld": True}}) is None
    assert payload_transfer({"data": {"score": "5.00"}}) is None  # no student: nobody's data
    # Nested deeper (``data.enrollment.student``), the id itself or ``student_id``.
    nested = {"enrollment": {"id": 1, "student": {"id": 5, "home_student_id": "H"}}, "student_id": 6}
    assert payload_transfer({"data": nested}) == ([5, 6], ["education"])
