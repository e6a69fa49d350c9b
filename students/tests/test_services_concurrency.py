"""Admissions racing for the last place of an agreement's quota, in two transactions at once (PostgreSQL row locks).

Two cohorts of one track and intake year share their agreement's quota; each admission locks the quota row, then its
cohort (students.services.enrollments._places_locked). Without the quota lock each admission locks only its own
cohort, both count the same places taken, and both take the last one.
"""

import contextlib
import datetime
import threading
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone

from mobility.foundation.exceptions import DomainError
from programs.tests.factories import AgreementQuotaFactory, CohortFactory
from students import services
from students.models import Enrollment

from .factories import EnrollmentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…, as in CI): SQLite has no row locks "
        "(select_for_update is a no-op) and lets one writer at a time, so the race cannot happen there",
    ),
]

# How long an admission that has passed the checks waits for the other one to pass them too: with the quota locked
# the other one cannot (it waits for the lock), so this is the time the winner holds it before committing.
RENDEZVOUS_SECONDS = 3


def _cohorts_sharing_a_quota_with_one_place_left():
    start = timezone.localdate() + datetime.timedelta(days=60)
    quota = AgreementQuotaFactory(year=start.year, places=3)
    cohorts = [
        CohortFactory(
            agreement=quota.agreement,
            track=quota.track,
            partner=quota.agreement.partner,
            capacity=10,
            start_date=start,
            end_date=start + datetime.timedelta(days=200),
        )
        for _ in range(2)
    ]
    applied_on = timezone.localdate() - datetime.timedelta(days=1)
    staff = get_user_model().objects.create_user("popova", password="x")
    for cohort in cohorts:  # two places taken, one in each cohort
        services.enrollment_admit(enrollment=EnrollmentFactory(cohort=cohort, applied_on=applied_on), by=staff)
    assert services.quota_used(quota) == 2
    racing = [EnrollmentFactory(cohort=cohort, applied_on=applied_on) for cohort in cohorts]
    return quota, racing, staff


def test_two_cohorts_under_one_agreement_race_for_its_last_place_and_one_wins():
    quota, racing, staff = _cohorts_sharing_a_quota_with_one_place_left()
    both_checked = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def rendezvous(*, enrollment):
        # Called inside the admission's transaction, after the checks and the status write, before the commit:
        # wait until the other admission is here too (it never comes while it waits for the quota's lock).
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=RENDEZVOUS_SECONDS)

    def admit(enrollment):
        try:
            services.enrollment_admit(enrollment=enrollment, by=staff)
            outcomes[enrollment.pk] = "admitted"
        except DomainError as error:
            outcomes[enrollment.pk] = error
        finally:
            connections.close_all()

    with mock.patch("students.services.enrollments.enrollment_admitted_notify", side_effect=rendezvous):
        threads = [threading.Thread(target=admit, args=(enrollment,)) for enrollment in racing]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(outcome == "admitted" for outcome in outcomes.values()) == [False, True]
    (refusal,) = [outcome for outcome in outcomes.values() if outcome != "admitted"]
    assert refusal.code == "quota_exhausted"
    assert quota.agreement.number in refusal.message and "3 of 3" in refusal.message
    assert services.quota_used(quota) == 3
    statuses = sorted(Enrollment.objects.filter(pk__in=[e.pk for e in racing]).values_list("status", flat=True))
    assert statuses == sorted([Enrollment.Status.ADMITTED, Enrollment.Status.APPLIED])
