"""Writes about cohorts: the agreement and track they belong to, and the fields their enrollments depend on."""

from __future__ import annotations

from typing import cast

from django.db import models
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor
from mobility.foundation.exceptions import DomainError

from .. import participants
from ..models import Cohort
from .base import Data, _create, _update, _validate

COHORT_FIELDS = (
    "code",
    "name",
    "track",
    "host",
    "partner",
    "agreement",
    "start_date",
    "end_date",
    "application_deadline",
    "capacity",
    "delivery_mode",
    "lms_course_id",
    "accepts_applications",
)
# Fields of a cohort that its enrollments depend on: enrollments copy the track, students come from the partner.
COHORT_FIELDS_FIXED_BY_ENROLLMENTS = ("track", "partner")


def _cohort_check(cohort: Cohort) -> None:
    agreement = cohort.agreement
    if agreement is not None and (agreement.partner_id, agreement.host_id) != (cohort.partner_id, cohort.host_id):
        raise DomainError(
            _("Agreement %(agreement)s is not between this cohort's host and sending college.")
            % {"agreement": agreement.number},
            code="agreement_mismatch",
            field="agreement",
        )
    _validate(cohort)


def _cohort_save(cohort: Cohort) -> None:
    _cohort_check(cohort)
    cohort.save()


def cohort_create(*, by: Actor, data: Data) -> Cohort:
    """Create a cohort. Atomic; its agreement, if any, must be between its host and its sending college."""
    return _create(Cohort(), by=by, data=data, fields=COHORT_FIELDS, action="cohort.create", save=_cohort_save)


def cohort_update(*, cohort: Cohort, by: Actor, data: Data) -> Cohort:
    """Change a cohort. Atomic, with the cohort row locked against concurrent admissions.

    Once a cohort has enrollments, its track and sending college are fixed (enrollments copy the track, students
    come from the sending college), and its capacity may not go below the places taken.
    """
    return _update(
        cohort,
        by=by,
        data=data,
        fields=COHORT_FIELDS,
        action="cohort.update",
        save=_cohort_save,
        check=_cohort_change_allowed,
    )


def _cohort_change_allowed(cohort: Cohort, changes: dict) -> None:
    enrollments = cohort.enrollments.all()
    for field in COHORT_FIELDS_FIXED_BY_ENROLLMENTS:
        if field in changes and enrollments.exists():
            raise DomainError(
                _("The %(field)s of a cohort with enrollments cannot change.")
                % {"field": cast(models.Field, Cohort._meta.get_field(field)).verbose_name},
                code="cohort_has_enrollments",
                field=field,
            )
    taken = participants.cohort_places_taken(cohort)
    if "capacity" in changes and cohort.capacity < taken:
        raise DomainError(
            _("The capacity cannot be less than the places already taken (%(taken)d).") % {"taken": taken},
            code="capacity_below_taken",
            field="capacity",
        )
