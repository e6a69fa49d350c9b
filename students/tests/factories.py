import datetime

import factory

from programs.tests.factories import CohortFactory, InstitutionFactory
from students.consent.models import SENSITIVE_PURPOSE, Consent, ConsentText
from students.consent.selectors import current_text
from students.models import Enrollment, ModuleResult, Student
from students.selectors import completion_missing_modules
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
        skip_postgeneration_save = True

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

    @factory.post_generation
    def transfer_consent(obj, create, extracted, **kwargs):
        """A student with passport data or a birth date holds the college's attested consent to their transfer, as
        the services require (``StudentFactory(transfer_consent=False)``: one without it)."""
        if create and extracted is not False and (obj.passport_number or obj.birth_date):
            consent_attested(obj)


class ConsentTextFactory(factory.django.DjangoModelFactory):
    """A published text (``published_at=None``: a draft), numbered after the purpose's latest version."""

    class Meta:
        model = ConsentText

    purpose = SENSITIVE_PURPOSE
    version = factory.LazyAttribute(
        lambda o: (
            (
                ConsentText.objects.filter(purpose=o.purpose)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
                or 0
            )
            + 1
        )
    )
    title_ru = factory.LazyAttribute(lambda o: f"Согласие ({o.purpose}), версия {o.version}")
    title_en = factory.LazyAttribute(lambda o: f"Consent ({o.purpose}), version {o.version}")
    title_zh = factory.LazyAttribute(lambda o: f"同意（{o.purpose}）第{o.version}版")
    body_ru = "Я согласен."
    body_en = "I agree."
    body_zh = "本人同意。"
    recipient = 'MSTU "STANKIN", Moscow'
    recipient_contact = "office@example.org"
    categories = factory.LazyFunction(lambda: ["names", "identity_document"])
    published_at = factory.LazyFunction(lambda: datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC))


def consent_text(purpose: str = SENSITIVE_PURPOSE) -> ConsentText:
    """The purpose's current text: the one the migrations published, or a new one where a transactional test's flush
    removed it."""
    return current_text(purpose) or ConsentTextFactory(purpose=purpose)


def consent_attested(
    student, purpose: str = SENSITIVE_PURPOSE, *, decision=Consent.Decision.GIVEN, **fields
) -> Consent:
    """A current decision recorded straight in the table (the services' bookkeeping of ``current`` included):
    attested by the college unless ``given_by`` says otherwise."""
    text = fields.pop("text", None) or consent_text(purpose)
    Consent.objects.filter(student=student, purpose=purpose, current=True).update(current=False)
    values = {
        "given_by": Consent.GivenBy.COLLEGE,
        "channel": Consent.Channel.API,
        "collected_on": datetime.date(2026, 1, 15),
        "text_sha256": text.digest("zh"),
        "language": "zh",
        **fields,
    }
    return Consent.objects.create(student=student, purpose=purpose, text=text, decision=decision, **values)


S = Enrollment.Status

# The date of each step as the factories write it (a year of the default cohort, 2026-03-01 to 2026-12-20).
STEP_DATES = {
    "applied_on": datetime.date(2026, 2, 1),
    "admitted_on": datetime.date(2026, 2, 10),
    "enrolled_on": datetime.date(2026, 3, 1),
    "completed_on": datetime.date(2026, 12, 1),
}
# closed_on: a rejection at admission time, a withdrawal or failure during the studies.
CLOSED_ON = {
    S.REJECTED: datetime.date(2026, 2, 10),
    S.WITHDRAWN: datetime.date(2026, 6, 30),
    S.FAILED: datetime.date(2026, 6, 30),
}
# The dates the state machine (students/services/enrollments.py) has written by the time an enrollment reaches each
# status, on these paths: applied → rejected; applied → admitted → enrolled → withdrawn | failed | completed.
STEPS = {
    S.APPLIED: (),
    S.ADMITTED: ("admitted_on",),
    S.REJECTED: ("closed_on",),
    S.ENROLLED: ("admitted_on", "enrolled_on"),
    S.WITHDRAWN: ("admitted_on", "enrolled_on", "closed_on"),
    S.FAILED: ("admitted_on", "enrolled_on", "closed_on"),
    S.COMPLETED: ("admitted_on", "enrolled_on", "completed_on"),
}
# The services require a reason for these transitions and store it in status_reason.
REASON_REQUIRED = tuple(transition.target for transition in TRANSITIONS.values() if transition.reason_required)


def _step_date(field: str):
    def date(enrollment):
        if field not in STEPS[enrollment.status]:
            return None
        return CLOSED_ON[enrollment.status] if field == "closed_on" else STEP_DATES[field]

    return factory.LazyAttribute(date)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrollment in ``status`` (default ``applied``) with the dates and reason the state machine would have
    written on the way there (``STEPS``); any of them can be given. ``completed`` (``completed=True`` or
    ``status=COMPLETED``) also holds the completion rule: a passing result of every required module of the track.

    Rows are written directly, with no audit entry, e-mail or webhook: a test of a transition itself moves an
    enrollment with the services, as the product does."""

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    class Params:
        completed = factory.Trait(status=S.COMPLETED)

    cohort = factory.SubFactory(CohortFactory)
    student = factory.SubFactory(StudentFactory, home_institution=factory.SelfAttribute("..cohort.partner"))
    track = factory.SelfAttribute("cohort.track")
    status = S.APPLIED
    applied_on = STEP_DATES["applied_on"]
    admitted_on = _step_date("admitted_on")
    enrolled_on = _step_date("enrolled_on")
    completed_on = _step_date("completed_on")
    closed_on = _step_date("closed_on")
    status_reason = factory.LazyAttribute(lambda o: f"Test: {o.status}" if o.status in REASON_REQUIRED else "")

    @factory.post_generation
    def passing_results(self, create, extracted, **kwargs):
        """A completed enrollment gets a passing result (``ModuleResultFactory``) of every required module of its
        track that has none, so that ``completion_missing_modules`` is empty, as ``enrollment_complete`` demands."""
        if not create or self.status != S.COMPLETED:
            return
        for module in completion_missing_modules(enrollment=self):
            ModuleResultFactory(enrollment=self, module=module, **kwargs)


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
