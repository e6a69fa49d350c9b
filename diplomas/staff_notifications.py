"""Diplomas' notifications to the office's staff (``mobility.foundation.notifications``): renders that failed for
good. Registered when the app is ready (``diplomas.apps``); raised by ``diplomas.services._fail``, inside its
transaction, so a failure that rolls back tells no one."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from mobility.foundation.notifications.registry import staff_notification_kind_register
from mobility.foundation.notifications.services import staff_notify
from programs.models import Cohort

RENDER_FAILED = "diplomas.render_failed"


def register() -> None:
    staff_notification_kind_register(
        RENDER_FAILED,
        label=_("Failed diploma renders"),
        sentence=ngettext_lazy(
            "%(count)s diploma of cohort %(cohort)s failed to render; retry it from the student's page.",
            "%(count)s diplomas of cohort %(cohort)s failed to render; retry them from the students' pages.",
            "count",
        ),
    )


def render_failed_notify(*, cohort: Cohort) -> None:
    """One more failed render in ``cohort``: one notification per cohort and day, its count added up (a batch that
    fails does not bring a notification per diploma). It leads to the dashboard's list of failed renders."""
    staff_notify(
        kind=RENDER_FAILED,
        params={"count": 1, "cohort": cohort.code},
        about=cohort,
        key=timezone.localdate().isoformat(),
        accumulate="count",
        link_name="dashboard",
        link_suffix="#failed-renders",
    )
