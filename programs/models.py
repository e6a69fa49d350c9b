"""Institutions, agreements, tracks, modules and cohorts: what the program is made of."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mobility.foundation.languages import name_in
from mobility.foundation.models import TimeStampedModel

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$",
    _("Use capital Latin letters, digits, '-' and '_' (e.g. CQEVTC)."),
)


class Institution(TimeStampedModel):
    class Kind(models.TextChoices):
        HOST = "host", _("host university")
        SENDING = "sending", _("sending college")
        FACILITATOR = "facilitator", _("facilitator")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. CN."))
    city = models.CharField(_("city"), max_length=128, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["kind", "name_en"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_en=""), name="institution_name_en_not_blank"),
            models.CheckConstraint(
                condition=Q(kind__in=["host", "sending", "facilitator"]),
                name="institution_kind_valid",
            ),
        ]

    def __str__(self):
        return self.short_name or self.name_en

    def name(self, language: str | None = None) -> str:
        return name_in(self, language)


class Contact(TimeStampedModel):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    full_name = models.CharField(_("full name"), max_length=255)
    position = models.CharField(_("position"), max_length=255, blank=True)
    role = models.CharField(
        _("role in the program"),
        max_length=128,
        blank=True,
        help_text=_("e.g. program coordinator, IT contact"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["institution", "-is_primary", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(is_primary=True),
                name="contact_one_primary_per_institution",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.institution})"


class Agreement(TimeStampedModel):
    """A cooperation agreement between the host, a sending college and (optionally) a facilitator."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        TERMINATED = "terminated", _("terminated")

    number = models.CharField(_("number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=255)
    host = models.ForeignKey(
        Institution,
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        related_name="agreements_as_host",
        limit_choices_to={"kind": Institution.Kind.HOST},
    )
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("sending college"),
        on_delete=models.PROTECT,
        related_name="agreements_as_partner",
        limit_choices_to={"kind": Institution.Kind.SENDING},
    )
    facilitator = models.ForeignKey(
        Institution,
        verbose_name=_("facilitator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements_as_facilitator",
        limit_choices_to={"kind": Institution.Kind.FACILITATOR},
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signed_document = models.FileField(_("signed document"), upload_to="agreements/%Y/", blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-valid_from", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="agreement_valid_until_after_from",
            ),
            models.CheckConstraint(condition=~Q(host=F("partner")), name="agreement_host_is_not_partner"),
        ]
        indexes = [models.Index(fields=["partner", "status"], name="agreement_partner_status_idx")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class AgreementQuota(models.Model):
    """Places for one track in one intake year (the year a cohort starts) under an agreement."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    track = models.ForeignKey(
        "Track",
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        related_name="quotas",
    )
    year = models.PositiveSmallIntegerField(_("intake year"))
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["agreement", "year", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "track", "year"],
                name="quota_unique_agreement_track_year",
            ),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="quota_year_range"),
            models.CheckConstraint(condition=Q(places__gte=0), name="quota_places_non_negative"),
        ]

    def __str__(self):
        return f"{self.agreement.number} {self.track.code} {self.year}: {self.places}"


class Track(TimeStampedModel):
    """A training track (Mechatronics, Industrial Work, Software Technologies) with its grading scale.

    Scores are 0–100. On the track's scale a score of ``excellent_score`` or more is grade 5, ``good_score`` or more
    is 4, ``pass_score`` or more is 3 (passed), less is 2; credit-type modules use pass/fail at ``pass_score``.
    """

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name_en = models.CharField(_("name (English)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=255, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    pass_score = models.DecimalField(_("pass score"), max_digits=5, decimal_places=2, default=60)
    good_score = models.DecimalField(_("score for grade 4"), max_digits=5, decimal_places=2, default=75)
    excellent_score = models.DecimalField(_("score for grade 5"), max_digits=5, decimal_places=2, default=90)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_score__gt=0)
                & Q(good_score__gt=F("pass_score"))
                & Q(excellent_score__gt=F("good_score"))
                & Q(excellent_score__lte=100),
                name="track_scale_ordered",
            ),
        ]

    def __str__(self):
        return self.name()

    def name(self, language: str | None = None) -> str:
        return name_in(self, language)


class Module(TimeStampedModel):
    class AssessmentKind(models.TextChoices):
        EXAM = "exam", _("exam")
        CREDIT = "credit", _("credit (pass/fail)")
        PROJECT = "project", _("project")

    track = models.ForeignKey(Track, verbose_name=_("track"), on_delete=models.CASCADE, related_name="modules")
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    title_en = models.CharField(_("title (English)"), max_length=255)
    title_ru = models.CharField(_("title (Russian)"), max_length=255, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)
    hours = models.PositiveSmallIntegerField(_("hours"), validators=[MinValueValidator(1)])
    credits = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    assessment_kind = models.CharField(_("assessment"), max_length=16, choices=AssessmentKind.choices)
    is_required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["track", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["track", "code"], name="module_unique_code_per_track"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="module_hours_positive"),
            models.CheckConstraint(
                condition=Q(credits__gte=0) & Q(credits__lte=60),
                name="module_credits_range",
            ),
            models.CheckConstraint(
                condition=Q(assessment_kind__in=["exam", "credit", "project"]),
                name="module_assessment_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title()}"

    def title(self, language: str | None = None) -> str:
        return name_in(self, language, field="title")


class CohortQuerySet(models.QuerySet["Cohort"]):
    def open_for_applications(self, *, today: datetime.date | None = None) -> CohortQuerySet:
        """Cohorts that accept applications on ``today`` (default: the site's local date, ``timezone.localdate()``):
        the office's ``accepts_applications`` switch is on and the application deadline, if any, is not past (the
        deadline day itself is open). The same rule as ``Cohort.is_open_for_applications``."""
        day = today or timezone.localdate()
        return self.filter(accepts_applications=True).filter(
            Q(application_deadline__isnull=True) | Q(application_deadline__gte=day)
        )


class Cohort(TimeStampedModel):
    """One intake of a track for one sending college, taught by the host.

    Whether it takes applications on a day is one rule, ``Cohort.objects.open_for_applications(today=...)`` for
    querysets and ``is_open_for_applications(today=...)`` for one cohort: the ``accepts_applications`` switch alone
    does not say it (a deadline may have passed)."""

    class DeliveryMode(models.TextChoices):
        ONLINE = "online", _("online")
        BLENDED = "blended", _("blended")
        ON_CAMPUS = "on_campus", _("on campus")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=255)
    track = models.ForeignKey(Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="cohorts")
    host = models.ForeignKey(
        Institution,
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        related_name="hosted_cohorts",
        limit_choices_to={"kind": Institution.Kind.HOST},
    )
    partner = models.ForeignKey(
        Institution,
        verbose_name=_("sending college"),
        on_delete=models.PROTECT,
        related_name="cohorts",
        limit_choices_to={"kind": Institution.Kind.SENDING},
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cohorts",
        help_text=_("The agreement whose quota this cohort's admissions count against."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    application_deadline = models.DateField(_("application deadline"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    delivery_mode = models.CharField(
        _("delivery mode"),
        max_length=16,
        choices=DeliveryMode.choices,
        default=DeliveryMode.ONLINE,
    )
    lms_course_id = models.CharField(_("LMS course id"), max_length=64, blank=True)
    accepts_applications = models.BooleanField(_("accepts applications"), default=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="cohort_end_after_start"),
            models.CheckConstraint(
                condition=Q(application_deadline__isnull=True) | Q(application_deadline__lte=F("end_date")),
                name="cohort_deadline_before_end",
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="cohort_capacity_positive"),
            models.CheckConstraint(condition=~Q(host=F("partner")), name="cohort_host_is_not_partner"),
        ]
        indexes = [
            models.Index(fields=["partner", "track"], name="cohort_partner_track_idx"),
            models.Index(fields=["track", "start_date"], name="cohort_track_start_idx"),
        ]

    objects = CohortQuerySet.as_manager()

    def __str__(self):
        return f"{self.code} {self.name}"

    def title(self, language: str | None = None) -> str:
        """The cohort as a reader names it, in their language: the track, the sending college and the intake year
        ("Mechatronics, Chongqing Industry Polytechnic College, intake 2025"; "机电一体化，…，2025级"). ``name`` is
        the office's own label, typed once in one language. Reads ``track`` and ``partner``: select them."""
        with translation.override(language or translation.get_language()):
            return gettext("%(track)s, %(college)s, intake %(year)s") % {
                "track": self.track.name(language),
                "college": self.partner.name(language),
                "year": self.start_date.year,
            }

    def is_open_for_applications(self, *, today: datetime.date | None = None) -> bool:
        """Whether the cohort accepts applications on ``today`` (default: the site's local date); see
        ``CohortQuerySet.open_for_applications``."""
        day = today or timezone.localdate()
        return self.accepts_applications and (self.application_deadline is None or day <= self.application_deadline)

    def applications_closed_reason(self, *, today: datetime.date | None = None) -> str:
        """Why the cohort takes no application on ``today``, in words for the person (``""`` when it does)."""
        day = today or timezone.localdate()
        if not self.accepts_applications:
            return _("Cohort %(cohort)s does not accept applications.") % {"cohort": self.code}
        if self.application_deadline is not None and day > self.application_deadline:
            return _("The application deadline of cohort %(cohort)s was %(deadline)s.") % {
                "cohort": self.code,
                "deadline": self.application_deadline.isoformat(),
            }
        return ""

    @property
    def intake_year(self) -> int:
        return self.start_date.year


class TeachingAssignment(TimeStampedModel):
    """A teacher (a user with a ``teacher`` membership) assigned by the office to one module of one cohort: they see
    that cohort's students and record and import that module's results, nothing else."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        limit_choices_to={"membership__role": "teacher"},
    )
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="teaching_assignments"
    )

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        ordering = ["cohort", "module__order", "module__code"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "cohort", "module"], name="teaching_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.cohort.code} {self.module.code}: {self.teacher}"
