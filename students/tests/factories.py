import datetime

import factory

from programs.tests.factories import CohortFactory, InstitutionFactory
from students.models import Enrollment, ModuleResult, Student
from students.services import TRANSITIONS


def _letters(n: int) -> str:
    """``n`` written in the letters a-z (0 → a, 25 → z, 26 → ba)."""
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if not n:
            return letters


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    home_institution = factory.SubFactory(InstitutionFactory)
    home_student_id = factory.Sequence(lambda n: f"2026{n:05d}")
    family_name_han = "张"
    given_name_han = "伟"
    family_name_latin = "Zhang"
    # Distinct and still a valid name (letters only: students/names.py refuses digits): Weia, Weib, …, Weiba, …
    given_name_latin = factory.Sequence(lambda n: "Wei" + _letters(n))
    family_name_cyrillic = "Чжан"
    given_name_cyrillic = "Вэй"
    sex = Student.Sex.MALE
    birth_date = datetime.date(2004, 5, 17)
    passport_number = factory.Sequence(lambda n: f"E{n:08d}")
    email = factory.Sequence(lambda n: f"student{n}@example.cn")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrollment in ``applied`` state; move it on with the services, as the product does."""

    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    student = factory.SubFactory(StudentFactory, home_institution=factory.SelfAttribute("..cohort.partner"))
    track = factory.SelfAttribute("cohort.track")
    applied_on = datetime.date(2026, 2, 1)


class ModuleResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleResult

    enrollment = factory.SubFactory(EnrollmentFactory)
    module = factory.SubFactory(
        "programs.tests.factories.ModuleFactory", track=factory.SelfAttribute("..enrollment.track")
    )
    attempt = 1
    score = 80
    grade = ModuleResult.Grade.GOOD
    assessed_on = datetime.date(2026, 6, 1)


def enrollment_move(enrollment, *targets, by=None, on=None, reason="Documents incomplete") -> Enrollment:
    """Move an enrollment to each status of ``targets`` in turn, with the services of the state machine's table (the
    product's only way to change a status); ``reason`` goes to the transitions that need one."""
    for target in targets:
        transition = TRANSITIONS[target]
        transition.run(enrollment, by=by, text=reason if transition.reason_required else "", on=on)
    return enrollment
