import datetime

import factory

from diplomas.models import Diploma
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory

# What the fake renderer (``fake_render`` in conftest.py) returns instead of a rendered, signed PDF.
FAKE_PDF = b"%PDF-1.7 fake diploma\n%%EOF\n"


def completed_enrollment(**fields) -> Enrollment:
    """An enrollment in ``completed`` (its track has no required module, so the completion rule holds)."""
    enrollment = EnrollmentFactory(**fields)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.COMPLETED,
        admitted_on=datetime.date(2026, 2, 10),
        enrolled_on=datetime.date(2026, 3, 1),
        completed_on=datetime.date(2026, 12, 1),
    )
    enrollment.refresh_from_db()
    return enrollment


class DiplomaFactory(factory.django.DjangoModelFactory):
    """A diploma in ``requested`` state."""

    class Meta:
        model = Diploma

    enrollment = factory.SubFactory(EnrollmentFactory)
