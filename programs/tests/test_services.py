import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.samples import tiny_pdf
from programs import selectors, services
from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module
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
from students import services as student_services
from students.models import Enrollment, ModuleResult
from students.progress import cohort_enrollments_with_progress
from students.selectors import completion_missing_modules
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("clerk")


def _entries(action):
    return list(AuditEntry.objects.filter(action=action))


# --- institutions and contacts -----------------------------------------------------------------------------------


def test_institution_create_and_update_write_audit_entries(clerk):
    data = {"code": "NEWCOL", "kind": "sending", "name_en": "New College", "name_zh": "新学院", "country": "CN"}
    institution = services.institution_create(by=clerk, data=data)
    assert Institution.objects.get(code="NEWCOL").name_zh == "新学院"
    (created,) = _entries("institution.create")
    assert created.actor == clerk and created.changes["name_en"] == [None, "New College"]

    services.institution_update(institution=institution, by=clerk, data={**data, "city": "Wuhan"})
    (updated,) = _entries("institution.update")
    assert updated.changes == {"city": ["", "Wuhan"]}
    # Saving the same values again writes nothing.
    services.institution_update(institution=institution, by=clerk, data={**data, "city": "Wuhan"})
    assert len(_entries("institution.update")) == 1


def test_institution_create_refuses_a_taken_code_on_the_code_field(clerk):
    InstitutionFactory(code="TAKEN")
    with pytest.raises(DomainError) as refused:
        services.institution_create(
            by=clerk, data={"code": "TAKEN", "kind": "sending", "name_en": "X", "country": "CN"}
        )
    assert refused.value.field == "code"


def test_a_new_primary_contact_demotes_the_previous_one(clerk):
    institution = InstitutionFactory()
    first = ContactFactory(institution=institution, is_primary=True)
    second = services.contact_create(institution=institution, by=clerk, data={"full_name": "Li Na", "is_primary": True})
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary
    assert _entries("contact.update")[0].changes == {"is_primary": [True, False]}


def test_contact_delete_keeps_an_audit_entry(clerk):
    contact = ContactFactory(full_name="Wang Fang")
    services.contact_delete(contact=contact, by=clerk)
    assert not Contact.objects.exists()
    assert _entries("contact.delete")[0].changes["full_name"] == ["Wang Fang", None]


# --- agreements and quotas ---------------------------------------------------------------------------------------


def _agreement_data(**overrides):
    host = HostFactory()
    partner = InstitutionFactory()
    return {
        "number": "AGR-NEW",
        "title": "Mobility",
        "host": host,
        "partner": partner,
        "facilitator": None,
        "status": Agreement.Status.DRAFT,
        "signed_on": None,
        "valid_from": datetime.date(2026, 1, 1),
        "valid_until": datetime.date(2028, 12, 31),
        "notes": "",
        **overrides,
    }


def test_agreement_create_with_quotas_and_a_signed_pdf(clerk):
    track = TrackFactory()
    pdf = SimpleUploadedFile("scan.pdf", tiny_pdf(), content_type="application/pdf")
    agreement = services.agreement_create(
        by=clerk,
        data=_agreement_data(),
        quotas=[services.QuotaChange(track=track, year=2026, places=12)],
        signed_document=pdf,
    )
    assert agreement.quotas.get().places == 12
    assert agreement.signed_document.read().startswith(b"%PDF-")
    assert _entries("agreement.create")[0].changes["signed_document"][1].endswith(".pdf")
    assert _entries("quota.create")[0].changes["places"] == [None, 12]


def test_agreement_update_is_all_or_nothing_when_a_quota_goes_below_used(clerk, settings):
    quota = AgreementQuotaFactory(places=5)
    agreement = quota.agreement
    cohort = CohortFactory(agreement=agreement, host=agreement.host, partner=agreement.partner, track=quota.track)
    EnrollmentFactory(cohort=cohort, status="admitted")
    EnrollmentFactory(cohort=cohort, status="enrolled")
    with pytest.raises(DomainError) as refused:
        services.agreement_update(
            agreement=agreement,
            by=clerk,
            data={"title": "Renamed"},
            quotas=[services.QuotaChange(track=quota.track, year=quota.year, places=1, quota=quota)],
            signed_document=SimpleUploadedFile("scan.pdf", tiny_pdf(), content_type="application/pdf"),
        )
    assert refused.value.code == "quota_below_used"
    agreement.refresh_from_db()
    quota.refresh_from_db()
    assert agreement.title != "Renamed" and quota.places == 5 and not agreement.signed_document
    assert not _entries("agreement.update")
    # The PDF stored inside the rolled-back transaction is gone from the disk too.
    assert not any(path.is_file() for path in (settings.MEDIA_ROOT / "agreements").rglob("*"))


def test_a_quota_with_places_taken_cannot_be_removed(clerk):
    quota = AgreementQuotaFactory()
    cohort = CohortFactory(
        agreement=quota.agreement, host=quota.agreement.host, partner=quota.agreement.partner, track=quota.track
    )
    EnrollmentFactory(cohort=cohort, status="admitted")
    with pytest.raises(DomainError):
        services.agreement_update(
            agreement=quota.agreement,
            by=clerk,
            data={},
            quotas=[services.QuotaChange(track=None, year=None, places=None, quota=quota, delete=True)],
        )
    assert AgreementQuota.objects.filter(pk=quota.pk).exists()


def test_quota_usage_selector_agrees_with_quota_used():
    """The set-wise ``used`` of every quota equals ``programs.participants.quota_used`` of that quota."""
    host = HostFactory()
    partner = InstitutionFactory()
    mech, soft = TrackFactory(code="MECHX"), TrackFactory(code="SOFTX")
    agreement = AgreementFactory(host=host, partner=partner)
    other = AgreementFactory(host=host, partner=partner)
    quotas = [
        AgreementQuotaFactory(agreement=agreement, track=mech, year=2026, places=10),
        AgreementQuotaFactory(agreement=agreement, track=mech, year=2027, places=10),
        AgreementQuotaFactory(agreement=agreement, track=soft, year=2026, places=10),
        AgreementQuotaFactory(agreement=other, track=mech, year=2026, places=10),
    ]
    mech_2026 = CohortFactory(agreement=agreement, host=host, partner=partner, track=mech)
    mech_2027 = CohortFactory(
        agreement=agreement,
        host=host,
        partner=partner,
        track=mech,
        start_date=datetime.date(2027, 3, 1),
        end_date=datetime.date(2027, 12, 1),
    )
    soft_2026 = CohortFactory(agreement=agreement, host=host, partner=partner, track=soft)
    other_mech = CohortFactory(agreement=other, host=host, partner=partner, track=mech)
    no_agreement = CohortFactory(host=host, partner=partner, track=mech)
    for status in ("admitted", "enrolled", "enrolled", "rejected", "withdrawn"):
        EnrollmentFactory(cohort=mech_2026, status=status)
    EnrollmentFactory(cohort=mech_2026)  # applied: takes no place
    EnrollmentFactory(cohort=mech_2027, applied_on=datetime.date(2026, 2, 1), status="admitted")
    EnrollmentFactory(cohort=soft_2026, status="enrolled")
    EnrollmentFactory(cohort=other_mech, status="admitted")
    EnrollmentFactory(cohort=no_agreement, status="admitted")

    annotated = {q.pk: q for q in selectors.quotas_with_usage()}
    expected = {q.pk: student_services.quota_used(q) for q in quotas}
    assert {pk: q.used for pk, q in annotated.items()} == expected
    assert expected == {quotas[0].pk: 3, quotas[1].pk: 1, quotas[2].pk: 1, quotas[3].pk: 1}
    assert annotated[quotas[0].pk].left == 7
    # The agreement list counts the same places.
    listed = {a.pk: a for a in selectors.agreement_list()}
    assert listed[agreement.pk].places_used == 5 and listed[agreement.pk].places_total == 30


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"GIF89a not a pdf", "not_pdf"),
        (b"", "not_pdf"),
        (b"%PDF", "not_pdf"),
        (b"%PDF-1.7\n...", "broken_pdf"),
        (tiny_pdf()[:200], "broken_pdf"),
    ],
)
def test_signed_document_check_reads_the_content_not_the_name(content, code):
    with pytest.raises(DomainError) as refused:
        services.signed_document_check(SimpleUploadedFile("agreement.pdf", content))
    assert refused.value.code == code and refused.value.field == "signed_document"


def test_signed_document_check_refuses_more_than_upload_max_pdf_mb(settings):
    settings.UPLOAD_MAX_PDF_MB = 1
    big = SimpleUploadedFile("big.pdf", tiny_pdf() + b"%" + b"0" * 1024 * 1024)
    with pytest.raises(DomainError) as refused:
        services.signed_document_check(big)
    assert refused.value.code == "file_too_large"
    services.signed_document_check(SimpleUploadedFile("ok.pdf", io.BytesIO(tiny_pdf()).read()))


# --- tracks and modules ------------------------------------------------------------------------------------------


def test_module_create_refuses_a_code_taken_in_the_track(clerk):
    track = TrackFactory()
    ModuleFactory(track=track, code="M-01")
    ModuleFactory(code="M-02")  # another track's code is free
    data = {"code": "M-01", "title_en": "Again", "hours": 36, "credits": Decimal(1), "assessment_kind": "exam"}
    with pytest.raises(DomainError) as refused:
        services.module_create(track=track, by=clerk, data=data)
    assert refused.value.field == "code"
    module = services.module_create(track=track, by=clerk, data={**data, "code": "M-02"})
    assert module.track == track and _entries("module.create")


def test_track_update_records_the_changes(clerk):
    track = TrackFactory()
    track.refresh_from_db()
    services.track_update(track=track, by=clerk, data={"name_en": "Robotics", "pass_score": Decimal(50)})
    assert _entries("track.update")[0].changes == {
        "name_en": [f"Track {track.code}", "Robotics"],
        "pass_score": ["60.00", "50"],
    }


# --- cohorts -----------------------------------------------------------------------------------------------------


def test_cohort_track_and_partner_are_fixed_once_it_has_enrollments(clerk):
    cohort = CohortFactory()
    EnrollmentFactory(cohort=cohort)
    for field, value in (("track", TrackFactory()), ("partner", InstitutionFactory())):
        with pytest.raises(DomainError) as refused:
            services.cohort_update(cohort=cohort, by=clerk, data={field: value})
        assert refused.value.field == field
    services.cohort_update(cohort=cohort, by=clerk, data={"name": "Renamed"})
    assert Cohort.objects.get(pk=cohort.pk).name == "Renamed"
    assert _entries("cohort.update")[0].changes == {"name": [f"Cohort {cohort.code}", "Renamed"]}


def test_cohort_capacity_cannot_go_below_the_places_taken(clerk):
    cohort = CohortFactory(capacity=5)
    EnrollmentFactory(cohort=cohort, status="admitted")
    EnrollmentFactory(cohort=cohort, status="admitted")
    with pytest.raises(DomainError) as refused:
        services.cohort_update(cohort=cohort, by=clerk, data={"capacity": 1})
    assert refused.value.field == "capacity"


def test_cohort_agreement_must_be_between_its_parties(clerk):
    host = HostFactory()
    agreement = AgreementFactory(host=host)
    data = {
        "code": "C-NEW",
        "name": "New",
        "track": TrackFactory(),
        "host": host,
        "partner": InstitutionFactory(),
        "agreement": agreement,
        "start_date": datetime.date(2026, 9, 1),
        "end_date": datetime.date(2027, 6, 30),
        "capacity": 10,
        "delivery_mode": Cohort.DeliveryMode.ONLINE,
    }
    with pytest.raises(DomainError) as refused:
        services.cohort_create(by=clerk, data=data)
    assert refused.value.field == "agreement"
    cohort = services.cohort_create(by=clerk, data={**data, "partner": agreement.partner})
    assert cohort.pk and _entries("cohort.create")


def test_cohort_progress_matches_the_completion_rule():
    cohort = CohortFactory()
    required = [ModuleFactory(track=cohort.track, credits=Decimal("2.5")) for _ in range(3)]
    elective = ModuleFactory(track=cohort.track, is_required=False, credits=Decimal(1))
    ModuleFactory(is_required=True)  # another track's module never counts
    done, partial, fresh = (EnrollmentFactory(cohort=cohort, status="enrolled") for _ in range(3))
    for module in required:
        ModuleResultFactory(enrollment=done, module=module)
    ModuleResultFactory(enrollment=done, module=elective)
    # Two passing attempts of one module count once; a failed module counts nothing.
    ModuleResultFactory(enrollment=partial, module=required[0], attempt=1, grade=ModuleResult.Grade.UNSATISFACTORY)
    ModuleResultFactory(enrollment=partial, module=required[0], attempt=2)
    ModuleResultFactory(enrollment=partial, module=required[0], attempt=3, grade=ModuleResult.Grade.EXCELLENT)
    ModuleResultFactory(enrollment=partial, module=required[1], grade=ModuleResult.Grade.UNSATISFACTORY)

    rows = {e.pk: e for e in cohort_enrollments_with_progress(cohort=cohort)}
    progress = {pk: (e.required_passed, e.required_total, e.credits_earned) for pk, e in rows.items()}
    assert progress == {
        done.pk: (3, 3, Decimal("8.5")),
        partial.pk: (1, 3, Decimal("2.5")),
        fresh.pk: (0, 3, Decimal("0")),
    }
    for enrollment in (done, partial, fresh):
        missing = completion_missing_modules(enrollment=enrollment).count()
        assert rows[enrollment.pk].required_total - rows[enrollment.pk].required_passed == missing
    assert Enrollment.objects.count() == 3 and Module.objects.count() == 5
