"""The student's e-mail about an issued diploma: its number, its verification page and the portal to download it.

A kind of ``students.notifications``, registered when the app is ready (``diplomas.apps``); the services call
``diploma_issued_notify`` inside their transaction and the e-mail goes after the commit, like every other."""

from __future__ import annotations

from diplomas.models import Diploma
from students.models import Student
from students.notifications import notification_kind_register, student_notify

DIPLOMA = "diploma"


def diploma_issued_notify(*, diploma: Diploma) -> None:
    """Tell the student their diploma is issued (number, verification link, the portal to download it)."""
    student_notify(kind=DIPLOMA, student_id=diploma.enrollment.student_id, object_ids=[diploma.pk])


def diploma_context(student: Student, object_ids: list[int]) -> dict | None:
    """What ``templates/emails/diploma*`` show, or None when the diploma is not issued (yet) or was revoked since."""
    diploma = (
        Diploma.objects.select_related("enrollment__cohort__track")
        .filter(pk__in=object_ids, enrollment__student=student, status=Diploma.Status.ISSUED)
        .first()
    )
    if diploma is None:
        return None
    return {
        "diploma": diploma,
        "track_name": diploma.enrollment.cohort.track.name(),
        "verify_url": diploma.verification_url,
    }


def register() -> None:
    notification_kind_register(DIPLOMA, diploma_context)
