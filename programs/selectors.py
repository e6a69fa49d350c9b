"""Reads about the program's structure, shaped for the staff pages.

Every list here is one query however many rows it has: counts and sums are correlated subqueries (or aggregates
over a single join), never a query per row. The tests pin the number of queries of each page.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear

from mobility.foundation.access import facilitator_institution_id, partner_institution_id, sees_everything, teacher_id

from . import participants
from .models import (
    Agreement,
    AgreementQuota,
    Cohort,
    CohortQuerySet,
    Contact,
    Institution,
    Module,
    TeachingAssignment,
    Track,
)

Filters = Mapping[str, Any]


class SubqueryCount(Subquery):
    """``COUNT(*)`` of a correlated subquery's rows, as an integer (0 when there are none)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def subquery_sum(queryset: QuerySet, field: str, group_by: str, output_field) -> Coalesce:
    """The sum of ``field`` over a correlated subquery filtered to one value of ``group_by`` (0 when empty)."""
    total = queryset.order_by().values(group_by).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


CREDITS_FIELD = DecimalField(max_digits=8, decimal_places=1)


# --- institutions ------------------------------------------------------------------------------------------------


def institution_list(*, filters: Filters | None = None) -> QuerySet[Institution]:
    """Institutions, filtered by ``kind`` and searched by ``q`` in the code and every name, with their numbers of
    contacts, agreements and home students."""
    filters = filters or {}
    queryset = Institution.objects.annotate(
        contacts_count=SubqueryCount(Contact.objects.filter(institution=OuterRef("pk")).values("pk")),
        agreements_count=SubqueryCount(
            Agreement.objects.filter(
                Q(host=OuterRef("pk")) | Q(partner=OuterRef("pk")) | Q(facilitator=OuterRef("pk"))
            ).values("pk")
        ),
        students_count=SubqueryCount(participants.home_students().values("pk")),
    )
    if kind := filters.get("kind"):
        queryset = queryset.filter(kind=kind)
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(
            Q(code__icontains=q)
            | Q(name_en__icontains=q)
            | Q(name_ru__icontains=q)
            | Q(name_zh__icontains=q)
            | Q(short_name__icontains=q)
        )
    return queryset.order_by("kind", "name_en")


def institution_agreements(*, institution: Institution) -> QuerySet[Agreement]:
    """Agreements in which the institution is a party, in any role."""
    return (
        Agreement.objects.filter(Q(host=institution) | Q(partner=institution) | Q(facilitator=institution))
        .select_related("host", "partner", "facilitator")
        .order_by("-valid_from", "number")
    )


def institution_cohorts(*, institution: Institution) -> QuerySet[Cohort]:
    """Cohorts the institution hosts or sends students to, with their counts."""
    return cohort_list(filters={}).filter(Q(host=institution) | Q(partner=institution))


def institution_students_count(*, institution: Institution) -> int:
    return participants.home_students(institution.pk).count()


# --- agreements --------------------------------------------------------------------------------------------------


def _quota_used_subquery(agreement_ref: str = "agreement_id", track_ref: str = "track_id", year_ref: str = "year"):
    """Places taken of the quota in the outer query: the set-wise twin of ``participants.quota_used``."""
    return SubqueryCount(
        participants.quota_places_taken(
            agreement_id=OuterRef(agreement_ref), track_id=OuterRef(track_ref), year=OuterRef(year_ref)
        ).values("pk")
    )


def quotas_with_usage(queryset: QuerySet[AgreementQuota] | None = None) -> QuerySet[AgreementQuota]:
    """Quotas annotated with ``used`` (places taken, as ``quota_used`` counts them) and ``left`` (never below 0
    on the page; ``used`` may exceed ``places`` when places were lowered by hand in the admin)."""
    queryset = AgreementQuota.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("track")
        .annotate(used=_quota_used_subquery())
        .annotate(left=F("places") - F("used"))
        .order_by("year", "track__code")
    )


def agreement_list(*, filters: Filters | None = None) -> QuerySet[Agreement]:
    """Agreements filtered by ``status`` and ``partner`` (id), searched by ``q`` in number and title, with total
    quota places, places used against a quota, and the number of cohorts."""
    filters = filters or {}
    quota_of_enrollment = AgreementQuota.objects.filter(
        agreement_id=OuterRef("cohort__agreement_id"),
        track_id=OuterRef("track_id"),
        year=ExtractYear(OuterRef("cohort__start_date")),
    )
    queryset = Agreement.objects.select_related("host", "partner", "facilitator").annotate(
        places_total=subquery_sum(
            AgreementQuota.objects.filter(agreement=OuterRef("pk")), "places", "agreement_id", IntegerField()
        ),
        places_used=SubqueryCount(
            participants.places_taken()
            .filter(cohort__agreement=OuterRef("pk"))
            .filter(Exists(quota_of_enrollment))
            .values("pk")
        ),
        cohorts_count=SubqueryCount(Cohort.objects.filter(agreement=OuterRef("pk")).values("pk")),
    )
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if partner := filters.get("partner"):
        queryset = queryset.filter(partner=partner)
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return queryset.order_by("-valid_from", "number")


def agreement_detail(*, pk: int) -> Agreement:
    return Agreement.objects.select_related("host", "partner", "facilitator").get(pk=pk)


# --- tracks ------------------------------------------------------------------------------------------------------


def track_list(*, filters: Filters | None = None) -> QuerySet[Track]:
    """Tracks with the size of their curriculum (modules, hours and credits, required and all) and cohorts."""
    filters = filters or {}
    required = Q(modules__is_required=True)
    queryset = Track.objects.annotate(
        modules_count=Count("modules"),
        required_count=Count("modules", filter=required),
        hours_total=Coalesce(Sum("modules__hours"), 0),
        hours_required=Coalesce(Sum("modules__hours", filter=required), 0),
        credits_total=Coalesce(Sum("modules__credits"), Value(0), output_field=CREDITS_FIELD),
        credits_required=Coalesce(Sum("modules__credits", filter=required), Value(0), output_field=CREDITS_FIELD),
        cohorts_count=SubqueryCount(Cohort.objects.filter(track=OuterRef("pk")).values("pk")),
    )
    if (active := filters.get("active")) in ("1", "0"):
        queryset = queryset.filter(is_active=active == "1")
    return queryset.order_by("code")


def track_modules(*, track: Track) -> list[Module]:
    return list(Module.objects.filter(track=track).order_by("order", "code"))


def curriculum_totals(modules: Sequence[Module]) -> dict[str, Any]:
    """Hours and credits of a curriculum already loaded, all and required only."""
    required = [m for m in modules if m.is_required]
    return {
        "modules": len(modules),
        "required": len(required),
        "hours": sum(m.hours for m in modules),
        "hours_required": sum(m.hours for m in required),
        "credits": sum((m.credits for m in modules), 0),
        "credits_required": sum((m.credits for m in required), 0),
    }


# --- cohorts -----------------------------------------------------------------------------------------------------


def cohort_list(*, filters: Filters | None = None) -> QuerySet[Cohort]:
    """Cohorts filtered by ``track`` and ``partner`` (ids), with the number of enrollments in each status
    (``n_<status>``) and of places taken (``n_places``)."""
    filters = filters or {}
    queryset = Cohort.objects.select_related("track", "partner", "host", "agreement").annotate(
        **participants.cohort_status_counts()
    )
    if track := filters.get("track"):
        queryset = queryset.filter(track=track)
    if partner := filters.get("partner"):
        queryset = queryset.filter(partner=partner)
    return queryset.order_by("-start_date", "code")


def cohorts_open_for_applications(*, today: datetime.date | None = None) -> QuerySet[Cohort]:
    """Cohorts that accept applications on ``today`` (default: the site's local date), newest first, with their
    track: what the roster import offers. The rule is ``Cohort.objects.open_for_applications``."""
    return Cohort.objects.open_for_applications(today=today).select_related("track").order_by("-start_date", "code")


def cohort_detail(*, pk: int) -> Cohort:
    return Cohort.objects.select_related("track", "host", "partner", "agreement").get(pk=pk)


# --- the partner API ------------------------------------------------------------------------------------------------
# Who sees which row is decided by ``mobility.foundation.access``: office staff and staff keys every row, a partner's
# key its
# own institution and the cohorts it sends students to, anyone else nothing. The curriculum (tracks and modules) is
# the same for every partner and is not scoped, but it still needs an API caller.


def institutions_visible_to(*, viewer) -> QuerySet[Institution]:
    """Office staff and staff keys every institution; a partner's key, coordinator, observer or facilitator their
    own; anyone else (teachers included: the host is theirs) none."""
    own = partner_institution_id(viewer) or facilitator_institution_id(viewer)
    if own is not None:
        return Institution.objects.filter(pk=own).order_by("id")
    return Institution.objects.order_by("id") if sees_everything(viewer) else Institution.objects.none()


def cohorts_visible_to(*, viewer) -> CohortQuerySet:
    """Cohorts a viewer may see, with ids of track, host and partner, no joins: every one for office staff and staff
    keys; a partner's (key, coordinator, observer) the cohorts it sends students to (``Cohort.partner``); a
    facilitator's those under the agreements it facilitates; a teacher's those they teach a module of; else none."""
    ordered = Cohort.objects.order_by("-start_date", "code")
    partner = partner_institution_id(viewer)
    if partner is not None:
        return ordered.filter(partner_id=partner)
    facilitator = facilitator_institution_id(viewer)
    if facilitator is not None:
        return ordered.filter(agreement__facilitator_id=facilitator)
    teacher = teacher_id(viewer)
    if teacher is not None:
        return ordered.filter(pk__in=TeachingAssignment.objects.filter(teacher_id=teacher).values("cohort_id"))
    return ordered if sees_everything(viewer) else Cohort.objects.none()


def teaching_assignments_visible_to(*, viewer) -> QuerySet[TeachingAssignment]:
    """Teaching assignments: all for office staff, a teacher's own for a teacher, none for anyone else; with the
    cohort (track, partner) and module."""
    queryset = TeachingAssignment.objects.select_related("cohort__track", "cohort__partner", "module", "teacher")
    teacher = teacher_id(viewer)
    if teacher is not None:
        return queryset.filter(teacher_id=teacher)
    return queryset if sees_everything(viewer) else queryset.none()


def tracks_visible_to(*, viewer) -> QuerySet[Track]:
    visible = partner_institution_id(viewer) is not None or sees_everything(viewer)
    return Track.objects.order_by("code") if visible else Track.objects.none()


def modules_visible_to(*, viewer) -> QuerySet[Module]:
    visible = partner_institution_id(viewer) is not None or sees_everything(viewer)
    return Module.objects.order_by("track_id", "order", "code") if visible else Module.objects.none()


def agreements_visible_to(*, viewer) -> QuerySet[Agreement]:
    """Agreements a viewer may see, newest first, with host, partner and facilitator: every one for office staff and
    staff keys; a partner's (key, coordinator, observer) those it is the sending college of; a facilitator's those it
    facilitates; else none. Each brings its quotas (``quotas``) with places used and left as the office's agreement
    page counts them (``quotas_with_usage``): two queries whatever the number of agreements and quotas."""
    queryset = (
        Agreement.objects.select_related("host", "partner", "facilitator")
        .prefetch_related(Prefetch("quotas", queryset=quotas_with_usage()))
        .order_by("-valid_from", "number")
    )
    partner = partner_institution_id(viewer)
    if partner is not None:
        return queryset.filter(partner_id=partner)
    facilitator = facilitator_institution_id(viewer)
    if facilitator is not None:
        return queryset.filter(facilitator_id=facilitator)
    return queryset if sees_everything(viewer) else queryset.none()


def open_cohorts_visible_to(*, viewer, today: datetime.date | None = None) -> QuerySet[Cohort]:
    """The cohorts of ``cohorts_visible_to`` that accept applications on ``today`` (``open_for_applications``;
    default: the site's local date), with their track and ``places_taken`` (what fills their capacity,
    ``participants.places_taken``), in one query."""
    taken = participants.places_taken().filter(cohort_id=OuterRef("pk")).values("pk")
    return (
        cohorts_visible_to(viewer=viewer)
        .open_for_applications(today=today)
        .select_related("track", "agreement")
        .annotate(places_taken=SubqueryCount(taken))
    )
