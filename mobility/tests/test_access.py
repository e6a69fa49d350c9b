"""Every staff page, enumerated from the URL resolver, is closed to anonymous visitors and to logged-in people who
are not office staff. A new page is covered the day it is added to a urls.py."""

import datetime
import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from diplomas.designs.models import Signatory
from diplomas.designs.services import design_draft
from diplomas.models import Diploma, DiplomaArchive, Transcript
from mobility.foundation.models import PartnerAPIKey, WebhookDelivery, WebhookEndpoint
from mobility.foundation.notifications.models import StaffNotification
from mobility.foundation.people.models import Membership
from mobility.tests.matrix import resolver_routes
from mobility.tests.partnership import make_member
from programs.models import TeachingAssignment
from programs.tests.factories import AgreementFactory, ContactFactory, ModuleFactory
from students.consent.models import Purpose
from students.models import Continuation, Message, MessageRecipient, SavedFilter, Thread
from students.tests.factories import ConsentTextFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db

# Pages anyone may open: logging in and out, and Django's password reset by e-mail.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "verify",  # the public verification page of a diploma (diplomas.views.VerifyView, tested there)
    "verify-name",  # its check of a typed name (diplomas/tests/test_verification_consent.py)
    "verify-transcript",  # a transcript's verification page (diplomas/tests/test_transcripts_views.py)
    "verify-paper",  # a printed diploma's number and code (diplomas/tests/test_verify_paper.py)
    # The credentials' issuer: its DID document and revocation lists (diplomas/tests/test_credentials.py).
    "did-document",
    "did-document-path",
    "status-list",
    # A student's one-time link to set a password (students/account_views.py, tested in students/tests/).
    "invitation-accept",
    # A member's of the partnership (mobility/people_views.py, tested in mobility/tests/test_people_pages.py).
    "member-invitation-accept",
    # The language switcher is on every page, the login and verification pages included (mobility/i18n_views.py).
    "set_language",
    # Load balancers and monitoring: database and broker up, nothing else (mobility/health.py, test_health.py).
    "healthz",
    # /favicon.ico: a redirect to the static icon (mobility/views.py).
    "favicon",
    # The sign-in's second step (a code from the authenticator): the login page without a pending sign-in.
    "login-code",
}
# Pages for anyone logged in (staff, students, the partnership's people): changing one's own password, one's own
# two-factor sign-in.
OWN_ACCOUNT = {
    "password_change": "/accounts/password_change/",
    "password_change_done": "/accounts/password_change/done/",
    "two-factor": "/two-factor/",
    "two-factor-setup": "/two-factor/setup/",
    "two-factor-recovery-codes": "/two-factor/recovery-codes/",
    "two-factor-remove": "/two-factor/remove/",
}
# Parameters that are not object ids.
VALUES = {
    "action": "admit",
    "fmt": "csv",
    "uidb64": "MQ",
    "token": "set-password",
    "upload": "00000000-0000-4000-8000-000000000000",
    "purpose": "processing",
}


def _staff_patterns():
    # The admin has its own access rule (is_staff); the partner API answers in JSON, with its own matrix in
    # test_api_access.py. Every role's expectations, page by page: test_access_matrix.py.
    return sorted(
        {(route, name) for route, _qualified, name in resolver_routes() if name not in PUBLIC | OWN_ACCOUNT.keys()}
    )


STAFF_PATTERNS = _staff_patterns()


@pytest.fixture
def objects():
    enrollment = EnrollmentFactory()
    agreement = AgreementFactory(partner=enrollment.cohort.partner, host=enrollment.cohort.host)
    return {
        "students": enrollment.student.pk,
        "enrollments": enrollment.pk,
        "institutions": enrollment.cohort.partner.pk,
        "contacts": ContactFactory(institution=enrollment.cohort.partner).pk,
        "agreements": agreement.pk,
        "tracks": enrollment.track.pk,
        "modules": ModuleFactory(track=enrollment.track).pk,
        "cohorts": enrollment.cohort.pk,
        "diplomas": Diploma.objects.create(enrollment=enrollment).pk,
        "transcripts": Transcript.objects.create(enrollment=enrollment, number="T-1", issued_at=timezone.now()).pk,
        "archives": DiplomaArchive.objects.create(cohort=enrollment.cohort).pk,
        "api-keys": PartnerAPIKey.objects.create_key(
            name="SIS", institution=enrollment.cohort.partner, scopes=["read"]
        )[0].prefix,
        "webhooks": (
            hook := WebhookEndpoint.objects.create(institution=enrollment.cohort.partner, url="https://x.cn/")
        ).pk,
        "webhook-deliveries": WebhookDelivery.objects.create(
            endpoint=hook, event=WebhookEndpoint.Event.DIPLOMA_ISSUED, event_id=uuid.uuid4(), payload={}
        ).pk,
        "notifications": StaffNotification.objects.create(
            recipient=get_user_model().objects.create_user("notified"), kind="students.correction_requested"
        ).pk,
        "continuations": Continuation.objects.create(
            enrollment=enrollment,
            university=enrollment.cohort.host,
            program_code="15.03.06",
            program_name="Mechatronics and robotics",
            applied_on=datetime.date(2026, 7, 1),
        ).pk,
        # A message to students (staff: /students/messages/<id>/) and its copy (the portal: /portal/messages/<id>/).
        "messages": MessageRecipient.objects.create(
            message=Message.objects.create(
                audience="cohort",
                sent_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
                token=uuid.uuid4(),
                subject_en="Visa",
                body_en="Bring your passport.",
            ),
            student=enrollment.student,
            language="en",
        ).message_id,
        "saved-filters": SavedFilter.objects.create(name="Applied", params={"status": "applied"}).pk,
        # A teacher (/people/<id>/) and their assignment (/people/<id>/assignments/<id>/remove/).
        "people": (teacher := make_member("access-teacher", Membership.Role.TEACHER).membership).pk,
        "assignments": TeachingAssignment.objects.create(
            teacher=teacher.user, cohort=enrollment.cohort, module=ModuleFactory(track=enrollment.track)
        ).pk,
        # A partner college's thread with the office (staff: /students/threads/<id>/).
        "threads": Thread.objects.create(institution=enrollment.cohort.partner, student=enrollment.student).pk,
        # two-factor/users/<id>/reset/: a person whose two-factor sign-in the office-admin resets.
        "users": get_user_model().objects.create_user("lost-phone").pk,
        # The office-admin's consent texts (/privacy/consents/<id>/): a draft (its editor, preview and publish).
        "consents": ConsentTextFactory(purpose=Purpose.PUBLIC_NAME, published_at=None).pk,
        # The office-admin's designs (/administration/designs/<id>/): a draft; a signatory of the migration's.
        "designs": design_draft(kind="diploma", by=None).pk,
        "signatories": Signatory.objects.order_by("pk").first().pk,
    }


def _url(route: str, objects: dict) -> str:
    """A concrete URL for a route like ``tracks/<int:track_pk>/modules/<int:pk>/edit/``: each id parameter gets
    the id of an object of the kind named by the path segment before it."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    parts = []
    for segment in route.split("/"):
        match = re.fullmatch(r"(.*)<(?:\w+:)?(\w+)>(.*)", segment)
        if match is None:
            parts.append(segment)
            continue
        before, name, after = match.groups()
        value = VALUES.get(name) or objects[parts[-1]]
        parts.append(f"{before}{value}{after}")
    return "/" + "/".join(parts)


def test_every_staff_page_is_enumerated():
    names = {name for _, name in STAFF_PATTERNS}
    assert {"dashboard", "student-list", "student-detail", "enrollment-transition", "agreement-document"} <= names
    assert len(STAFF_PATTERNS) >= 30


@pytest.mark.parametrize(("route", "name"), STAFF_PATTERNS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, objects, route, name, method):
    url = _url(route, objects)
    response = getattr(client, method)(url)
    if method == "post" and response.status_code == 405:
        return  # a download page that takes no POST: refused before anything else
    assert response.status_code == 302, url
    assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.parametrize(("route", "name"), STAFF_PATTERNS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_who_are_not_office_staff_are_refused(client, objects, route, name, method):
    client.force_login(get_user_model().objects.create_user("outsider"))
    url = _url(route, objects)
    response = getattr(client, method)(url)
    assert response.status_code in (403, 404) or (method == "post" and response.status_code == 405), url


def test_every_own_account_page_is_listed_with_its_url():
    assert {reverse(name) for name in OWN_ACCOUNT} == set(OWN_ACCOUNT.values())


@pytest.mark.parametrize("name", sorted(OWN_ACCOUNT))
def test_own_account_pages_need_a_login_only(client, name):
    url = OWN_ACCOUNT[name]
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(get_user_model().objects.create_user("anyone"))
    assert client.get(url).status_code == 200
