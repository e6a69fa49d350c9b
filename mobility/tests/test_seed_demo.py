"""``manage.py seed_demo``: idempotent, complete, deterministic, and refused on a non-debug run without the flag."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from mobility import demo
from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.foundation.models import AuditEntry, PartnerAPIKey
from programs.models import Agreement, Cohort, Institution, Module, Track
from students.models import Enrollment, ModuleResult, Student
from students.selectors import completion_missing_modules

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
LATIN = re.compile(r"^[A-Z][a-z]+$")
CYRILLIC = re.compile(r"^[А-ЯЁ][а-яё]*$")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed() -> str:
    # Django's test runner turns DEBUG off, so the tests need the flag the command asks for.
    out = StringIO()
    call_command("seed_demo", allow_non_debug=True, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every table, to prove that a second run neither adds nor changes anything."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in apps.get_models()}


@pytest.fixture
def seeded() -> str:
    return _seed()


def test_the_demo_history_sends_no_email(seeded):
    # A year replayed through the services (admissions, results, diplomas) is not news to the demo students.
    assert mail.outbox == []
    assert "/portal/" in seeded


def test_second_run_changes_no_row(seeded):
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    rows = _snapshot()
    audit = list(AuditEntry.objects.order_by("pk").values_list("pk", "action", "object_id"))

    output = _seed()

    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == counts
    assert list(AuditEntry.objects.order_by("pk").values_list("pk", "action", "object_id")) == audit
    assert _snapshot() == rows
    assert re.findall(r"\(\+(\d+)\)", output) == ["0"] * len(demo.SUMMARY_MODELS + [get_user_model()])


def test_plan_is_deterministic():
    assert demo.build_plan() == demo.build_plan()


def test_partners_agreements_and_tracks(seeded):
    assert set(Institution.objects.values_list("kind", flat=True)) == set(Institution.Kind.values)
    assert set(Institution.objects.values_list("code", flat=True)) == {"STANKIN", "CQEVTC", "HUATEC", "XJIVC"}
    for institution in Institution.objects.all():
        assert institution.name_en and institution.name_ru and institution.name_zh
        assert institution.contacts.filter(is_primary=True).count() == 1

    three_way = Agreement.objects.get(partner__code="CQEVTC")
    assert (three_way.host.code, three_way.facilitator.code, three_way.status) == ("STANKIN", "HUATEC", "active")
    # Every cohort under the agreement has a quota for its track and intake year (the years follow the seed day).
    intakes = {(cohort.track.code, cohort.intake_year) for cohort in three_way.cohorts.select_related("track")}
    assert {track for track, _ in intakes} == {"MECH", "INDW", "SOFT"} and len({year for _, year in intakes}) == 3
    assert {(q.track.code, q.year) for q in three_way.quotas.all()} >= intakes
    assert Agreement.objects.get(partner__code="XJIVC").status == Agreement.Status.ACTIVE

    assert set(Track.objects.values_list("code", flat=True)) == {"MECH", "INDW", "SOFT"}
    for track in Track.objects.all():
        modules = list(track.modules.all())
        assert 8 <= len(modules) <= 12, track.code
        assert track.description_en and track.description_ru and track.description_zh
        assert [m.order for m in modules] == list(range(1, len(modules) + 1))
        assert 1 <= sum(not m.is_required for m in modules) <= 2
        for module in modules:
            assert module.title_en and module.title_ru and module.title_zh
            assert 36 <= module.hours <= 144 and 1 <= module.credits <= 4
            assert module.assessment_kind in Module.AssessmentKind.values

    assert Cohort.objects.filter(partner__code="CQEVTC").count() >= 2
    assert set(Cohort.objects.values_list("delivery_mode", flat=True)) == {Cohort.DeliveryMode.ONLINE}
    assert all(Cohort.objects.values_list("lms_course_id", flat=True))


def test_students_and_their_names(seeded):
    students = list(Student.objects.all())
    assert 55 <= len(students) <= 65
    for student in students:
        assert HAN.match(student.family_name_han) and HAN.match(student.given_name_han), student
        assert LATIN.match(student.family_name_latin) and LATIN.match(student.given_name_latin), student
        assert CYRILLIC.match(student.family_name_cyrillic) and CYRILLIC.match(student.given_name_cyrillic), student
        assert re.fullmatch(r"E\d{8}", student.passport_number)
        assert student.birth_date and student.passport_issued_on < student.passport_expires_on
        assert student.home_specialty and student.email
    for field in ("home_student_id", "email", "passport_number"):
        assert len({getattr(student, field) for student in students}) == len(students), field
    assert Student.objects.filter(home_institution__code="XJIVC").count() in range(4, 7)


def test_enrollments_in_every_status_through_the_services(seeded):
    statuses = list(Enrollment.objects.values_list("status", flat=True))
    assert set(statuses) == set(S.values)
    assert statuses.count(S.WITHDRAWN) == 1
    assert Enrollment.objects.get(status=S.WITHDRAWN).status_reason
    assert set(Enrollment.objects.values_list("source", flat=True)) == {Enrollment.Source.IMPORT}
    assert Enrollment.objects.filter(student__home_institution__code="XJIVC").exists()

    # Every status change and result is in the audit log: the services wrote them.
    actions = AuditEntry.objects.values_list("action", flat=True)
    assert actions.filter(action="enrollment.apply").count() == len(statuses)
    assert actions.filter(action="result.record").count() == ModuleResult.objects.count()
    assert actions.filter(action="enrollment.completed").count() == statuses.count(S.COMPLETED)

    completed = Enrollment.objects.filter(status=S.COMPLETED)
    assert completed.count() > len(statuses) // 3
    for enrollment in completed:
        assert not completion_missing_modules(enrollment=enrollment).exists(), enrollment


def test_results_tell_a_plausible_story(seeded):
    for result in ModuleResult.objects.select_related("enrollment__cohort"):
        cohort = result.enrollment.cohort
        assert cohort.start_date <= result.assessed_on <= cohort.end_date
    retaken = ModuleResult.objects.filter(attempt=2, passed=True)
    assert retaken.exists()
    for result in retaken:
        assert ModuleResult.objects.get(enrollment=result.enrollment, module=result.module, attempt=1).passed is False
    in_progress = Enrollment.objects.filter(status=S.ENROLLED)
    assert in_progress.exists()
    assert all(completion_missing_modules(enrollment=e).exists() for e in in_progress)


def test_logins_and_api_key(seeded):
    for username, password in demo.DEMO_PASSWORDS.items():
        # django-axes checks every login attempt against the request it comes with.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=password) is not None, username
        assert f"{username}  " in seeded and password in seeded
        # The e-mail address printed beside the user name logs in too, as the login page says.
        email = get_user_model().objects.get(username=username).email
        assert f"or e-mail {email}\n" in seeded
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=email.upper(), password=password).username == username
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    popova, office = users.get(username="popova"), users.get(username="office")
    assert popova.is_staff and popova.groups.filter(name=OFFICE_ADMIN).exists()
    assert office.is_staff and office.groups.filter(name=OFFICE).exists()
    assert popova.has_perm("students.view_sensitive") and not office.has_perm("students.view_sensitive")
    assert users.get(username="student").student.enrollments.filter(status=S.COMPLETED).exists()

    key = PartnerAPIKey.objects.get()
    assert (key.institution.code, key.name, key.scopes) == ("CQEVTC", "Chongqing SIS (demo)", ["read", "write"])
    assert PartnerAPIKey.objects.is_valid(demo.DEMO_API_KEY)
    assert f"\n    {demo.DEMO_API_KEY}\n" in seeded and "Authorization: Api-Key <key>" in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded


def test_refuses_when_debug_is_off_without_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not Student.objects.exists() and not get_user_model().objects.exists()


def test_runs_without_the_flag_when_debug_is_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Student.objects.exists()
