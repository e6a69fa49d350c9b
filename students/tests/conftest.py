"""Fixtures of the students app's tests (the staff roles, ``college`` and the diploma fixtures are in the root
conftest.py)."""

import datetime
from unittest import mock

import pytest

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from diplomas.transcripts import services as transcript_services
from mobility.foundation.audit import audit_record
from mobility.foundation.models import WebhookEndpoint
from mobility.tests.support import make_user
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students import services
from students.models import Continuation, CorrectionRequest, Enrollment, ModuleResult

from . import personal_data_support as personal_data
from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory, consents_answered
from .portal_support import _enrolled
from .views_support import BIRTH, PASSPORT


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


# --- the staff pages about students (test_views_*.py) -----------------------------------------------------------


@pytest.fixture
def li(cohort):
    """李娜 Li Na / Ли На, with passport data, applied to ``cohort``."""
    student = StudentFactory(
        home_institution=cohort.partner,
        home_student_id="CQ2026001",
        family_name_han="李",
        given_name_han="娜",
        family_name_latin="Li",
        given_name_latin="Na",
        family_name_cyrillic="Ли",
        given_name_cyrillic="На",
        email="li.na@cq.example.cn",
        passport_number=PASSPORT,
        birth_date=BIRTH,
    )
    EnrollmentFactory(student=student, cohort=cohort)
    return student


@pytest.fixture
def zhang():
    other = CohortFactory(code="SOFT26", track=TrackFactory(code="SOFT"), partner=InstitutionFactory(code="WHPC"))
    student = StudentFactory(
        home_institution=other.partner,
        home_student_id="WH-77",
        family_name_han="张",
        given_name_han="伟",
        family_name_latin="Zhang",
        given_name_latin="Wei",
        family_name_cyrillic="Чжан",
        given_name_cyrillic="Вэй",
        email="zhang.wei@wh.example.cn",
    )
    enrollment = EnrollmentFactory(student=student, cohort=other)
    services.enrollment_admit(enrollment=enrollment, by=None)
    return student


# --- the roster import (test_roster_*.py) -----------------------------------------------------------------------


@pytest.fixture
def cohort_with_quota(cohort):
    """The shared ``cohort`` (MECH26 of CQEVTC) under an agreement whose quota gives its track 30 places in 2026, as
    many as the cohort's capacity: the import warns when a file brings more applications than places left."""
    agreement = AgreementFactory(host=cohort.host, partner=cohort.partner)
    AgreementQuotaFactory(agreement=agreement, track=cohort.track, year=2026, places=30)
    cohort.agreement = agreement
    cohort.capacity = 30
    cohort.save(update_fields=["agreement", "capacity"])
    return cohort


# --- the student portal (test_portal_*.py) ----------------------------------------------------------------------


@pytest.fixture
def me(issued):
    """A student with an account: a completed enrollment with an issued diploma (the ``issued`` fixture), and an
    enrollment in Mechatronics with three modules: PLC passed (second attempt), CAD failed, SAFE (optional) pending."""
    student = issued.enrollment.student
    student.user = make_user("wei")
    student.phone = "+86 138 0000 1111"
    student.home_specialty = "Automation"
    student.save()
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    enrollment = _enrolled(student, track)
    plc = ModuleFactory(track=track, code="PLC", title_en="PLC programming", title_zh="PLC编程", hours=72, credits=2)
    cad = ModuleFactory(track=track, code="CAD", title_en="CAD design", title_zh="CAD设计", hours=36, credits=1)
    ModuleFactory(track=track, code="SAFE", title_en="Safety", hours=18, credits=0.5, is_required=False)
    ModuleResultFactory(enrollment=enrollment, module=plc, grade=ModuleResult.Grade.UNSATISFACTORY, score=40)
    ModuleResultFactory(enrollment=enrollment, module=plc, attempt=2, grade=ModuleResult.Grade.GOOD, score=81)
    ModuleResultFactory(enrollment=enrollment, module=cad, grade=ModuleResult.Grade.UNSATISFACTORY, score=52)
    student.mech = enrollment
    student.diploma = issued
    consents_answered(student)  # the consent screen answered (test_consent_portal.py is about it)
    return student


@pytest.fixture
def other():
    """Another student with an account, an enrollment and a correction request."""
    student = StudentFactory(user=make_user("li"), family_name_latin="Li", given_name_latin="Na")
    student.enrollment = _enrolled(student, TrackFactory(code="SOFT"))
    student.request = CorrectionRequest.objects.create(student=student, message="My name is Li Na.")
    consents_answered(student)
    return student


@pytest.fixture
def me_client(client, me):
    client.force_login(me.user)
    return client


# --- personal data (test_personal_data_*.py) --------------------------------------------------------------------


@pytest.fixture
def hook(cohort):
    # Enrollment events only: the diploma's own events would be sent by the eager task in these tests.
    return WebhookEndpoint.objects.create(
        institution=cohort.partner,
        url="https://sis.cq.example.cn/hooks",
        events=["application.decided", "enrollment.status_changed"],
        secret="s",
    )


@pytest.fixture
def left(cohort, hook, office_admin):
    """Li Na, who applied and was rejected (with a reason naming her), with a result of an earlier attempt, a
    correction request and audited changes of her record: a student who has left, with no diploma."""
    student = personal_data._student(cohort)
    enrollment = EnrollmentFactory(student=student, cohort=cohort, notes=f"Call {personal_data.PHONE} first")
    ModuleResultFactory(enrollment=enrollment, module=ModuleFactory(track=cohort.track, code="M1"))
    services.student_update(
        student=student, by=office_admin, data={"phone": personal_data.PHONE + "9", "passport_number": "E1"}
    )
    services.student_update(
        student=student,
        by=office_admin,
        data={"phone": personal_data.PHONE, "passport_number": personal_data.PASSPORT},
    )
    services.enrollment_reject(enrollment=enrollment, by=office_admin, reason="Li Na: Russian level too low")
    request = CorrectionRequest.objects.create(student=student, message="My name is Li Na, passport E77665544")
    # As the portal files it (students.services.corrections): the student's own account is the actor.
    audit_record(actor=student.user, obj=request, action="correction.create", changes={"status": (None, "open")})
    student.refresh_from_db()
    return student


@pytest.fixture
def graduate(cohort, office_admin, django_capture_on_commit_callbacks):
    """Li Na, who completed the track and holds an issued diploma, plus a continuation."""
    student = personal_data._student(cohort)
    enrollment = EnrollmentFactory(completed=True, student=student, cohort=cohort, notes="Scholarship holder")
    ModuleResultFactory(enrollment=enrollment, module=ModuleFactory(track=cohort.track, code="M1"))
    Continuation.objects.create(
        enrollment=enrollment,
        university=cohort.host,
        program_code="15.03.06",
        program_name="Mechatronics and robotics",
        applied_on=datetime.date(2027, 1, 10),
    )
    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF),
        mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF),
        django_capture_on_commit_callbacks(execute=True),
    ):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=office_admin)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    student.refresh_from_db()
    return student
