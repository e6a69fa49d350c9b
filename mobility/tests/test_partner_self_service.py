"""The partner portal's self-service: the college's own API keys (shown once, working on the API for that college
only) and webhooks, and the message threads with the office (both sides, the e-mail in the partner's language and
the office's notification). Observers see, coordinators act; another college's rows are 404."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from mobility.foundation.models import AuditEntry, PartnerAPIKey, WebhookDelivery, WebhookEndpoint
from mobility.foundation.notifications.models import StaffNotification
from mobility.foundation.people.models import Membership
from mobility.tests.partnership import partnership
from mobility.tests.support import api_client, make_api_key
from students.models import Thread, ThreadPost
from students.staff_notifications import THREAD_POST
from students.threads import services as thread_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def world():
    return partnership()


def login(world, role: str) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


# --- API keys ------------------------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_key_shown_once_that_opens_the_api_for_its_college_only(world):
    client = login(world, "coordinator-a")
    assert client.get("/partner/api-keys/new/").status_code == 200
    response = client.post("/partner/api-keys/new/", {"name": "Campus SIS", "scopes": ["read"]})
    assert response.status_code == 201
    assert response["Cache-Control"].count("no-store")
    raw_key = response.context["raw_key"]
    assert raw_key in response.content.decode()
    key = PartnerAPIKey.objects.get(name="Campus SIS")
    assert (
        key.institution == world.college_a and key.scopes == ["read"] and key.created_by == world.user("coordinator-a")
    )
    entry = AuditEntry.objects.get(action="api_key.create")
    assert entry.actor == world.user("coordinator-a")
    # The list shows it, never the plain key again.
    listed = client.get("/partner/api-keys/")
    assert key.prefix in listed.content.decode() and raw_key not in listed.content.decode()
    # The key reads the college's students only.
    students = api_client(raw_key).get("/api/v1/students/").json()["results"]
    assert [row["id"] for row in students] == [world.student_a.pk]


def test_an_observer_sees_the_keys_but_cannot_create_or_revoke(world):
    key, _plain = make_api_key(world.college_a, name="SIS A")
    client = login(world, "observer-a")
    page = client.get("/partner/api-keys/")
    assert page.status_code == 200 and "SIS A" in page.content.decode()
    assert "/partner/api-keys/new/" not in page.content.decode()
    assert client.post("/partner/api-keys/new/", {"name": "X", "scopes": ["read"]}).status_code == 403
    assert client.get("/partner/api-keys/new/").status_code == 403
    assert client.post(f"/partner/api-keys/{key.prefix}/revoke/").status_code == 403
    key.refresh_from_db()
    assert not key.revoked and PartnerAPIKey.objects.count() == 1


def test_a_coordinator_revokes_its_own_key_and_gets_404_for_another_colleges(world):
    own, _ = make_api_key(world.college_a, name="SIS A")
    other, _ = make_api_key(world.college_b, name="SIS B")
    client = login(world, "coordinator-b")
    assert "SIS A" not in client.get("/partner/api-keys/").content.decode()
    assert client.get(f"/partner/api-keys/{own.prefix}/revoke/").status_code == 404
    assert client.post(f"/partner/api-keys/{own.prefix}/revoke/", {"reason": "x"}).status_code == 404
    own.refresh_from_db()
    assert not own.revoked
    response = client.post(f"/partner/api-keys/{other.prefix}/revoke/", {"reason": "leaked"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.revoked
    assert AuditEntry.objects.get(action="api_key.revoke").actor == world.user("coordinator-b")


def test_a_bad_key_form_says_what_is_wrong_and_writes_nothing(world):
    response = login(world, "coordinator-a").post("/partner/api-keys/new/", {"name": "", "scopes": []})
    assert response.status_code == 200 and response.context["form"].errors
    assert not PartnerAPIKey.objects.exists()


# --- webhooks ------------------------------------------------------------------------------------------------------


def test_a_coordinator_adds_an_endpoint_secret_shown_once_and_disables_it(world):
    client = login(world, "coordinator-a")
    response = client.post(
        "/partner/webhooks/new/", {"url": "https://sis.a.example.cn/hooks", "events": ["diploma.issued"]}
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.institution == world.college_a and endpoint.secret in response.content.decode()
    page = client.get("/partner/webhooks/").content.decode()
    assert "https://sis.a.example.cn/hooks" in page and endpoint.secret not in page
    assert client.post(f"/partner/webhooks/{endpoint.pk}/toggle/").status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEntry.objects.filter(action="webhook_endpoint.update", actor=world.user("coordinator-a")).exists()


def test_webhooks_of_another_college_are_neither_shown_nor_changed(world):
    other = WebhookEndpoint.objects.create(institution=world.college_b, url="https://b.example.cn/", events=["x"])
    WebhookDelivery.objects.create(
        endpoint=other, event="diploma.issued", event_id="00000000-0000-4000-8000-000000000001", payload={}
    )
    client = login(world, "coordinator-a")
    page = client.get("/partner/webhooks/").content.decode()
    assert "b.example.cn" not in page
    assert client.post(f"/partner/webhooks/{other.pk}/toggle/").status_code == 404
    other.refresh_from_db()
    assert other.is_active
    observer = login(world, "observer-a")
    assert observer.get("/partner/webhooks/").status_code == 200
    assert (
        observer.post(
            "/partner/webhooks/new/", {"url": "https://a.example.cn/", "events": ["diploma.issued"]}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("rows", [1, 6])
def test_the_keys_and_webhooks_pages_read_in_a_fixed_number_of_queries(world, rows, django_assert_max_num_queries):
    for n in range(rows):
        make_api_key(world.college_a, name=f"SIS {n}")
        endpoint = WebhookEndpoint.objects.create(
            institution=world.college_a, url=f"https://a{n}.example.cn/", events=["diploma.issued"]
        )
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="diploma.issued", event_id=f"00000000-0000-4000-8000-{n:012d}", payload={}
        )
    client = login(world, "coordinator-a")
    for url in ("/partner/api-keys/", "/partner/webhooks/"):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


# --- threads -------------------------------------------------------------------------------------------------------


def test_a_coordinator_writes_about_a_student_and_the_office_is_notified(world, django_capture_on_commit_callbacks):
    client = login(world, "coordinator-a")
    url = f"/partner/messages/students/{world.student_a.pk}/"
    assert client.get(url).status_code == 200  # no thread yet: an empty one with the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"body": "Is the visa invitation ready?"})
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.institution == world.college_a and thread.student == world.student_a
    post = thread.posts.get()
    assert not post.from_office and post.author == world.user("coordinator-a") and post.author_name == "Coordinator-A"
    assert AuditEntry.objects.get(action="thread.post").actor == world.user("coordinator-a")
    notices = StaffNotification.objects.filter(kind=THREAD_POST)
    assert {n.recipient for n in notices} == {world.user("office"), world.user("office-admin")}
    assert not mail.outbox  # the office is told in its notifications, not by e-mail
    # The office's list shows it unread, first; opening it marks it read.
    office = login(world, "office")
    listing = office.get("/students/threads/")
    assert listing.status_code == 200 and listing.context["threads"][0].unread == 1
    assert "Is the visa invitation ready?" in office.get(f"/students/threads/{thread.pk}/").content.decode()
    post.refresh_from_db()
    assert post.office_read_at is not None


def test_the_office_answers_and_the_colleges_people_get_an_e_mail_in_their_language(
    world, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=world.user("coordinator-a")).update(language="")
    Membership.objects.filter(user=world.user("observer-a")).update(language="ru")
    thread_services.thread_post_create(
        institution=world.college_a, student=None, author=world.user("coordinator-a"), body="Hello"
    )
    thread = Thread.objects.get()
    office = login(world, "office")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"/students/threads/{thread.pk}/", {"body": "Welcome, the schedule is attached."})
    assert response.status_code == 302
    by_address = {message.to[0]: message for message in mail.outbox}
    # Only college A's people: not coordinator B.
    assert set(by_address) == {"coordinator-a@partners.example", "observer-a@partners.example"}
    chinese = by_address["coordinator-a@partners.example"]
    assert chinese.extra_headers["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        assert chinese.subject == translation.gettext("The office wrote to your college")
    assert chinese.subject != "The office wrote to your college"
    assert "Welcome, the schedule is attached." in chinese.body and "/partner/messages/general/" in chinese.body
    assert by_address["observer-a@partners.example"].extra_headers["Content-Language"] == "ru"
    # The college sees it unread in its list.
    listing = login(world, "observer-a").get("/partner/messages/")
    assert listing.context["general"].unread == 1


def test_threads_are_scoped_to_the_college(world):
    thread_services.thread_post_create(
        institution=world.college_a, student=world.student_a, author=world.user("coordinator-a"), body="About A"
    )
    client = login(world, "coordinator-b")
    assert client.get(f"/partner/messages/students/{world.student_a.pk}/").status_code == 404
    assert client.post(f"/partner/messages/students/{world.student_a.pk}/", {"body": "x"}).status_code == 404
    assert "About A" not in client.get("/partner/messages/general/").content.decode()
    assert client.get("/partner/messages/").context["student_threads"] == []
    assert ThreadPost.objects.count() == 1
    # An observer reads and cannot write.
    observer = login(world, "observer-a")
    assert "About A" in observer.get(f"/partner/messages/students/{world.student_a.pk}/").content.decode()
    assert observer.post("/partner/messages/general/", {"body": "x"}).status_code == 403
    assert ThreadPost.objects.count() == 1


def test_an_empty_message_is_refused_on_the_form(world):
    response = login(world, "coordinator-a").post("/partner/messages/general/", {"body": "   "})
    assert response.status_code == 400 and response.context["form"].errors["body"]
    assert not Thread.objects.exists()


@pytest.mark.parametrize("rows", [1, 6])
def test_the_thread_lists_read_in_a_fixed_number_of_queries(world, rows, django_assert_max_num_queries):
    from students.tests.factories import StudentFactory

    coordinator = world.user("coordinator-a")
    for n in range(rows):
        student = StudentFactory(home_institution=world.college_a)
        thread_services.thread_post_create(
            institution=world.college_a, student=student, author=coordinator, body=f"#{n}"
        )
    for client, url in (
        (login(world, "coordinator-a"), "/partner/messages/"),
        (login(world, "office"), "/students/threads/"),
    ):
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_the_partner_pages_speak_the_persons_language(world):
    client = login(world, "coordinator-a")
    key, _ = make_api_key(world.college_a, name="SIS")
    urls = [
        "/partner/api-keys/",
        "/partner/api-keys/new/",
        f"/partner/api-keys/{key.prefix}/revoke/",
        "/partner/webhooks/",
        "/partner/webhooks/new/",
        "/partner/messages/",
        "/partner/messages/general/",
    ]
    for url in urls:
        titles = {}
        for language in ("ru", "en", "zh-hans"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            page = client.get(url).content.decode()
            assert f'lang="{language}"' in page, url
            titles[language] = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert len(set(titles.values())) == 3, (url, titles)
