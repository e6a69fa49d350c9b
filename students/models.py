"""Students, their enrollments in cohorts, module results and continuation to a bachelor's program."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mobility.foundation.languages import in_language
from mobility.foundation.models import TimeStampedModel

from .names import validate_cyrillic_name, validate_han_name, validate_latin_name


class Student(TimeStampedModel):
    """A student of a partner college. Names are kept in Han characters, Latin (pinyin) and Cyrillic.

    Fields in ``SENSITIVE_FIELDS`` are personal data that only holders of ``students.view_sensitive`` may see;
    every page, export and API response that shows a student asks ``mobility.foundation.access`` before including them.
    """

    SENSITIVE_FIELDS = (
        "birth_date",
        "passport_number",
        "passport_issued_on",
        "passport_expires_on",
    )

    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
    )
    home_institution = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("home institution"),
        on_delete=models.PROTECT,
        related_name="students",
        limit_choices_to={"kind": "sending"},
    )
    home_student_id = models.CharField(_("home student id"), max_length=64)
    home_specialty = models.CharField(_("home specialty"), max_length=255, blank=True)

    # What a name may hold is decided in students/names.py; every entry normalizes with ``normalize_name`` first.
    family_name_han = models.CharField(
        _("family name (Han)"), max_length=64, blank=True, validators=[validate_han_name]
    )
    given_name_han = models.CharField(_("given name (Han)"), max_length=64, blank=True, validators=[validate_han_name])
    family_name_latin = models.CharField(_("family name (Latin)"), max_length=128, validators=[validate_latin_name])
    given_name_latin = models.CharField(_("given name (Latin)"), max_length=128, validators=[validate_latin_name])
    family_name_cyrillic = models.CharField(
        _("family name (Cyrillic)"), max_length=128, blank=True, validators=[validate_cyrillic_name]
    )
    given_name_cyrillic = models.CharField(
        _("given name (Cyrillic)"), max_length=128, blank=True, validators=[validate_cyrillic_name]
    )

    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=2, default="CN", help_text=_("ISO 3166-1 alpha-2."))
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    passport_number = models.CharField(_("passport number"), max_length=32, blank=True)
    passport_issued_on = models.DateField(_("passport issued on"), null=True, blank=True)
    passport_expires_on = models.DateField(_("passport expires on"), null=True, blank=True)

    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)

    # The student's own account (students/accounts.py): the language they chose in the portal, used for the e-mails
    # sent to them (blank: chosen by citizenship); when the last invitation was sent; when their personal data were
    # erased (mobility/personal_data/services.py), after which the record holds no personal data.
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True, editable=False
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["family_name_latin", "given_name_latin", "id"]
        permissions = [
            (
                "view_sensitive",
                _("Can view sensitive personal data (passport, birth date)"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["home_institution", "home_student_id"],
                name="student_unique_home_id_per_institution",
            ),
            # Gradebook rows are matched by e-mail: two students must never share one.
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="student_unique_email_ci"),
            models.CheckConstraint(condition=~Q(home_student_id=""), name="student_home_id_not_blank"),
            models.CheckConstraint(
                condition=~Q(family_name_latin="") & ~Q(given_name_latin=""),
                name="student_latin_name_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(passport_issued_on__isnull=True)
                | Q(passport_expires_on__isnull=True)
                | Q(passport_expires_on__gt=F("passport_issued_on")),
                name="student_passport_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_date__gte="1900-01-01"),
                name="student_birth_date_plausible",
            ),
        ]
        indexes = [
            models.Index(
                fields=["home_institution", "family_name_latin"],
                name="student_inst_name_idx",
            ),
            models.Index(
                fields=["family_name_han", "given_name_han"],
                name="student_han_name_idx",
            ),
        ]

    def __str__(self):
        return self.full_name_latin

    @property
    def full_name_han(self) -> str:
        # Chinese names are written family name first without a space.
        return f"{self.family_name_han}{self.given_name_han}"

    @property
    def full_name_latin(self) -> str:
        return f"{self.family_name_latin} {self.given_name_latin}".strip()

    @property
    def full_name_cyrillic(self) -> str:
        return f"{self.family_name_cyrillic} {self.given_name_cyrillic}".strip()

    def name_in(self, language: str | None = None) -> str:
        """The full name in the script of the language (the active one's when none is given): Han in Chinese,
        Cyrillic in Russian, Latin otherwise and whenever the other is not recorded
        (``mobility.foundation.languages``)."""
        names = {"en": self.full_name_latin, "ru": self.full_name_cyrillic, "zh": self.full_name_han}
        return in_language(names, language)


class Enrollment(TimeStampedModel):
    """A student's place in a cohort. ``status`` is written only by ``students.services`` (the state machine)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        ADMITTED = "admitted", _("admitted")
        REJECTED = "rejected", _("rejected")
        ENROLLED = "enrolled", _("enrolled")
        WITHDRAWN = "withdrawn", _("withdrawn")
        FAILED = "failed", pgettext_lazy("enrollment status", "failed")
        COMPLETED = "completed", _("completed")

    # Statuses that hold the student's one place in a track; the others are closed and allow a new application.
    CURRENT_STATUSES = (
        Status.APPLIED,
        Status.ADMITTED,
        Status.ENROLLED,
        Status.COMPLETED,
    )
    # Statuses that take a place of the agreement's quota and of the cohort's capacity.
    PLACE_STATUSES = (Status.ADMITTED, Status.ENROLLED, Status.COMPLETED)
    # The dates of the steps, in the order they happen (closed_on: rejected, withdrawn or failed).
    DATE_FIELDS = ("applied_on", "admitted_on", "enrolled_on", "completed_on", "closed_on")

    class Source(models.TextChoices):
        STAFF = "staff", _("office staff")
        IMPORT = "import", _("roster import")
        API = "api", _("partner API")
        PORTAL = "portal", _("partner portal")

    student = models.ForeignKey(
        Student,
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    cohort = models.ForeignKey(
        "programs.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    # Copied from the cohort when the enrollment is created, so that the database can hold the rule
    # "one current enrollment per student and track" (a constraint cannot follow a join).
    track = models.ForeignKey(
        "programs.Track",
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        editable=False,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.APPLIED,
        editable=False,
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.STAFF)
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True, editable=False)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Date of rejection, withdrawal or failure."),
    )
    status_reason = models.TextField(_("reason of the last decision"), blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "track"],
                condition=Q(status__in=["applied", "admitted", "enrolled", "completed"]),
                name="enrollment_one_current_per_student_track",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "applied",
                        "admitted",
                        "rejected",
                        "enrolled",
                        "withdrawn",
                        "failed",
                        "completed",
                    ]
                ),
                name="enrollment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(admitted_on__isnull=True) | Q(admitted_on__gte=F("applied_on")),
                name="enrollment_admitted_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__isnull=True) | Q(admitted_on__isnull=False, enrolled_on__gte=F("admitted_on")),
                name="enrollment_enrolled_after_admitted",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(enrolled_on__isnull=False, completed_on__gte=F("enrolled_on")),
                name="enrollment_completed_after_enrolled",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("applied_on")),
                name="enrollment_closed_after_applied",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="enrollment_completed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"], name="enrollment_cohort_status_idx"),
            models.Index(fields=["status", "track"], name="enrollment_status_track_idx"),
        ]

    def __str__(self):
        return f"{self.student} · {self.cohort.code} · {self.get_status_display()}"


class ModuleResult(TimeStampedModel):
    """One assessment attempt of one module in one enrollment. ``passed`` is computed by the database."""

    class Grade(models.TextChoices):
        EXCELLENT = "5", _("5 (excellent)")
        GOOD = "4", _("4 (good)")
        SATISFACTORY = "3", _("3 (satisfactory)")
        UNSATISFACTORY = "2", _("2 (unsatisfactory)")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    PASSING_GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.SATISFACTORY, Grade.PASS)

    class Source(models.TextChoices):
        MANUAL = "manual", _("entered by staff")
        LMS = "lms", _("LMS gradebook import")
        TRANSFER = "transfer", _("recognised from the home college")

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    module = models.ForeignKey(
        "programs.Module",
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices)
    passed = models.GeneratedField(
        expression=Case(
            When(grade__in=[grade.value for grade in PASSING_GRADES], then=Value(True)),
            default=Value(False),
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("passed"),
    )
    assessed_on = models.DateField(_("assessed on"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("module result")
        verbose_name_plural = _("module results")
        ordering = ["enrollment", "module__order", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "module", "attempt"],
                name="result_unique_enrollment_module_attempt",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="result_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(attempt__gte=1) & Q(attempt__lte=10),
                name="result_attempt_1_10",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["5", "4", "3", "2", "pass", "fail"]),
                name="result_grade_valid",
            ),
        ]
        indexes = [models.Index(fields=["module", "enrollment"], name="result_module_enrollment_idx")]

    def __str__(self):
        return f"{self.module.code} #{self.attempt}: {self.get_grade_display()}"


class Continuation(TimeStampedModel):
    """A completed student's application to a bachelor's program in Russia."""

    class Decision(models.TextChoices):
        PENDING = "pending", pgettext_lazy("continuation decision", "pending")
        ACCEPTED = "accepted", pgettext_lazy("continuation decision", "accepted")
        REJECTED = "rejected", pgettext_lazy("continuation decision", "rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("continuation decision", "withdrawn")

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="continuations",
    )
    university = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("university"),
        on_delete=models.PROTECT,
        related_name="continuations",
        limit_choices_to={"kind": "host"},
    )
    program_code = models.CharField(_("program code"), max_length=32, help_text=_("e.g. 15.03.06"))
    program_name = models.CharField(_("program name"), max_length=255)
    applied_on = models.DateField(_("applied on"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("continuation")
        verbose_name_plural = _("continuations")
        ordering = ["-applied_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "university", "program_code"],
                name="continuation_unique_program",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("applied_on")),
                name="continuation_decided_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_on__isnull=False),
                name="continuation_decision_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.enrollment.student} → {self.program_code} {self.program_name}"


class GradebookMapping(TimeStampedModel):
    """Which module a gradebook item of a cohort's LMS course counts for; ``module`` empty means "not a module"
    (a quiz or a practice item that is graded in the LMS but is no module result).

    Written only by ``students.imports.gradebook.gradebook_mapping_save``, which also checks that the module
    belongs to the cohort's track (a constraint cannot follow the join).
    """

    cohort = models.ForeignKey(
        "programs.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="gradebook_mappings",
    )
    item_name = models.CharField(_("gradebook item"), max_length=255)
    # Deleting a module drops its mappings, so the item is asked for again instead of silently becoming "not a module".
    module = models.ForeignKey(
        "programs.Module",
        verbose_name=_("module"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="gradebook_mappings",
    )
    # The item's maximum in the LMS: "Real" grades are points out of it, converted to the module's percent scale.
    # Empty: not given (100 is assumed unless the file's grades say otherwise; see students/imports/gradebook).
    max_points = models.DecimalField(_("maximum points"), max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("gradebook mapping")
        verbose_name_plural = _("gradebook mappings")
        ordering = ["cohort", "item_name"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "item_name"], name="gradebook_mapping_unique_item"),
            models.CheckConstraint(condition=~Q(item_name=""), name="gradebook_mapping_item_not_blank"),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gt=0), name="gradebook_mapping_max_positive"
            ),
        ]

    def __str__(self):
        return f"{self.cohort.code}: {self.item_name} → {self.module.code if self.module_id else '—'}"


class CorrectionRequest(TimeStampedModel):
    """A student's request to correct their personal data as recorded, answered by the office."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("corrected")
        DECLINED = "declined", _("declined")

    student = models.ForeignKey(
        Student,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="correction_requests",
    )
    message = models.TextField(_("what should be corrected"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="correction_status_idx")]

    def __str__(self):
        return f"{self.student} · {self.get_status_display()}"


# Messages to students, the partner colleges' threads, consents: their own modules, loaded with the app's models.
from .consent.models import Consent, ConsentText  # noqa: E402, F401
from .messaging.models import Message, MessageRecipient, SavedFilter  # noqa: E402, F401
from .threads.models import Thread, ThreadPost  # noqa: E402, F401
