"""Helpers of the student portal's tests (test_portal_*.py)."""

from django.urls import reverse

from programs.tests.factories import CohortFactory
from students.models import Enrollment

from .factories import EnrollmentFactory

ZH = "zh-hans"


def _enrolled(student, track, *, cohort=None):
    cohort = cohort or CohortFactory(track=track, partner=student.home_institution)
    return EnrollmentFactory(student=student, cohort=cohort, status=Enrollment.Status.ENROLLED)


def _portal_urls(student) -> dict[str, str]:
    return {
        "home": reverse("portal:home"),
        "enrollment": reverse("portal:enrollment", args=[student.mech.pk]),
        "my-data": reverse("portal:my-data"),
    }


PAGES = ["home", "enrollment", "my-data"]
