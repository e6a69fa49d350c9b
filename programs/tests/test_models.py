import datetime

import pytest

from mobility.tests.support import refused_by_database
from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track

from .factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    ContactFactory,
    HostFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_institution_code_is_unique():
    InstitutionFactory(code="CQEVTC")
    with refused_by_database("programs_institution_code_key"):
        Institution.objects.create(code="CQEVTC", kind="sending", name_en="Another", country="CN")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"name_en": ""}, "institution_name_en_not_blank"),
        ({"kind": "university"}, "institution_kind_valid"),
    ],
)
def test_institution_checks(fields, constraint):
    with refused_by_database(constraint):
        Institution.objects.create(**{"code": "X1", "kind": "sending", "name_en": "X", "country": "CN", **fields})


def test_only_one_primary_contact_per_institution():
    first = ContactFactory(is_primary=True)
    ContactFactory(institution=first.institution, is_primary=False)
    ContactFactory(is_primary=True)  # another institution's primary contact is fine
    with refused_by_database("contact_one_primary_per_institution"):
        Contact.objects.create(institution=first.institution, full_name="Second", is_primary=True)


def test_agreement_number_is_unique():
    agreement = AgreementFactory(number="AGR-1")
    with refused_by_database("programs_agreement_number_key"):
        AgreementFactory(number="AGR-1", host=agreement.host, partner=agreement.partner)


def test_agreement_dates_must_be_in_order():
    with refused_by_database("agreement_valid_until_after_from"):
        AgreementFactory(valid_from=datetime.date(2026, 1, 1), valid_until=datetime.date(2025, 12, 31))
    AgreementFactory(valid_from=datetime.date(2026, 1, 1), valid_until=None)  # open-ended is fine


def test_agreement_host_is_not_its_own_partner():
    host = HostFactory()
    with refused_by_database("agreement_host_is_not_partner"):
        AgreementFactory(host=host, partner=host)


def test_quota_is_unique_per_agreement_track_and_year():
    quota = AgreementQuotaFactory(year=2026)
    AgreementQuotaFactory(agreement=quota.agreement, track=quota.track, year=2027)
    with refused_by_database("quota_unique_agreement_track_year"):
        AgreementQuota.objects.create(agreement=quota.agreement, track=quota.track, year=2026, places=5)


@pytest.mark.parametrize(("fields", "constraint"), [({"year": 1999}, "quota_year_range"), ({"places": -1}, "places")])
def test_quota_checks(fields, constraint):
    agreement, track = AgreementFactory(), TrackFactory()
    with refused_by_database(constraint):
        AgreementQuota.objects.create(**{"agreement": agreement, "track": track, "year": 2026, "places": 3, **fields})


def test_track_code_is_unique():
    TrackFactory(code="MECH")
    with refused_by_database("programs_track_code_key"):
        Track.objects.create(code="MECH", name_en="Mechatronics again")


@pytest.mark.parametrize(
    "scale",
    [
        {"pass_score": 0, "good_score": 75, "excellent_score": 90},
        {"pass_score": 80, "good_score": 75, "excellent_score": 90},
        {"pass_score": 60, "good_score": 95, "excellent_score": 90},
        {"pass_score": 60, "good_score": 75, "excellent_score": 101},
    ],
)
def test_track_grading_scale_must_be_ordered(scale):
    with refused_by_database("track_scale_ordered"):
        Track.objects.create(code="SOFT", name_en="Software Technologies", **scale)


def test_module_code_is_unique_within_a_track_only():
    module = ModuleFactory(code="MEC-01")
    ModuleFactory(code="MEC-01")  # same code in another track
    with refused_by_database("module_unique_code_per_track"):
        ModuleFactory(code="MEC-01", track=module.track)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"hours": 0}, "module_hours_positive"),
        ({"credits": -1}, "module_credits_range"),
        ({"credits": 61}, "module_credits_range"),
        ({"assessment_kind": "essay"}, "module_assessment_kind_valid"),
    ],
)
def test_module_checks(fields, constraint):
    track = TrackFactory()
    values = {"track": track, "code": "M1", "title_en": "M", "hours": 36, "credits": 1, "assessment_kind": "exam"}
    with refused_by_database(constraint):
        Module.objects.create(**{**values, **fields})


def test_cohort_code_is_unique():
    cohort = CohortFactory(code="MECH-2026-CQ")
    with refused_by_database("programs_cohort_code_key"):
        CohortFactory(code="MECH-2026-CQ", track=cohort.track, host=cohort.host, partner=cohort.partner)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"end_date": datetime.date(2026, 3, 1)}, "cohort_end_after_start"),
        ({"end_date": datetime.date(2025, 3, 1)}, "cohort_end_after_start"),
        ({"application_deadline": datetime.date(2027, 1, 1)}, "cohort_deadline_before_end"),
        ({"capacity": 0}, "cohort_capacity_positive"),
    ],
)
def test_cohort_checks(fields, constraint):
    with refused_by_database(constraint):
        CohortFactory(**fields)


def test_cohort_host_is_not_its_own_partner():
    host = HostFactory()
    with refused_by_database("cohort_host_is_not_partner"):
        CohortFactory(host=host, partner=host)


def test_localized_names_follow_the_language_with_english_fallback():
    track = TrackFactory(name_en="Mechatronics", name_ru="Мехатроника", name_zh="")
    assert track.name("ru") == "Мехатроника"
    assert track.name("zh-hans") == "Mechatronics"
    assert track.name("en") == "Mechatronics"
    assert str(InstitutionFactory(name_en="Chongqing College", short_name="")) == "Chongqing College"


def test_agreement_validity_and_cohort_intake_year():
    agreement = AgreementFactory(valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2025, 12, 31))
    assert agreement.is_valid_on(datetime.date(2025, 6, 1))
    assert not agreement.is_valid_on(datetime.date(2026, 1, 1))
    assert CohortFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 6, 30)).intake_year == 2026
    assert Agreement.objects.count() == 1 and Cohort.objects.count() == 1
