"""Fixtures of the programs app's tests (the staff roles and ``college`` are in the root conftest.py)."""

import pytest

from mobility.tests.support import make_user
from programs.models import Institution
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    ContactFactory,
    HostFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

# --- the staff pages (test_views_*.py) --------------------------------------------------------------------------


@pytest.fixture
def outsider():
    return make_user("outsider")


@pytest.fixture
def partnership():
    """An agreement of STANKIN and CQEVTC (with a facilitator) with a quota of track MECH (three modules), a cohort
    under it with two enrolled students (one with two results) and one applied, and a contact of the partner."""
    host = HostFactory()
    partner = InstitutionFactory(code="CQEVTC", name_en="Chongqing College", name_zh="重庆学院")
    facilitator = InstitutionFactory(code="HUATEC", kind=Institution.Kind.FACILITATOR, name_en="HUATEC Corp")
    track = TrackFactory(code="MECH")
    modules = [ModuleFactory(track=track, code=f"MECH-0{i}", credits=2) for i in range(1, 4)]
    agreement = AgreementFactory(host=host, partner=partner, facilitator=facilitator, number="STK-1")
    quota = AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=10)
    cohort = CohortFactory(code="CQ-MECH-2026", track=track, host=host, partner=partner, agreement=agreement)
    contact = ContactFactory(institution=partner, full_name="Liu Yang", is_primary=True)
    enrollments = EnrollmentFactory.create_batch(2, cohort=cohort, status=Enrollment.Status.ENROLLED)
    EnrollmentFactory(cohort=cohort)  # applied
    ModuleResultFactory(enrollment=enrollments[0], module=modules[0])
    ModuleResultFactory(enrollment=enrollments[0], module=modules[1])
    return {
        "host": host,
        "partner": partner,
        "facilitator": facilitator,
        "track": track,
        "modules": modules,
        "agreement": agreement,
        "quota": quota,
        "cohort": cohort,
        "contact": contact,
        "enrollments": enrollments,
    }
