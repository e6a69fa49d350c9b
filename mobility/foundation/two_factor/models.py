"""The office's two-factor policy (app label ``mobility``, named in ``mobility/models.py``). The devices themselves
are django-otp's (``TOTPDevice`` for the authenticator app, ``StaticDevice`` for the recovery codes)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mobility.foundation.models import TimeStampedModel


class TwoFactorPolicy(TimeStampedModel):
    """Whom the office requires to sign in with a second factor. One row (pk 1), absent until first saved: both off.

    Read with the viewer's permissions in one query (``mobility.foundation.access._access_load``), so asking it on
    every page costs nothing and a change applies on the next page everywhere, in every worker."""

    SINGLETON = 1

    require_office_staff = models.BooleanField(
        _("require two-factor sign-in for office staff"),
        default=False,
        help_text=_("The office and office-admin groups and superusers."),
    )
    require_coordinators = models.BooleanField(
        _("require two-factor sign-in for partner coordinators"),
        default=False,
        help_text=_("The partner colleges' coordinators, who nominate students and upload rosters."),
    )

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="two_factor_policy_singleton")]
        permissions = [("reset_two_factor", "Can reset a person's two-factor sign-in")]

    def __str__(self):
        return str(_("two-factor policy"))
