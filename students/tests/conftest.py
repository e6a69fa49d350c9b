"""Fixtures of the students app's tests (the staff roles, ``college`` and the diploma fixtures are in the root
conftest.py)."""

import pytest

from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students.models import Enrollment

from .factories import EnrollmentFactory, StudentFactory


@pytest.fixture
def cohort(college):
    """Cohort MECH26 of track MECH (Mechatronics, Мехатроника, 机电一体化) that ``college`` (CQEVTC) sends students
    to: no agreement, no modules (a test adds the modules it needs)."""
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    return CohortFactory(code="MECH26", track=track, partner=college)


@pytest.fixture
def gradebook_cohort(college):
    """A cohort of ``college`` in track MECH (modules PLC, CAD, and a credit module SAFE, with pass/good/excellent
    scores) with three enrolled students, one who only applied, one enrolled in another cohort, and a track OTHER
    with its own module: the LMS gradebook import's tests and those of the mail and the bulk writes it causes."""
    track = TrackFactory(code="MECH", pass_score=60, good_score=75, excellent_score=90)
    plc = ModuleFactory(track=track, code="PLC", title_en="PLC programming", order=1)
    cad = ModuleFactory(track=track, code="CAD", title_en="CAD design", order=2)
    safe = ModuleFactory(track=track, code="SAFE", title_en="Safety", order=3, assessment_kind="credit")
    cohort = CohortFactory(code="MECH26", track=track, partner=college)
    other_cohort = CohortFactory(code="MECH27", track=track, partner=college)

    def enroll(cohort_, enrolled=True, **student):
        status = Enrollment.Status.ENROLLED if enrolled else Enrollment.Status.APPLIED
        student = StudentFactory(home_institution=college, **student)
        return EnrollmentFactory(cohort=cohort_, status=status, student=student)

    other_track = TrackFactory(code="OTHER")
    return {
        "cohort": cohort,
        "plc": plc,
        "cad": cad,
        "safe": safe,
        "li": enroll(cohort, email="li.na@cqevtc.cn", home_student_id="2026001", family_name_latin="Li"),
        "wang": enroll(cohort, email="wang.fang@cqevtc.cn", home_student_id="2026002", family_name_latin="Wang"),
        "zhao": enroll(cohort, email="zhao.lei@cqevtc.cn", home_student_id="2026003", family_name_latin="Zhao"),
        "applied": enroll(cohort, enrolled=False, email="chen.jie@cqevtc.cn", home_student_id="2026004"),
        "elsewhere": enroll(other_cohort, email="sun.yu@cqevtc.cn", home_student_id="2026005"),
        "foreign_module": ModuleFactory(track=other_track, code="FOREIGN"),
    }
