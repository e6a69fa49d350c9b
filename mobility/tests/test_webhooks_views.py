"""Staff pages of a partner's webhooks: the list, a new endpoint with its secret shown once, enable/disable,
replay (POST only, audited)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.foundation.webhooks import services
from programs.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

E = WebhookEndpoint.Event


@pytest.fixture
def partner():
    return InstitutionFactory(code="CQ")


def _deliveries(partner, url, n=1):
    hook = services.webhook_endpoint_create(institution=partner, url=url, events=list(E.values), by=None)
    for i in range(n):
        services.webhooks_emit(event=E.DIPLOMA_ISSUED, institution_id=partner.pk, data={"diploma_id": i})
    return hook


def test_the_page_lists_endpoints_and_deliveries_in_a_fixed_number_of_queries(office_client, partner):
    def queries(n):
        WebhookEndpoint.objects.all().delete()
        _deliveries(partner, "https://hooks.example.cn/a", n)
        with CaptureQueriesContext(connection) as captured:
            response = office_client.get(f"/institutions/{partner.pk}/webhooks/")
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode()

    few, _ = queries(1)
    many, html = queries(12)
    assert few == many
    assert "https://hooks.example.cn/a" in html and html.count("diploma.issued") >= 12
    assert "Replay" in html and "New endpoint" not in html  # office replays; adding is office-admin's
    assert WebhookEndpoint.objects.get().secret not in html


def test_the_deliveries_filter_by_status(office_client, partner):
    _deliveries(partner, "https://hooks.example.cn/a", 2)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.first().pk).update(status="failed")
    html = office_client.get(f"/institutions/{partner.pk}/webhooks/?status=failed").content.decode()
    assert html.count('id="delivery-') == 1


def test_office_admin_adds_an_endpoint_and_sees_its_secret_once(office_admin_client, partner):
    response = office_admin_client.get(f"/institutions/{partner.pk}/webhooks/new/")
    assert response.status_code == 200
    response = office_admin_client.post(
        f"/institutions/{partner.pk}/webhooks/new/",
        {
            "url": "https://sis.cqcollege.cn/hooks",
            "events": [E.DIPLOMA_ISSUED, E.RESULT_RECORDED],
            "description": "SIS",
        },
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert (endpoint.institution, endpoint.events) == (partner, [E.RESULT_RECORDED, E.DIPLOMA_ISSUED])
    assert AuditEntry.objects.filter(action="webhook_endpoint.create", actor__username="popova").exists()
    assert endpoint.secret not in office_admin_client.get(f"/institutions/{partner.pk}/webhooks/").content.decode()


def test_a_refused_url_is_shown_on_the_form(office_admin_client, partner):
    response = office_admin_client.post(
        f"/institutions/{partner.pk}/webhooks/new/", {"url": "ftp://x.cn/", "events": [E.DIPLOMA_ISSUED]}
    )
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "Only http:// and https:// URLs can receive webhooks." in response.content.decode()


def test_office_cannot_add_or_disable_endpoints(office_client, partner):
    hook = _deliveries(partner, "https://hooks.example.cn/a")
    assert office_client.get(f"/institutions/{partner.pk}/webhooks/new/").status_code == 403
    assert office_client.post(f"/webhooks/{hook.pk}/toggle/").status_code == 403


def test_office_admin_disables_and_enables_an_endpoint(office_admin_client, partner):
    hook = _deliveries(partner, "https://hooks.example.cn/a")
    assert office_admin_client.get(f"/webhooks/{hook.pk}/toggle/").status_code == 405
    response = office_admin_client.post(f"/webhooks/{hook.pk}/toggle/")
    assert response.status_code == 302 and response["Location"] == f"/institutions/{partner.pk}/webhooks/"
    hook.refresh_from_db()
    assert not hook.is_active
    office_admin_client.post(f"/webhooks/{hook.pk}/toggle/")
    hook.refresh_from_db()
    assert hook.is_active
    assert AuditEntry.objects.filter(action="webhook_endpoint.update").count() == 2


def test_office_replays_a_failed_delivery(office_client, partner, receiver, django_capture_on_commit_callbacks):
    _deliveries(partner, receiver.url)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=9, last_error="HTTP 500")
    assert office_client.get(f"/webhook-deliveries/{delivery.pk}/replay/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = office_client.post(f"/webhook-deliveries/{delivery.pk}/replay/", follow=True)
    assert response.status_code == 200 and "sent again" in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert len(receiver.received) == 1
    entry = AuditEntry.objects.get(action="webhook.replay")
    assert entry.actor.username == "clerk" and entry.changes["attempts"] == [9, 0]


def test_the_institution_page_links_to_its_webhooks(office_client, partner):
    html = office_client.get(f"/institutions/{partner.pk}/").content.decode()
    assert f"/institutions/{partner.pk}/webhooks/" in html
