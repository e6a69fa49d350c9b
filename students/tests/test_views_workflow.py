"""The staff pages about students: applications, the enrollment workflow's transitions and the bulk actions."""

import pytest

from mobility.foundation.models import AuditEntry
from programs.tests.factories import AgreementFactory, AgreementQuotaFactory, CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.models import Enrollment

from .factories import EnrollmentFactory
from .views_support import LIST, S

pytestmark = pytest.mark.django_db


def test_apply_to_a_cohort_of_the_home_institution(office_client, li, cohort):
    other_track = CohortFactory(code="IND26", track=TrackFactory(code="IND"), partner=cohort.partner)
    CohortFactory(code="CLOSED", partner=cohort.partner, accepts_applications=False)
    CohortFactory(code="FOREIGN")
    form = office_client.get(f"/students/{li.pk}/apply/").context["form"]
    assert {c.code for c in form.fields["cohort"].queryset} == {"MECH26", "IND26"}
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": other_track.pk})
    assert response.status_code == 302
    assert li.enrollments.filter(cohort=other_track, status=S.APPLIED).exists()


def test_apply_refusal_is_shown_next_to_the_field(office_client, li, cohort):
    # Already applied to this track: the service refuses.
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": cohort.pk})
    assert response.status_code == 200
    assert "already has a current enrollment" in " ".join(response.context["form"].non_field_errors())
    # A cohort not offered is a field error.
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": CohortFactory(code="ELSE").pk})
    assert response.context["form"].errors["cohort"]
    assert li.enrollments.count() == 1


def _post(client, enrollment, action, reason=None):
    data = {} if reason is None else {"reason": reason}
    return client.post(f"/students/enrollments/{enrollment.pk}/{action}/", data, follow=True)


def _status(enrollment):
    return Enrollment.objects.get(pk=enrollment.pk).status


@pytest.mark.parametrize(
    ("steps", "action", "reason", "expected"),
    [
        ([], "admit", None, S.ADMITTED),
        ([], "reject", "Documents incomplete", S.REJECTED),
        (["admit"], "enroll", None, S.ENROLLED),
        (["admit"], "withdraw", "Moved to another program", S.WITHDRAWN),
        (["admit", "enroll"], "fail", "Did not attend", S.FAILED),
        (["admit", "enroll"], "complete", None, S.COMPLETED),
    ],
)
def test_each_allowed_transition(office_client, li, steps, action, reason, expected):
    enrollment = li.enrollments.get()
    for step in steps:
        assert _status(enrollment) != expected
        _post(office_client, enrollment, step)
    response = _post(office_client, enrollment, action, reason)
    assert response.redirect_chain[-1][0] == f"/students/{li.pk}/"
    assert _status(enrollment) == expected
    entry = AuditEntry.objects.filter(action=f"enrollment.{expected}", object_id=str(enrollment.pk)).get()
    assert entry.actor.username == "clerk" and entry.reason == (reason or "")
    assert "alert-success" in response.content.decode()


def test_a_refused_transition_shows_why_and_changes_nothing(office_client, li):
    enrollment = li.enrollments.get()
    response = _post(office_client, enrollment, "complete")
    page = response.content.decode()
    assert _status(enrollment) == S.APPLIED
    assert "alert-danger" in page and "cannot become" in page


@pytest.mark.parametrize("action", ["reject", "withdraw", "fail"])
def test_reason_is_required(office_client, li, action):
    enrollment = li.enrollments.get()
    if action != "reject":
        services.enrollment_admit(enrollment=enrollment, by=None)
    if action == "fail":
        services.enrollment_enroll(enrollment=enrollment, by=None)
    before = _status(enrollment)
    confirm = office_client.get(f"/students/enrollments/{enrollment.pk}/{action}/")
    assert confirm.status_code == 200 and b'name="reason"' in confirm.content
    response = office_client.post(f"/students/enrollments/{enrollment.pk}/{action}/", {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "invalid-feedback" in response.content.decode() and "is-invalid" in response.content.decode()
    assert _status(enrollment) == before


def test_complete_refusal_lists_the_missing_modules(office_client, li):
    enrollment = li.enrollments.get()
    ModuleFactory(track=enrollment.track, code="MEC201", title_en="Hydraulics")
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    page = _post(office_client, enrollment, "complete").content.decode()
    assert _status(enrollment) == S.ENROLLED
    assert "MEC201" in page and "Hydraulics" in page


def _quota_setup(places):
    agreement = AgreementFactory(number="AGR-CQ-2026")
    track = TrackFactory(code="MECHQ")
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=places)
    return CohortFactory(code="Q26", track=track, partner=agreement.partner, host=agreement.host, agreement=agreement)


def test_admit_refused_by_the_quota_shows_the_quota(office_client):
    cohort = _quota_setup(places=1)
    first, second = EnrollmentFactory(cohort=cohort), EnrollmentFactory(cohort=cohort)
    _post(office_client, first, "admit")
    page = _post(office_client, second, "admit").content.decode()
    assert _status(second) == S.APPLIED
    assert "The quota of agreement AGR-CQ-2026 for MECHQ in 2026 is used up (1 of 1)." in page


def test_bulk_admit_reports_successes_and_refusals_per_student(office_client):
    cohort = _quota_setup(places=3)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(5)]
    response = office_client.post(
        "/students/bulk/",
        {"action": "admit", "enrollment": [e.pk for e in enrollments], "next": "/students/?q=Zhang"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/students/?q=Zhang"
    statuses = [_status(e) for e in enrollments]
    assert statuses.count(S.ADMITTED) == 3 and statuses.count(S.APPLIED) == 2
    message = [str(m) for m in response.context["messages"]][0]
    assert message.startswith("Admitted 3; refused 2: ")
    assert "used up (3 of 3)" in message
    refused = [e for e in enrollments if _status(e) == S.APPLIED]
    assert all(str(e.student) in message for e in refused)


def test_bulk_reject_needs_a_reason_and_applies_it(office_client, li, zhang):
    ids = [e.pk for e in Enrollment.objects.all()]
    response = office_client.post("/students/bulk/", {"action": "reject", "enrollment": ids}, follow=True)
    assert "reason is required" in response.content.decode()
    assert set(Enrollment.objects.values_list("status", flat=True)) == {S.APPLIED, S.ADMITTED}
    office_client.post("/students/bulk/", {"action": "reject", "enrollment": ids, "reason": "Quota of the year"})
    assert set(Enrollment.objects.values_list("status_reason", flat=True)) == {"Quota of the year"}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {S.REJECTED}


def test_bulk_with_nothing_selected_or_unknown_ids(office_client, li):
    response = office_client.post("/students/bulk/", {"action": "admit"}, follow=True)
    assert "Select at least one application." in response.content.decode()
    response = office_client.post("/students/bulk/", {"action": "enroll", "enrollment": ["999999"]}, follow=True)
    assert "not found" in response.content.decode()
    # An outside redirect target is ignored.
    response = office_client.post(
        "/students/bulk/", {"action": "admit", "enrollment": [li.enrollments.get().pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == LIST
