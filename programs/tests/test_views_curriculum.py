"""The programs' staff pages about what is taught: tracks, modules and cohorts."""

from decimal import Decimal

import pytest

from mobility.foundation.models import AuditEntry
from programs.models import Cohort, Module, Track
from programs.tests.factories import AgreementFactory, CohortFactory, ModuleFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_track_page_lists_the_curriculum_with_totals(office_client, partnership):
    ModuleFactory(track=partnership["track"], code="MECH-10", hours=36, credits=Decimal(1), is_required=False)
    page = office_client.get(f"/tracks/{partnership['track'].pk}/")
    assert [m.code for m in page.context["modules"]] == ["MECH-01", "MECH-02", "MECH-03", "MECH-10"]
    totals = page.context["totals"]
    assert (totals["hours_required"], totals["hours"]) == (216, 252)
    assert (totals["credits_required"], totals["credits"]) == (6, 7)
    listed = office_client.get("/tracks/").context["object_list"][0]
    assert (listed.required_count, listed.modules_count, listed.hours_required, listed.hours_total) == (3, 4, 216, 252)
    assert (listed.credits_required, listed.credits_total) == (6, 7)


def test_track_create_and_edit(office_client):
    data = {"code": "robo", "name_en": "Robotics", "pass_score": "60", "good_score": "75", "excellent_score": "90"}
    response = office_client.post("/tracks/new/", {**data, "is_active": "on"})
    track = Track.objects.get(code="ROBO")
    assert response.status_code == 302 and AuditEntry.objects.filter(action="track.create").exists()
    response = office_client.post(f"/tracks/{track.pk}/edit/", {**data, "code": "ROBO", "good_score": "50"})
    assert response.status_code == 200 and "good_score" in response.context["form"].errors
    response = office_client.post(f"/tracks/{track.pk}/edit/", {**data, "code": "ROBO", "name_ru": "Робототехника"})
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="track.update").changes["name_ru"] == ["", "Робототехника"]


def _module_post(**overrides):
    return {
        "code": "MECH-04",
        "title_en": "Hydraulics",
        "title_zh": "液压",
        "hours": "72",
        "credits": "2",
        "assessment_kind": "credit",
        "is_required": "on",
        "order": "4",
        **overrides,
    }


def test_module_add_and_edit(office_client, partnership):
    track = partnership["track"]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post())
    assert response.status_code == 302 and response["Location"] == f"/tracks/{track.pk}/"
    module = Module.objects.get(track=track, code="MECH-04")
    assert AuditEntry.objects.filter(action="module.create").exists()
    response = office_client.post(f"/tracks/{track.pk}/modules/{module.pk}/edit/", _module_post(hours="108"))
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="module.update").changes == {"hours": [72, 108]}


def test_module_code_taken_in_the_track_is_a_field_error_not_a_500(office_client, partnership):
    track = partnership["track"]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post(code="MECH-01"))
    assert response.status_code == 200
    assert "already has a module with the code MECH-01" in response.context["form"].errors["code"][0]
    response = office_client.post(f"/tracks/{track.pk}/modules/new/", _module_post(hours="0", credits="99"))
    assert response.status_code == 200 and {"hours", "credits"} <= set(response.context["form"].errors)
    assert Module.objects.filter(track=track).count() == 3


def test_cohort_list_filters_and_counts_per_status(office_client, partnership):
    other = CohortFactory(code="OTHER")
    page = office_client.get(f"/cohorts/?track={partnership['track'].pk}")
    (cohort,) = page.context["object_list"]
    assert (cohort.n_applied, cohort.n_enrolled, cohort.n_places) == (1, 2, 2)
    page = office_client.get(f"/cohorts/?partner={other.partner_id}")
    assert [c.code for c in page.context["object_list"]] == ["OTHER"]


def test_cohort_detail_shows_each_students_progress(office_client, partnership):
    page = office_client.get(f"/students/cohorts/{partnership['cohort'].pk}/")
    progress = {
        e.pk: (e.status, e.required_passed, e.required_total, e.credits_earned) for e in page.context["enrollments"]
    }
    first, second = partnership["enrollments"]
    assert progress[first.pk] == ("enrolled", 2, 3, Decimal(4))
    assert progress[second.pk] == ("enrolled", 0, 3, Decimal(0))
    assert page.context["places_taken"] == 2
    assert "2 / 3" in page.content.decode()


def _cohort_post(w, **overrides):
    return {
        "code": "CQ-MECH-2027",
        "name": "Mechatronics 2027",
        "track": w["track"].pk,
        "host": w["host"].pk,
        "partner": w["partner"].pk,
        "agreement": w["agreement"].pk,
        "start_date": "2027-09-01",
        "end_date": "2028-06-30",
        "application_deadline": "2027-06-30",
        "capacity": "20",
        "delivery_mode": "online",
        "lms_course_id": "lms-1",
        **overrides,
    }


def test_cohort_create(office_client, partnership):
    response = office_client.post("/cohorts/new/", _cohort_post(partnership))
    cohort = Cohort.objects.get(code="CQ-MECH-2027")
    assert response.status_code == 302 and response["Location"] == f"/students/cohorts/{cohort.pk}/"
    assert AuditEntry.objects.filter(action="cohort.create").exists()


def test_cohort_create_invalid_shows_field_errors(office_client, partnership):
    other_agreement = AgreementFactory(host=partnership["host"])
    response = office_client.post(
        "/cohorts/new/", _cohort_post(partnership, end_date="2027-01-01", agreement=other_agreement.pk)
    )
    assert response.status_code == 200
    assert {"end_date", "agreement"} <= set(response.context["form"].errors)
    assert not Cohort.objects.filter(code="CQ-MECH-2027").exists()


def test_cohort_with_enrollments_keeps_its_track_and_partner(office_client, partnership):
    cohort = partnership["cohort"]
    url = f"/cohorts/{cohort.pk}/edit/"
    form = office_client.get(url).context["form"]
    assert form.fields["track"].disabled and form.fields["partner"].disabled
    other_track = TrackFactory()
    data = _cohort_post(
        partnership,
        code=cohort.code,
        start_date="2026-03-01",
        end_date="2026-12-20",
        application_deadline="",
        track=other_track.pk,
    )
    response = office_client.post(url, {**data, "name": "Renamed"})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.track == partnership["track"] and cohort.name == "Renamed"
    response = office_client.post(url, {**data, "capacity": "1"})
    assert response.status_code == 200 and "capacity" in response.context["form"].errors
