"""The ``data`` of each webhook event, built from rows the calling service already holds (no queries of its own
when the caller loaded the student: ``select_related("student")``).

Ids, and the fields the partner API shows about the same objects; never passport data or other sensitive fields.
Dates are ISO 8601 strings, scores decimal strings (as DRF renders them).
"""

from __future__ import annotations

import datetime
from typing import Any


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _student(student) -> dict[str, Any]:
    return {"id": student.pk, "home_student_id": student.home_student_id}


def enrollment_data(enrollment, *, previous_status: str) -> dict[str, Any]:
    """``application.decided`` and ``enrollment.status_changed``."""
    return {
        "enrollment_id": enrollment.pk,
        "student": _student(enrollment.student),
        "cohort": {"id": enrollment.cohort_id, "code": enrollment.cohort.code},
        "track_id": enrollment.track_id,
        "status": enrollment.status,
        "previous_status": previous_status,
        "applied_on": _iso(enrollment.applied_on),
        "admitted_on": _iso(enrollment.admitted_on),
        "enrolled_on": _iso(enrollment.enrolled_on),
        "completed_on": _iso(enrollment.completed_on),
        "closed_on": _iso(enrollment.closed_on),
        "reason": enrollment.status_reason,
    }


def result_data(result, *, enrollment, module, change: str) -> dict[str, Any]:
    """``result.recorded``; ``change`` is ``recorded`` (a new attempt) or ``corrected`` (new values of one)."""
    return {
        "result_id": result.pk,
        "enrollment_id": enrollment.pk,
        "student": _student(enrollment.student),
        "module": {"id": module.pk, "code": module.code},
        "attempt": result.attempt,
        "score": None if result.score is None else f"{result.score:.2f}",
        "grade": result.grade,
        # computed by the database; derived here so that a fresh row needs no reload, by the rule of the row's own
        # model (students.models.ModuleResult.PASSING_GRADES), which this module does not import
        "passed": result.grade in result.PASSING_GRADES,
        "assessed_on": _iso(result.assessed_on),
        "source": result.source,
        "change": change,
    }


def diploma_data(diploma, *, student) -> dict[str, Any]:
    """``diploma.issued`` and ``diploma.revoked``."""
    return {
        "diploma_id": diploma.pk,
        "enrollment_id": diploma.enrollment_id,
        "student": _student(student),
        "number": diploma.number,
        "status": diploma.status,
        "issued_at": _iso(diploma.issued_at),
        "revoked_at": _iso(diploma.revoked_at),
        "revocation_reason": diploma.revoked_reason,
        "sha256": diploma.sha256,
        "verification_url": diploma.verification_url,
    }
