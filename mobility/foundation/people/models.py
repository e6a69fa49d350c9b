"""The partnership's people (app label ``mobility``, named in ``mobility/models.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mobility.foundation.models import TimeStampedModel


class Membership(TimeStampedModel):
    """A person's role in the partnership: one per user. Coordinators, observers and facilitators belong to an
    institution (a sending college, a sending college, a facilitator); teachers to the host university, so they
    name none: the office assigns them to modules of cohorts (``programs.TeachingAssignment``)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("partner coordinator")
        OBSERVER = "observer", _("partner observer")
        FACILITATOR = "facilitator", _("facilitator")
        TEACHER = "teacher", _("teacher")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, db_index=True)
    institution = models.ForeignKey(
        "programs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    # The language of the pages and e-mails: the person's own choice, remembered when they switch.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["role", "full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["coordinator", "observer", "facilitator", "teacher"]),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(role="teacher", institution__isnull=True)
                | Q(~Q(role="teacher"), institution__isnull=False),
                name="membership_institution_by_role",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()})"
