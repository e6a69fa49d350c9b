"""The partner webhooks' events about enrollments and results: their ``data``, built from rows the calling service
already holds (no queries of its own when the caller loaded the student: ``select_related("student")``), handed to
the transport (``mobility.foundation.webhooks.services.webhooks_emit_many``). docs/webhooks.md describes them.

Ids, and the fields the partner API shows about the same objects; never passport data or other sensitive fields.
Dates are ISO 8601 strings, scores decimal strings (as DRF renders them). A student who declined or withdrew the
transfer back to the partner college is named by ids only, marked ``personal_data_withheld``
(``withhold_personal_data``, applied by the transport to every event it sends).
"""

from __future__ import annotations

import datetime
from typing import Any

from mobility.foundation.models import WebhookEndpoint
from mobility.foundation.webhooks.services import WebhookEvent
from students.consent.models import Purpose
from students.consent.selectors import students_refusing
from students.models import Enrollment, ModuleResult

Event = WebhookEndpoint.Event


def iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def student_data(student) -> dict[str, Any]:
    """The student as every event names them: ids only."""
    return {"id": student.pk, "home_student_id": student.home_student_id}


# What is left of the student of an event when they refused the transfer to the partner: the university's id and the
# college's own.
WITHHELD_KEEPS = ("id", "home_student_id")


def withhold_personal_data(datas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events' ``data`` with the ``student`` of each student who declined or withdrew the consent to the transfer
    back to the partner college reduced to ``WITHHELD_KEEPS`` and ``"personal_data_withheld": true``. A student who
    was never asked keeps today's payload (the college nominated them). One query for all the events, none without
    students. Registered with the transport (``webhook_data_filter_register``) when the app is ready."""
    ids = {data["student"]["id"] for data in datas if isinstance(data.get("student"), dict)}
    refusing = students_refusing(Purpose.TRANSFER_TO_PARTNER, ids)
    if not refusing:
        return datas
    changed = []
    for data in datas:
        student = data.get("student")
        if isinstance(student, dict) and student.get("id") in refusing:
            kept = {key: student[key] for key in WITHHELD_KEEPS if key in student}
            data = {**data, "student": {**kept, "personal_data_withheld": True}}
        changed.append(data)
    return changed


def consent_withdrawn_event(*, student, consent) -> WebhookEvent:
    """``student.consent_withdrawn``: the student declined or withdrew a consent that held. No names: the ids, the
    purpose, the version of its text, the decision and when."""
    data = {
        "student": student_data(student),
        "purpose": consent.purpose,
        "version": consent.text.version,
        "decision": consent.decision,
        "at": iso(consent.at),
    }
    return WebhookEvent(Event.STUDENT_CONSENT_WITHDRAWN, student.home_institution_id, data)


def enrollment_data(enrollment, *, previous_status: str) -> dict[str, Any]:
    """``application.decided`` and ``enrollment.status_changed``."""
    return {
        "enrollment_id": enrollment.pk,
        "student": student_data(enrollment.student),
        "cohort": {"id": enrollment.cohort_id, "code": enrollment.cohort.code},
        "track_id": enrollment.track_id,
        "status": enrollment.status,
        "previous_status": previous_status,
        "applied_on": iso(enrollment.applied_on),
        "admitted_on": iso(enrollment.admitted_on),
        "enrolled_on": iso(enrollment.enrolled_on),
        "completed_on": iso(enrollment.completed_on),
        "closed_on": iso(enrollment.closed_on),
        "reason": enrollment.status_reason,
    }


def result_data(result, *, enrollment, module, change: str) -> dict[str, Any]:
    """``result.recorded``; ``change`` is ``recorded`` (a new attempt) or ``corrected`` (new values of one)."""
    return {
        "result_id": result.pk,
        "enrollment_id": enrollment.pk,
        "student": student_data(enrollment.student),
        "module": {"id": module.pk, "code": module.code},
        "attempt": result.attempt,
        "score": None if result.score is None else f"{result.score:.2f}",
        "grade": result.grade,
        # computed by the database; derived here by the same rule, so that a fresh row needs no reload
        "passed": result.grade in ModuleResult.PASSING_GRADES,
        "assessed_on": iso(result.assessed_on),
        "source": result.source,
        "change": change,
    }


def enrollment_events(*, enrollment, previous_status: str) -> list[WebhookEvent]:
    """Every transition is ``enrollment.status_changed``; admission and rejection are also ``application.decided``
    (a partner may follow only decisions, or every status). ``enrollment.student`` and ``.cohort`` are read."""
    data = enrollment_data(enrollment, previous_status=previous_status)
    institution_id = enrollment.student.home_institution_id
    events = [WebhookEvent(Event.ENROLLMENT_STATUS_CHANGED, institution_id, data)]
    if enrollment.status in (Enrollment.Status.ADMITTED, Enrollment.Status.REJECTED):
        events.insert(0, WebhookEvent(Event.APPLICATION_DECIDED, institution_id, data))
    return events


def result_event(*, result, enrollment, module, change: str) -> WebhookEvent:
    """``result.recorded`` for a new or corrected result. ``enrollment.student`` is read."""
    data = result_data(result, enrollment=enrollment, module=module, change=change)
    return WebhookEvent(Event.RESULT_RECORDED, enrollment.student.home_institution_id, data)
