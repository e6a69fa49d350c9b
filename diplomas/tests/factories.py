import factory

from diplomas.models import Diploma
from students.tests.factories import EnrollmentFactory

# What the fake renderer (``fake_render`` in conftest.py) returns instead of a rendered, signed PDF.
FAKE_PDF = b"%PDF-1.7 fake diploma\n%%EOF\n"


class DiplomaFactory(factory.django.DjangoModelFactory):
    """A diploma in ``requested`` state."""

    class Meta:
        model = Diploma

    enrollment = factory.SubFactory(EnrollmentFactory)
