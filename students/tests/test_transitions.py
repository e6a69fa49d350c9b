"""The state machine's one table (``services.TRANSITIONS``): the staff pages, the list's bulk form and the admin take
their actions and permissions from it and from nowhere else; and the one bulk service, ``enrollments_transition_many``.
"""

import ast
import dataclasses
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import AgreementFactory, AgreementQuotaFactory, CohortFactory, TrackFactory
from students import services
from students.forms import BulkActionForm
from students.models import Enrollment
from students.views import actions_for

from .factories import EnrollmentFactory, enrollment_move

pytestmark = pytest.mark.django_db

S = Enrollment.Status
TABLE = services.TRANSITIONS
STUDENTS = Path(services.__file__).resolve().parents[1]


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="pw")


def _admin_actions(user) -> dict:
    request = RequestFactory().get("/admin/students/enrollment/")
    request.user = user
    return admin.site._registry[Enrollment].get_actions(request)


# --- the table is the only source ---------------------------------------------------------------------------------


def test_each_entry_is_consistent_with_the_model_and_names_its_service():
    assert list(services.TRANSITIONS_BY_NAME) == ["admit", "enroll", "complete", "reject", "withdraw", "fail"]
    for target, transition in TABLE.items():
        assert transition.target == target
        assert transition.service is getattr(services, f"enrollment_{transition.name}")
        assert transition.date_field in Enrollment.DATE_FIELDS
        assert set(transition.sources) <= set(S.values) and target not in transition.sources
        assert transition.permission == "students.change_enrollment"


def test_every_admin_action_is_an_entry_of_the_table(superuser):
    actions = _admin_actions(superuser)  # delete_selected is gone: nobody deletes an enrollment
    assert list(actions) == list(services.TRANSITIONS_BY_NAME)
    for name, (_, _, description) in actions.items():
        assert description == services.TRANSITIONS_BY_NAME[name].selected_label


def test_the_staff_pages_offer_the_entries_allowed_from_each_status(superuser):
    for status in S.values:
        enrollment = Enrollment(status=status)
        expected = [t for t in TABLE.values() if status in t.sources]
        assert actions_for(enrollment, viewer=superuser) == expected
    # The list's bulk form offers the entries marked for it, with their labels.
    choices = BulkActionForm().fields["action"].choices
    assert choices == [(t.name, t.label) for t in TABLE.values() if t.in_list]
    assert [name for name, _ in choices] == ["admit", "enroll", "reject"]


def test_each_entry_has_a_confirmation_page(office_client):
    enrollment = EnrollmentFactory()
    for name in services.TRANSITIONS_BY_NAME:
        assert office_client.get(f"/students/enrollments/{enrollment.pk}/{name}/").status_code == 200


# The transition services are called through the table (``Transition.run``) or the bulk service, never by name.
UI_MODULES = ("views.py", "admin.py", "forms.py", "results_views.py", "api/views.py")
TRANSITION_SERVICES = {f"enrollment_{name}" for name in services.TRANSITIONS_BY_NAME}


def test_the_staff_ui_names_no_transition_service():
    offenders = []
    for module in UI_MODULES:
        tree = ast.parse((STUDENTS / module).read_text())
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if name in TRANSITION_SERVICES:
                offenders.append(f"students/{module}:{node.lineno} {name}")
    assert offenders == []


def test_an_entry_s_permission_is_what_the_pages_and_the_admin_check(office, office_client, monkeypatch):
    """Give ``admit`` a permission the clerk lacks: its button, page, bulk action and admin action go away."""
    admit = dataclasses.replace(TABLE[S.ADMITTED], permission="students.view_sensitive")
    monkeypatch.setitem(TABLE, S.ADMITTED, admit)
    monkeypatch.setitem(services.TRANSITIONS_BY_NAME, "admit", admit)
    enrollment = EnrollmentFactory()

    assert [t.name for t in actions_for(enrollment, viewer=office)] == ["reject"]
    assert office_client.get(f"/students/enrollments/{enrollment.pk}/admit/").status_code == 403
    assert office_client.post(f"/students/enrollments/{enrollment.pk}/admit/").status_code == 403
    assert office_client.post("/students/bulk/", {"action": "admit", "enrollment": [enrollment.pk]}).status_code == 403
    assert "admit" not in _admin_actions(office) and "reject" in _admin_actions(office)
    enrollment.refresh_from_db()
    assert enrollment.status == S.APPLIED


@pytest.mark.parametrize("transition", TABLE.values(), ids=lambda t: t.name)
def test_an_entry_s_service_refuses_a_wrong_source(transition):
    wrong = next(status for status in (S.APPLIED, S.ENROLLED) if status not in transition.sources)
    enrollment = enrollment_move(EnrollmentFactory(), *([S.ADMITTED, S.ENROLLED] if wrong == S.ENROLLED else []))
    with pytest.raises(DomainError) as refused:
        transition.run(enrollment, by=None, text="A reason")
    assert refused.value.code == "invalid_transition"
    assert Enrollment.objects.get(pk=enrollment.pk).status == wrong


# --- the bulk service ---------------------------------------------------------------------------------------------


def _quota_cohort(places: int):
    agreement = AgreementFactory()
    track = TrackFactory()
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=places)
    return CohortFactory(track=track, partner=agreement.partner, host=agreement.host, agreement=agreement)


def test_bulk_moves_the_eligible_and_reports_each_refusal_in_order(superuser):
    cohort = _quota_cohort(places=3)
    first, enrolled, second, third = (EnrollmentFactory(cohort=cohort) for _ in range(4))
    enrollment_move(enrolled, S.ADMITTED, S.ENROLLED)  # takes one of the three places
    entries_before = AuditEntry.objects.count()

    outcome = services.enrollments_transition_many(
        enrollments=[first, enrolled, second, third], target=S.ADMITTED, by=superuser
    )

    assert outcome.transition is TABLE[S.ADMITTED]
    assert [e.pk for e in outcome.done] == [first.pk, second.pk]
    assert [(e.pk, error.code) for e, error in outcome.refused] == [
        (enrolled.pk, "invalid_transition"),
        (third.pk, "quota_exhausted"),
    ]
    assert outcome.refused_by_id == {enrolled.pk: outcome.refused[0][1], third.pk: outcome.refused[1][1]}
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in (first, enrolled, second, third)] == [S.ADMITTED, S.ENROLLED, S.ADMITTED, S.APPLIED]
    # One audit entry per enrollment moved, by whoever moved it; none for a refusal.
    entries = AuditEntry.objects.order_by("id")[entries_before:]
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("enrollment.admitted", str(first.pk), superuser),
        ("enrollment.admitted", str(second.pk), superuser),
    ]


def test_bulk_gives_each_enrollment_the_reason_and_runs_twice_safely(superuser):
    enrollments = EnrollmentFactory.create_batch(3)

    outcome = services.enrollments_transition_many(
        enrollments=enrollments, target=S.REJECTED, by=superuser, reason="Quota of the year"
    )

    assert len(outcome.done) == 3 and outcome.refused == []
    assert set(Enrollment.objects.values_list("status", "status_reason")) == {(S.REJECTED, "Quota of the year")}
    assert AuditEntry.objects.filter(action="enrollment.rejected", reason="Quota of the year").count() == 3
    again = services.enrollments_transition_many(
        enrollments=enrollments, target=S.REJECTED, by=superuser, reason="Quota of the year"
    )
    assert again.done == [] and {error.code for _, error in again.refused} == {"invalid_transition"}
    assert AuditEntry.objects.filter(action="enrollment.rejected").count() == 3


def test_bulk_without_a_needed_reason_refuses_every_row():
    enrollments = EnrollmentFactory.create_batch(2)
    outcome = services.enrollments_transition_many(enrollments=enrollments, target=S.REJECTED, by=None, reason=" ")
    assert outcome.done == [] and {error.code for _, error in outcome.refused} == {"reason_required"}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {S.APPLIED}
    assert not AuditEntry.objects.filter(action="enrollment.rejected").exists()


def test_bulk_is_all_or_nothing_per_row(monkeypatch):
    """A row refused after its status was written (here: by its audit entry) is rolled back whole; the rows before
    and after it stay moved."""
    enrollments = EnrollmentFactory.create_batch(3)
    failing = enrollments[1]
    audit_record = services.enrollments.audit_record

    def audit_or_fail(*, obj, **kwargs):
        if obj.pk == failing.pk:
            raise DomainError("The audit log refused the entry.", code="event_failed")
        return audit_record(obj=obj, **kwargs)

    monkeypatch.setattr(services.enrollments, "audit_record", audit_or_fail)

    outcome = services.enrollments_transition_many(enrollments=enrollments, target=S.ADMITTED, by=None)

    assert [e.pk for e in outcome.done] == [enrollments[0].pk, enrollments[2].pk]
    assert [(e.pk, error.code) for e, error in outcome.refused] == [(failing.pk, "event_failed")]
    statuses = dict(Enrollment.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in enrollments] == [S.ADMITTED, S.APPLIED, S.ADMITTED]
    assert Enrollment.objects.get(pk=failing.pk).admitted_on is None
    assert set(AuditEntry.objects.filter(action="enrollment.admitted").values_list("object_id", flat=True)) == {
        str(enrollments[0].pk),
        str(enrollments[2].pk),
    }
