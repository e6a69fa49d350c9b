"""Programs' notifications to the office's staff (``mobility.foundation.notifications``): agreements that expire
soon and quotas nearly used up. Both are checked every night (``programs.tasks.staff_checks``); a quota is also
checked when an admission takes one of its places (``students.services.enrollments.enrollment_admit``). Each is said
once: per agreement and end date, per quota and threshold."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mobility.foundation.notifications.registry import date_param, names, staff_notification_kind_register
from mobility.foundation.notifications.services import staff_notify

from .models import Agreement, AgreementQuota
from .selectors import quotas_with_usage

AGREEMENT_EXPIRING = "programs.agreement_expiring"
QUOTA_NEARLY_FULL = "programs.quota_nearly_full"

AGREEMENT_EXPIRY_DAYS = 60
QUOTA_THRESHOLD_PERCENT = 90


def register() -> None:
    staff_notification_kind_register(
        AGREEMENT_EXPIRING,
        label=_("Agreements expiring"),
        sentence=_("Agreement %(number)s with %(partner)s expires on %(until)s."),
    )
    staff_notification_kind_register(
        QUOTA_NEARLY_FULL,
        label=_("Quotas nearly full"),
        sentence=_(
            "The quota of agreement %(number)s for %(track)s, intake %(year)s, is %(percent)s%% used "
            "(%(used)s of %(places)s places)."
        ),
    )


def agreements_expiring_notify(*, today: datetime.date | None = None) -> int:
    """Notify staff of every active agreement that ends within ``AGREEMENT_EXPIRY_DAYS`` days from ``today``: once
    per agreement and end date (an extended agreement that nears its new end is said again). Returns how many
    agreements were found."""
    today = today or timezone.localdate()
    agreements = Agreement.objects.select_related("partner").filter(
        status=Agreement.Status.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=AGREEMENT_EXPIRY_DAYS),
    )
    found = 0
    for agreement in agreements:
        found += 1
        staff_notify(
            kind=AGREEMENT_EXPIRING,
            params={
                "number": agreement.number,
                "partner": names(agreement.partner),
                "until": date_param(agreement.valid_until),  # type: ignore[arg-type]  # filtered on
            },
            about=agreement,
            key=f"{AGREEMENT_EXPIRY_DAYS}d:{agreement.valid_until}",
            link_name="programs:agreement-detail",
            link_args=[agreement.pk],
        )
    return found


def quotas_nearly_full_notify(*, quota_ids: list[int] | None = None) -> int:
    """Notify staff of each quota (``quota_ids``, or every quota of an active agreement) whose places are at least
    ``QUOTA_THRESHOLD_PERCENT`` % used: once per quota (agreement, track and intake year) and threshold. Returns how
    many quotas are that full. One query, then one notice per full quota."""
    quotas = quotas_with_usage(
        AgreementQuota.objects.filter(places__gt=0).select_related("agreement")
        if quota_ids is None
        else AgreementQuota.objects.filter(pk__in=quota_ids, places__gt=0).select_related("agreement")
    )
    if quota_ids is None:
        quotas = quotas.filter(agreement__status=Agreement.Status.ACTIVE)
    full = 0
    for quota in quotas:
        used = quota.used  # type: ignore[attr-defined]  # annotated
        if used * 100 < quota.places * QUOTA_THRESHOLD_PERCENT:
            continue
        full += 1
        staff_notify(
            kind=QUOTA_NEARLY_FULL,
            params={
                "number": quota.agreement.number,
                "track": names(quota.track),
                "year": quota.year,
                "percent": min(used * 100 // quota.places, 999),
                "used": used,
                "places": quota.places,
            },
            about=quota,
            key=f"{QUOTA_THRESHOLD_PERCENT}%",
            link_name="programs:agreement-detail",
            link_args=[quota.agreement_id],
        )
    return full
