"""The Django admin: every registered model's pages load, lists make no per-row queries, passport data stays hidden
without ``view_sensitive``, writes go through the services, and what must never be deleted cannot be."""

import datetime
import re
import types
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from diplomas.models import (
    CertificateNumberCounter,
    Diploma,
    DiplomaArchive,
    DiplomaBatch,
    DiplomaNumberCounter,
    EnrollmentCertificate,
    StatusList,
    Transcript,
    TranscriptNumberCounter,
)
from diplomas.tests.factories import DiplomaFactory
from mobility.foundation.access import OFFICE, OFFICE_ADMIN
from mobility.foundation.models import (
    AuditEntry,
    IdempotencyRecord,
    OutboxMessage,
    PartnerAPIKey,
    WebhookDelivery,
    WebhookEndpoint,
)
from mobility.foundation.notifications.models import StaffDigest, StaffNotificationPreference
from mobility.foundation.people.models import Membership
from mobility.foundation.transfers.services import transfer_record
from mobility.foundation.two_factor.services import two_factor_policy_update
from mobility.tests.partnership import make_member
from mobility.tests.support import admin_url as _url
from programs.models import Institution, TeachingAssignment
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
from students import services
from students.imports.gradebook import gradebook_mapping_save
from students.messaging.services import message_send, saved_filter_create
from students.models import Continuation, Enrollment, ModuleResult, Student
from students.services.corrections import correction_request_create
from students.tests.factories import EnrollmentFactory, ModuleResultFactory, StudentFactory
from students.threads.services import thread_post_create

User = get_user_model()

# Enumerated from the registry, so a model registered later gets its pages loaded without touching this file.
REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
PROJECT_APPS = ("mobility", "programs", "students", "diplomas")


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def row_of_every_model(admin_user):
    """At least one row of every registered model, made the way the product makes them (services for states)."""
    host = HostFactory()
    college = InstitutionFactory(
        code="CQEVTC",
        name_en="Chongqing Engineering Vocational Technical College",
        name_ru="Чунцинский инженерный профессионально-технический колледж",
        name_zh="重庆工程职业技术学院",
    )
    facilitator = InstitutionFactory(
        code="HUATEC", kind=Institution.Kind.FACILITATOR, name_en="HUATEC", name_zh="华泰克"
    )
    ContactFactory(institution=college, is_primary=True)
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    module = ModuleFactory(track=track, code="MECH-101", title_zh="机械制图")
    agreement = AgreementFactory(host=host, partner=college, facilitator=facilitator)
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026)
    cohort = CohortFactory(track=track, host=host, partner=college, agreement=agreement)
    enrollment = EnrollmentFactory(cohort=cohort, student__family_name_latin="Zhang")
    services.enrollment_admit(enrollment=enrollment, by=admin_user)
    services.enrollment_enroll(enrollment=enrollment, by=admin_user)
    services.result_record(
        enrollment=enrollment, module=module, by=admin_user, assessed_on=datetime.date(2026, 6, 1), score=92
    )
    services.enrollment_complete(enrollment=enrollment, by=admin_user)
    Continuation.objects.create(
        enrollment=enrollment,
        university=host,
        program_code="15.03.06",
        program_name="Mechatronics and robotics",
        applied_on=datetime.date(2026, 12, 1),
    )
    gradebook_mapping_save(cohort=cohort, by=admin_user, mapping={"Exam: Technical drawing": module})
    batch = DiplomaBatch.objects.create(cohort=cohort, requested_by=admin_user)
    DiplomaFactory(enrollment=enrollment, batch=batch, requested_by=admin_user)
    DiplomaNumberCounter.objects.create(year=2026, last=1)
    StatusList.objects.create(number=0, bits=bytes(16))
    EnrollmentCertificate.objects.create(enrollment=enrollment, number="STK-IAM-S-2026-00001", sha256="0" * 64)
    CertificateNumberCounter.objects.create(year=2026, last=1)
    Transcript.objects.create(
        enrollment=enrollment, number="STK-IAM-T-2026-000001", issued_at=timezone.now(), sha256="0" * 64
    )
    TranscriptNumberCounter.objects.create(year=2026, last=1)
    DiplomaArchive.objects.create(cohort=cohort, requested_by=admin_user, total=1)
    PartnerAPIKey.objects.create_key(name="Chongqing SIS", institution=college, scopes=["read"])
    IdempotencyRecord.objects.create(
        owner="api-key:abcdefgh", key="k-1", method="POST", path="/api/v1/students/", request_hash="0" * 64
    )
    hook = WebhookEndpoint.objects.create(
        institution=college, url="https://hooks.example.cn/", events=["diploma.issued"]
    )
    WebhookDelivery.objects.create(endpoint=hook, event="diploma.issued", event_id=uuid.uuid4(), payload={"id": "x"})
    OutboxMessage.objects.create(task="diplomas.tasks.render_diploma", args=[1], last_error="OperationalError")
    transfer_record(
        direction="to_partner",
        channel="webhook",
        institution_id=college.pk,
        categories=["education"],
        student_ids=[enrollment.student_id],
        reference="delivery 1",
    )
    correction_request_create(student=enrollment.student, message="My Cyrillic name is spelled Чжан.")  # notifies
    StaffNotificationPreference.objects.create(user=admin_user, muted_kinds=["students.applications"])
    StaffDigest.objects.create(user=admin_user, day=datetime.date(2026, 12, 1), until=timezone.now(), count=1)
    saved = saved_filter_create(name="Completed", params={"status": "completed"}, by=admin_user)
    message_send(by=admin_user, token=uuid.uuid4(), audience="filter", saved_filter=saved, versions={"en": ("S", "T")})
    teacher = make_member("teacher-zhang", Membership.Role.TEACHER, full_name="Zhang Wei")
    coordinator = make_member("coordinator-cq", Membership.Role.COORDINATOR, college, full_name="Li Na")
    thread_post_create(institution=college, student=enrollment.student, author=coordinator, body="Visa letter?")
    TeachingAssignment.objects.create(teacher=teacher, cohort=cohort, module=module)
    # Two-factor devices (django-otp's admin is how the office removes a lost phone's device).
    TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    StaticDevice.objects.create(user=teacher, name="recovery codes")
    two_factor_policy_update(require_office_staff=False, require_coordinators=False, by=admin_user)  # its one row
    # django-axes' records of a failed login (its admin is how the office lifts a lockout).
    Client().post(reverse("login"), {"username": "zhang@example.cn", "password": "wrong"})
    return types.SimpleNamespace(superuser=admin_user, college=college, cohort=cohort, enrollment=enrollment)


def test_every_project_model_is_in_the_admin():
    missing = [
        model._meta.label
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_admin_site_is_titled_for_the_office():
    assert str(admin.site.site_header) == "Mobility office — MSTU STANKIN"
    assert str(admin.site.site_title) == "Mobility office — MSTU STANKIN"


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=[model._meta.label_lower for model in REGISTERED_MODELS])
def test_admin_pages_load(client, row_of_every_model, model):
    client.force_login(row_of_every_model.superuser)
    model_admin = admin.site._registry[model]
    request = _request(row_of_every_model.superuser)

    for query in ("", "?q=Zhang", "?q=张伟", "?q=CQEVTC"):
        response = client.get(_url(model, "changelist") + query)
        assert response.status_code == 200, query

    expected_add = 200 if model_admin.has_add_permission(request) else 403
    assert client.get(_url(model, "add")).status_code == expected_add

    obj = model_admin.get_queryset(request).first()
    assert obj is not None, (
        f"the row_of_every_model fixture has no {model._meta.label}: add one so its change page is tested"
    )
    assert client.get(_url(model, "change", quote(obj.pk))).status_code == 200


# --- lists make no per-row queries ------------------------------------------------------------------------------


def _rows_for(model, count):
    # Every row gets its own student, cohort, track, institutions and module, so a missing select_related shows.
    if model is Student:
        return [EnrollmentFactory().student for _ in range(count)]
    if model is Enrollment:
        return EnrollmentFactory.create_batch(count)
    return ModuleResultFactory.create_batch(count)


@pytest.mark.parametrize("model", [Student, Enrollment, ModuleResult, Diploma])
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = _url(model, "changelist")
    if model is Diploma:
        DiplomaFactory.create_batch(2)
    else:
        _rows_for(model, 2)
    admin_client.get(url)  # warm caches (content types, permissions) out of the measurement
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    assert response.context["cl"].result_count == 2

    if model is Diploma:
        DiplomaFactory.create_batch(10)
    else:
        _rows_for(model, 10)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.context["cl"].result_count == 12
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


# --- passport data ----------------------------------------------------------------------------------------------


def _staff_in(group: str):
    user = User.objects.create_user(f"{group}-user", password="not-a-real-password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("group", "sees_passport"), [(OFFICE, False), (OFFICE_ADMIN, True)])
def test_passport_number_only_for_view_sensitive(client, group, sees_passport):
    student = StudentFactory(passport_number="EA7654321", birth_date=datetime.date(2004, 5, 17))
    client.force_login(_staff_in(group))

    change = client.get(_url(Student, "change", student.pk))
    listing = client.get(_url(Student, "changelist"))
    assert change.status_code == listing.status_code == 200
    for response in (change, listing):
        assert ("EA7654321" in response.content.decode()) is sees_passport
    assert ('name="birth_date"' in change.content.decode()) is sees_passport

    found = client.get(_url(Student, "changelist") + "?q=EA7654321").context["cl"].result_count
    assert found == (1 if sees_passport else 0)
    # Nor can the query string filter by it (which would let one guess a number character by character).
    for lookup in ("passport_number__startswith=EA7", "birth_date__year=2004"):
        response = client.get(_url(Student, "changelist") + "?" + lookup)
        assert response.status_code == (200 if sees_passport else 400), lookup


@pytest.mark.django_db
def test_office_user_cannot_write_passport_data_with_a_crafted_post(client):
    student = StudentFactory(passport_number="EA7654321")
    client.force_login(_staff_in(OFFICE))
    response = client.get(_url(Student, "change", student.pk))
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None and key not in ("user",)
    }
    data.update(
        {"passport_number": "HACKED000", "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"},
        _save="Save",
    )
    response = client.post(_url(Student, "change", student.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    student.refresh_from_db()
    assert student.passport_number == "EA7654321"


# --- enrollments: only the services write status ----------------------------------------------------------------


def test_admit_action_admits_through_the_service_and_reports_refusals(admin_client, admin_user):
    applied = EnrollmentFactory()
    enrolled = EnrollmentFactory()
    services.enrollment_admit(enrollment=enrolled, by=None)
    services.enrollment_enroll(enrollment=enrolled, by=None)

    response = admin_client.post(
        _url(Enrollment, "changelist"),
        {"action": "admit", "_selected_action": [applied.pk, enrolled.pk]},
        follow=True,
    )

    assert response.status_code == 200
    applied.refresh_from_db()
    enrolled.refresh_from_db()
    assert applied.status == Enrollment.Status.ADMITTED
    assert applied.admitted_on is not None
    assert enrolled.status == Enrollment.Status.ENROLLED
    assert AuditEntry.objects.filter(action="enrollment.admitted", object_id=str(applied.pk), actor=admin_user).exists()
    messages = _messages(response)
    assert any(str(applied.student) in m and "Admitted" in m for m in messages), messages
    assert any(str(enrolled.student) in m and "cannot become" in m for m in messages), messages


def test_reject_action_asks_for_a_reason_first(admin_client):
    first, second = EnrollmentFactory.create_batch(2)
    url = _url(Enrollment, "changelist")
    selected = {"action": "reject", "_selected_action": [first.pk, second.pk]}

    page = admin_client.post(url, selected)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    first.refresh_from_db()
    assert first.status == Enrollment.Status.APPLIED

    empty = admin_client.post(url, {**selected, "apply": "yes", "reason": "  "})
    assert empty.status_code == 200
    assert empty.context["form"].errors

    done = admin_client.post(url, {**selected, "apply": "yes", "reason": "Documents missing"}, follow=True)
    assert done.status_code == 200
    for enrollment in (first, second):
        enrollment.refresh_from_db()
        assert enrollment.status == Enrollment.Status.REJECTED
        assert enrollment.status_reason == "Documents missing"
    assert AuditEntry.objects.filter(action="enrollment.rejected", reason="Documents missing").count() == 2


def test_complete_action_reports_missing_modules(admin_client):
    enrollment = EnrollmentFactory()
    ModuleFactory(track=enrollment.track, code="MUST-1")
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)

    response = admin_client.post(
        _url(Enrollment, "changelist"), {"action": "complete", "_selected_action": [enrollment.pk]}, follow=True
    )

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED
    assert any("MUST-1" in m for m in _messages(response))


def test_enrollment_add_goes_through_the_service(admin_client, admin_user):
    cohort = CohortFactory()
    student = StudentFactory(home_institution=cohort.partner)

    response = admin_client.post(
        _url(Enrollment, "add"),
        {"student": student.pk, "cohort": cohort.pk, "applied_on": "2026-02-03", "notes": "walk-in", "_save": "Save"},
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(student=student)
    assert (enrollment.status, enrollment.source, enrollment.track_id) == ("applied", "staff", cohort.track_id)
    assert enrollment.applied_on == datetime.date(2026, 2, 3)
    assert AuditEntry.objects.filter(action="enrollment.apply", object_id=str(enrollment.pk), actor=admin_user).exists()


def test_enrollment_add_shows_the_service_refusal_on_the_form(admin_client):
    cohort = CohortFactory()
    stranger = StudentFactory()  # from another college

    response = admin_client.post(
        _url(Enrollment, "add"),
        {"student": stranger.pk, "cohort": cohort.pk, "applied_on": "2026-02-03", "_save": "Save"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not the sending college" in " ".join(errors["cohort"])
    assert not Enrollment.objects.filter(student=stranger).exists()
    assert not AuditEntry.objects.filter(action="enrollment.apply").exists()


def test_enrollment_change_page_shows_status_read_only_and_saves_notes_only(admin_client):
    enrollment = EnrollmentFactory()
    url = _url(Enrollment, "change", enrollment.pk)
    page = admin_client.get(url).content.decode()
    assert 'name="status"' not in page
    assert 'name="admitted_on"' not in page

    response = admin_client.post(
        url,
        {
            "notes": "called the college",
            "status": "completed",
            "completed_on": "2026-03-01",
            "results-TOTAL_FORMS": "0",
            "results-INITIAL_FORMS": "0",
            "continuations-TOTAL_FORMS": "0",
            "continuations-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    enrollment.refresh_from_db()
    assert enrollment.notes == "called the college"
    assert enrollment.status == Enrollment.Status.APPLIED
    assert enrollment.completed_on is None


# --- module results: only result_record writes them -------------------------------------------------------------


# --- partner API keys -------------------------------------------------------------------------------------------


def test_partner_api_key_is_shown_once_and_stored_hashed(admin_client, admin_user):
    college = InstitutionFactory()

    response = admin_client.post(
        _url(PartnerAPIKey, "add"),
        {"name": "SIS", "institution": college.pk, "scopes": ["read", "write"], "_save": "Save"},
        follow=True,
    )

    key = PartnerAPIKey.objects.get(institution=college)
    assert key.scopes == ["read", "write"]
    assert key.created_by == admin_user
    shown = [m for m in _messages(response) if "The API key for" in m]
    assert len(shown) == 1
    plain_key = re.search(r"is: ([A-Za-z0-9]+\.[A-Za-z0-9]+)", shown[0]).group(1)
    assert PartnerAPIKey.objects.is_valid(plain_key)
    assert plain_key.split(".")[1] not in key.hashed_key


# --- what is never deleted --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [AuditEntry, Diploma, DiplomaBatch, ModuleResult])
def test_nobody_deletes_in_the_admin(admin_client, admin_user, row_of_every_model, model):
    obj = model.objects.first()
    model_admin = admin.site._registry[model]

    assert model_admin.has_delete_permission(_request(admin_user), obj) is False
    assert admin_client.get(_url(model, "delete", quote(obj.pk))).status_code == 403
    assert admin_client.post(_url(model, "delete", quote(obj.pk)), {"post": "yes"}).status_code == 403
    actions = dict(model_admin.get_action_choices(_request(admin_user)))
    assert "delete_selected" not in actions
    admin_client.post(_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk]})
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [AuditEntry, Diploma, DiplomaBatch])
def test_read_only_models_cannot_be_added_or_changed(admin_client, row_of_every_model, model):
    obj = model.objects.first()
    assert admin_client.get(_url(model, "add")).status_code == 403
    page = admin_client.get(_url(model, "change", quote(obj.pk)))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(_url(model, "change", quote(obj.pk)), {}).status_code == 403
