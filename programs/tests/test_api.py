"""Partner API over institutions, tracks, modules and cohorts: scoping, filters, pinned query counts."""

import pytest
from django.utils import timezone

from mobility.foundation.access import OFFICE
from mobility.tests.support import api_client, make_api_key, make_user

from .factories import CohortFactory, HostFactory, InstitutionFactory, ModuleFactory, TrackFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def partner(college):
    _key, plain = make_api_key(college, last_used_at=timezone.now())
    return api_client(plain)


def test_a_partner_sees_its_own_institution_only(partner, college):
    InstitutionFactory(code="OTHER")
    HostFactory()
    data = partner.get("/api/v1/institutions/").json()
    assert [row["code"] for row in data["results"]] == ["CQEVTC"]
    assert partner.get(f"/api/v1/institutions/{college.pk}/").json()["name_zh"] == college.name_zh


def test_staff_see_every_institution(college):
    InstitutionFactory(code="OTHER")
    data = api_client(user=make_user("office", OFFICE)).get("/api/v1/institutions/").json()
    assert data["count"] == 2


def test_cohorts_are_those_the_partner_sends_students_to(partner, college):
    mine = CohortFactory(partner=college)
    other = CohortFactory(partner=InstitutionFactory(code="OTHER"))
    data = partner.get("/api/v1/cohorts/").json()
    assert [row["id"] for row in data["results"]] == [mine.pk]
    assert partner.get(f"/api/v1/cohorts/{other.pk}/").status_code == 404


def test_tracks_and_modules_by_track(partner):
    track, other = TrackFactory(code="MECH"), TrackFactory(code="SOFT")
    first = ModuleFactory(track=track, order=1)
    ModuleFactory(track=other)
    assert [row["code"] for row in partner.get("/api/v1/tracks/").json()["results"]] == ["MECH", "SOFT"]
    data = partner.get("/api/v1/modules/", {"track": track.pk}).json()
    assert [row["id"] for row in data["results"]] == [first.pk]
    assert partner.get(f"/api/v1/tracks/{track.pk}/").json()["pass_score"] == "60.00"


@pytest.mark.parametrize("url", ["/api/v1/institutions/", "/api/v1/tracks/", "/api/v1/modules/", "/api/v1/cohorts/"])
def test_list_query_counts_do_not_grow_with_the_page(partner, college, django_assert_num_queries, url):
    for _ in range(3):
        CohortFactory(partner=college)
        ModuleFactory()
    # Staff keys see every institution; a partner sees one, so institutions are counted with a staff key.
    client = partner
    if "institutions" in url:
        InstitutionFactory.create_batch(3)
        _key, plain = make_api_key(HostFactory(), last_used_at=timezone.now())
        client = api_client(plain)
    for page_size in (1, 3):
        with django_assert_num_queries(3):  # key, count, page
            response = client.get(url, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
