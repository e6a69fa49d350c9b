import factory

from diplomas.models import Diploma
from students.tests.factories import EnrollmentFactory


class DiplomaFactory(factory.django.DjangoModelFactory):
    """A diploma in ``requested`` state."""

    class Meta:
        model = Diploma

    enrollment = factory.SubFactory(EnrollmentFactory)
