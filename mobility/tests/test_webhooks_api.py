"""Partner API of webhooks: a partner registers, reads, changes and removes its own endpoints (the secret shown on
creation only) and reads their deliveries; another partner's are 404; lists in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.foundation.webhooks import services
from mobility.tests.support import api_client, make_api_key, make_user
from programs.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

E = WebhookEndpoint.Event
URL = "/api/v1/webhook-endpoints/"


@pytest.fixture
def own():
    return InstitutionFactory(code="CQ")


@pytest.fixture
def client(own):
    return api_client(make_api_key(own)[1])


def test_a_partner_registers_an_endpoint_and_sees_the_secret_once(client, own):
    body = {"url": "https://sis.cq.example.cn/hooks", "events": [E.DIPLOMA_ISSUED, E.APPLICATION_DECIDED]}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert data["secret"] == endpoint.secret and endpoint.institution == own
    assert data["events"] == [E.APPLICATION_DECIDED, E.DIPLOMA_ISSUED] and data["is_active"] is True
    assert "secret" not in client.get(f"{URL}{endpoint.pk}/").json()
    assert "secret" not in client.get(URL).json()["results"][0]
    entry = AuditEntry.objects.get(action="webhook_endpoint.create")
    assert entry.actor_label.startswith("api-key:CQ:")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://x.cn/", "events": [E.DIPLOMA_ISSUED]}, "url"),
        ({"url": "https://x.cn/", "events": []}, "events"),
        ({"url": "https://x.cn/", "events": ["student.deleted"]}, "events"),
        ({"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED], "is_active": 0}, "is_active"),  # boolean: true/false
        ({"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED], "is_active": "yes"}, "is_active"),
        ({"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED], "description": 0}, "description"),  # a string
    ],
)
def test_invalid_endpoints_are_refused_with_the_field(client, body, field):
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_a_partner_changes_disables_and_removes_its_endpoint(client, own):
    endpoint = services.webhook_endpoint_create(
        institution=own, url="https://a.cn/", events=[E.RESULT_RECORDED], by=None
    )
    response = client.patch(f"{URL}{endpoint.pk}/", {"is_active": False, "events": [E.DIPLOMA_REVOKED]}, format="json")
    assert response.status_code == 200, response.json()
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.events) == (False, [E.DIPLOMA_REVOKED])
    response = client.put(
        f"{URL}{endpoint.pk}/",
        {"url": "https://b.cn/", "events": [E.RESULT_RECORDED], "is_active": True},
        format="json",
    )
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.is_active) == ("https://b.cn/", True)
    assert client.delete(f"{URL}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.filter(action="webhook_endpoint.delete").exists()


def test_another_partners_endpoints_and_deliveries_are_not_found(client, own):
    other = InstitutionFactory(code="OTHER")
    foreign = services.webhook_endpoint_create(institution=other, url="https://o.cn/", events=list(E.values), by=None)
    services.webhooks_emit(event=E.DIPLOMA_ISSUED, institution_id=other.pk, data={})
    mine = services.webhook_endpoint_create(institution=own, url="https://m.cn/", events=list(E.values), by=None)
    services.webhooks_emit(event=E.DIPLOMA_ISSUED, institution_id=own.pk, data={"diploma_id": 1})

    assert [e["id"] for e in client.get(URL).json()["results"]] == [mine.pk]
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"{URL}{foreign.pk}/", {}, format="json").status_code == 404
    foreign_delivery = WebhookDelivery.objects.get(endpoint=foreign)
    assert client.get(f"/api/v1/webhook-deliveries/{foreign_delivery.pk}/").status_code == 404
    deliveries = client.get("/api/v1/webhook-deliveries/").json()["results"]
    assert [d["endpoint"] for d in deliveries] == [mine.pk]
    assert deliveries[0]["payload"]["data"] == {"diploma_id": 1} and deliveries[0]["status"] == "pending"
    assert client.get(f"/api/v1/webhook-deliveries/?endpoint={foreign.pk}").json()["results"] == []
    # A partner cannot register an endpoint for another institution.
    response = client.post(URL, {"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED], "institution": other.pk})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.filter(url="https://x.cn/").exists()


def test_office_staff_name_the_institution(own):
    staff = api_client(user=make_user("clerk", OFFICE))
    assert staff.post(URL, {"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED]}, format="json").status_code == 400
    response = staff.post(URL, {"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED], "institution": own.pk})
    assert response.status_code == 201 and WebhookEndpoint.objects.get().institution == own


def test_a_read_only_key_cannot_register(own):
    reader = api_client(make_api_key(own, scopes=["read"], name="RO")[1])
    assert reader.post(URL, {"url": "https://x.cn/", "events": [E.DIPLOMA_ISSUED]}, format="json").status_code == 403


@pytest.mark.parametrize("path", [URL, "/api/v1/webhook-deliveries/"])
def test_lists_run_a_fixed_number_of_queries(client, own, path):
    def count(n):
        WebhookEndpoint.objects.all().delete()
        for i in range(n):
            services.webhook_endpoint_create(institution=own, url=f"https://h{i}.cn/", events=list(E.values), by=None)
        services.webhooks_emit(event=E.DIPLOMA_ISSUED, institution_id=own.pk, data={})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, {"page_size": 100})
        assert response.status_code == 200 and len(response.json()["results"]) == n
        return len(captured.captured_queries)

    client.get(path)  # the key's last use is written once a minute: not on the measured requests
    assert count(2) == count(20) == 3  # the key, the count, the page
