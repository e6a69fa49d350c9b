"""Teaching assignments: the office assigns a teacher (a user with a ``teacher`` membership) to a module of a cohort,
and removes the assignment. A teacher sees and records only what their assignments name (``programs.selectors``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from mobility.foundation.access import TEACHER
from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.people.models import Membership

from ..models import Cohort, Module, TeachingAssignment


def teaching_assign(*, teacher_membership_user, cohort: Cohort, module: Module, by: Actor) -> TeachingAssignment:
    """Assign the teacher whose account ``teacher_membership_user`` is to ``module`` of ``cohort``. Idempotent: an
    assignment that exists is returned as it is, with no new entry. Refused (``DomainError``) for a user without a
    teacher's membership, a deactivated account, and a module that is not of the cohort's track. Atomic, audited."""
    user = teacher_membership_user
    if not Membership.objects.filter(user_id=user.pk, role=TEACHER).exists():
        raise DomainError(_("Only a teacher can be assigned to a module."), code="not_teacher", field="teacher")
    if not user.is_active:
        raise DomainError(_("The teacher's account is deactivated."), code="account_disabled", field="teacher")
    if module.track_id != cohort.track_id:
        raise DomainError(
            _("The module %(module)s is not part of the track of cohort %(cohort)s.")
            % {"module": module.code, "cohort": cohort.code},
            code="module_track",
            field="module",
        )
    with transaction.atomic():
        assignment, created = TeachingAssignment.objects.get_or_create(teacher=user, cohort=cohort, module=module)
        if created:
            audit_record(
                actor=by,
                obj=assignment,
                action="teaching.assign",
                changes={
                    "teacher": (None, user.get_username()),
                    "cohort": (None, cohort.code),
                    "module": (None, module.code),
                },
            )
    return assignment


def teaching_unassign(*, assignment: TeachingAssignment, by: Actor) -> None:
    """Remove an assignment: the teacher no longer sees that module of that cohort. Idempotent (an assignment gone
    already is no error). Atomic, audited (the entry keeps what the assignment was)."""
    with transaction.atomic():
        row = (
            TeachingAssignment.objects.select_for_update()
            .select_related("teacher", "cohort", "module")
            .filter(pk=assignment.pk)
            .first()
        )
        if row is None:
            return
        audit_record(
            actor=by,
            obj=row,
            action="teaching.unassign",
            changes={
                "teacher": (row.teacher.get_username(), None),
                "cohort": (row.cohort.code, None),
                "module": (row.module.code, None),
            },
        )
        row.delete()
