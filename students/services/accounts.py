"""Writes about students' own accounts: invitations (one student, or a cohort at once), keeping the account equal to
the record, and its activation. The tokens, links, language and log-in rules are ``students.accounts``."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort

from ..models import Enrollment, Student
from ..notifications import student_notify

User = get_user_model()


# --- invitations --------------------------------------------------------------------------------------------------


def student_invite(*, student: Student, by: Actor, now: datetime.datetime | None = None) -> Student:
    """Invite one student to their account: create (or reuse) their ``User`` (user name = e-mail in lower case,
    unusable password, e-mail kept equal to the student's), stamp ``Student.invited_at``, write an audit entry, and
    send the e-mail with the one-time link once the transaction commits. Atomic: a refusal writes nothing.

    Refused (``DomainError``) for a student without an e-mail address, whose personal data were erased, whose
    account is already active (they reset a forgotten password themselves) or disabled, or whose e-mail is the
    user name of someone else's account. Sending again is allowed while the account is not active; the new link
    replaces the earlier ones.
    """
    with transaction.atomic():
        locked = Student.objects.select_for_update(of=("self",)).select_related("user").get(pk=student.pk)
        _invite(locked, by=by, now=now or timezone.now())
    student.user = locked.user
    student.invited_at = locked.invited_at
    return student


def _cohort_students(cohort: Cohort):
    """Students of the cohort (a current enrollment) with an e-mail address and personal data, by id."""
    return (
        Student.objects.select_related("user")
        .filter(
            # A subquery, not a join: no duplicates, and PostgreSQL refuses FOR UPDATE with DISTINCT.
            pk__in=Enrollment.objects.filter(cohort=cohort, status__in=Enrollment.CURRENT_STATUSES).values(
                "student_id"
            ),
            erased_at__isnull=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def cohort_invitation_candidates(*, cohort: Cohort) -> list[Student]:
    """The students ``cohort_invite`` would invite now (for the confirmation page)."""
    return [student for student in _cohort_students(cohort) if _refusal(student) is None]


def cohort_invite(*, cohort: Cohort, by: Actor, now: datetime.datetime | None = None) -> int:
    """Invite every student of the cohort (a current enrollment: applied, admitted, enrolled or completed) who has
    an e-mail address and no usable account yet, as ``student_invite`` does; returns how many were invited.

    Students who cannot be invited are left out (no e-mail, erased, an active or disabled account, an e-mail that
    is someone else's user name); the others are invited in one transaction, all or nothing, one e-mail each after
    the commit. Running it again re-sends the invitations not yet accepted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invited = 0
        for student in _cohort_students(cohort).select_for_update(of=("self",)):
            if _refusal(student) is not None:
                continue
            _invite(student, by=by, now=now)
            invited += 1
    return invited


def _refusal(student: Student) -> DomainError | None:
    """Why the student cannot be invited, or None."""
    if student.erased_at is not None:
        return DomainError(_("The personal data of this student were erased."), code="erased")
    if not student.email:
        return DomainError(
            _("The student has no e-mail address: add one before inviting them."), code="no_email", field="email"
        )
    user = student.user
    if user is not None and not user.is_active:
        return DomainError(_("The student's account is disabled."), code="account_disabled")
    if user is not None and user.has_usable_password():
        return DomainError(
            _("The student's account is active already; they can reset a forgotten password on the login page."),
            code="account_active",
        )
    username = student.email.lower()
    taken = User.objects.filter(username=username)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        return DomainError(
            _("The e-mail %(email)s is the user name of another account.") % {"email": student.email},
            code="email_taken",
            field="email",
        )
    return None


def _invite(student: Student, *, by: Actor, now: datetime.datetime) -> None:
    """Invite a locked student inside the caller's transaction; raises the refusal."""
    refusal = _refusal(student)
    if refusal is not None:
        raise refusal
    changes: dict = {"invited_at": (student.invited_at, now)}
    user = student.user
    if user is None:
        user = User.objects.create_user(
            username=student.email.lower(),
            email=student.email,
            password=None,  # unusable until the student sets one
            first_name=student.given_name_latin[:150],
            last_name=student.family_name_latin[:150],
        )
        student.user = user
        changes["user"] = (None, user.pk)
    else:
        student_user_sync(student=student)
    student.invited_at = now
    student.save(update_fields=["user", "invited_at", "modified_at"])
    audit_record(actor=by, obj=student, action="student.invite", changes=changes)

    student_notify(kind="invitation", student_id=student.pk)


def student_user_sync(*, student: Student) -> bool:
    """Keep the student's account equal to their record: the user's e-mail is the student's e-mail and its user
    name that e-mail in lower case. Returns whether anything changed; a user name taken by another account is left
    as it is (the student still logs in with the old one). Call after changing a student's e-mail."""
    user = student.user
    if user is None or not student.email:
        return False
    fields = []
    email = User.objects.normalize_email(student.email)  # as create_user stores it (the domain in lower case)
    if user.email != email:
        user.email = email
        fields.append("email")
    username = student.email.lower()
    if user.username != username and not User.objects.filter(username=username).exclude(pk=user.pk).exists():
        user.username = username
        fields.append("username")
    if fields:
        user.save(update_fields=fields)
    return bool(fields)


def student_account_activated(*, student: Student) -> None:
    """Record that the student set their password through an invitation link (audit entry, by the student)."""
    audit_record(actor=student.user, obj=student, action="student.account_activate")


def student_language_remember(*, user, language: str) -> bool:
    """Keep ``language`` as the chosen language of the student whose account ``user`` is (e-mails to them use it);
    nothing for a user who is no student or who chose it already. Returns whether it changed."""
    return bool(Student.objects.filter(user=user).exclude(language=language).update(language=language))
