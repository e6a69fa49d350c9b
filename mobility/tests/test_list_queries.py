"""Every list and report page reads in a fixed number of SQL queries, ten at most, whatever the number of rows and
the page size: the count is taken with one unit of data and again with six, and must be the same and ≤ 10.

A new list page joins ``LISTS`` (URL, and whether it is office-admin's).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from mobility import services as api_keys
from mobility.foundation.people.models import Membership
from mobility.tests.partnership import make_member
from programs.tests.factories import AgreementFactory, AgreementQuotaFactory, HostFactory, ModuleFactory
from students.models import Continuation, Enrollment, Thread, ThreadPost
from students.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

BUDGET = 10
S = Enrollment.Status

# (URL, office-admin only)
LISTS = [
    ("/", False),  # the dashboard: counts, charts and the lists of what needs action
    ("/students/", False),
    ("/students/?per_page=25", False),
    ("/students/?per_page=200&sort=-name", False),
    ("/students/?status=enrolled", False),
    ("/students/continuations/", False),
    ("/cohorts/", False),
    ("/tracks/", False),
    ("/institutions/", False),
    ("/agreements/", False),
    ("/api-keys/", True),
    ("/people/", False),
    ("/people/?role=coordinator&active=yes&q=a", False),
    ("/diplomas/", False),
    ("/diplomas/?status=issued&per_page=200", False),
    ("/reports/", False),
    ("/reports/enrollments/", False),
    ("/reports/enrollments/?status=completed", False),
    ("/students/messages/", False),
    ("/students/threads/", False),
    ("/notifications/", False),
    ("/audit/", True),
    ("/audit/?action=diploma.request", True),
]


def _unit(n: int) -> None:
    """One partner's worth of rows: a cohort with students in several states, a diploma, an agreement with a quota,
    a continuation, an API key, a thread with the office, a coordinator and a teacher."""
    completed = EnrollmentFactory(status=S.COMPLETED)
    cohort = completed.cohort
    ModuleFactory(track=cohort.track, code=f"M{n}-2")
    for status in (S.APPLIED, S.ADMITTED, S.ENROLLED, S.WITHDRAWN):
        EnrollmentFactory(cohort=cohort, status=status)
    DiplomaFactory(enrollment=completed, status=Diploma.Status.ISSUED)
    agreement = AgreementFactory(partner=cohort.partner)
    AgreementQuotaFactory(agreement=agreement, track=cohort.track)
    Continuation.objects.create(
        enrollment=completed,
        university=HostFactory(),
        program_code="15.03.06",
        program_name="Mechatronics and robotics",
        applied_on=timezone.localdate() - datetime.timedelta(days=n),
    )
    api_keys.api_key_create(institution=cohort.partner, name=f"SIS {n}", scopes=["read"], expires_at=None, by=None)
    thread = Thread.objects.create(institution=cohort.partner, student=completed.student, last_post_at=timezone.now())
    ThreadPost.objects.create(thread=thread, author_name="Coordinator", from_office=False, body="Visa?")
    make_member(f"coordinator-{n}", Membership.Role.COORDINATOR, cohort.partner)
    make_member(f"teacher-{n}", Membership.Role.TEACHER)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


# ``mobility.foundation.pagination.list_page`` reads a first page that is not full as its own count: once the data
# fills the first page the list asks for the count, one query more (then fixed again).
FILLS_ITS_FIRST_PAGE = {"/students/?per_page=25"}


@pytest.mark.parametrize(("url", "admin_only"), LISTS)
def test_list_pages_read_in_a_fixed_number_of_queries(url, admin_only, client, office, office_admin):
    client.force_login(office_admin if admin_only else office)
    _unit(0)
    few = _queries(client, url)
    for n in range(1, 6):
        _unit(n)
    many = _queries(client, url)
    assert many == few + (url in FILLS_ITS_FIRST_PAGE), f"{url}: {few} queries with one unit of data, {many} with six"
    assert many <= BUDGET, f"{url}: {many} queries (budget {BUDGET})"
