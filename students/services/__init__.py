"""Writes about students, one module per subject; every service is importable from here.

- ``enrollments``: applications and the enrollment state machine (the only writer of ``Enrollment.status``):
  its one table ``TRANSITIONS``, places and quotas, and ``enrollments_transition_many``, the one bulk loop.
- ``results``: module results, one at a time, a cohort's results grid all or nothing, or many at once.
- ``records``: student records, with passport data kept from those without the permission.
- ``continuations``: a completed student's applications to a bachelor's program.
- ``nominations``: a partner college nominates a student (record and application in one step).
- ``nominations_bulk``: a roster's students and applications at once, as the per-row services would write them.
"""

from .continuations import CONTINUATION_FIELDS, continuation_decide, continuation_record
from .enrollments import (
    TRANSITIONS,
    TRANSITIONS_BY_NAME,
    Transition,
    TransitionOutcome,
    enrollment_admit,
    enrollment_apply,
    enrollment_complete,
    enrollment_complete_refusal,
    enrollment_enroll,
    enrollment_fail,
    enrollment_reject,
    enrollment_withdraw,
    enrollments_complete_many,
    enrollments_transition_many,
    quota_used,
)
from .nominations import Nomination, student_nominate
from .nominations_bulk import BulkNomination, NominationInput, NominationRefused, students_nominate_bulk
from .records import STUDENT_EDITABLE_FIELDS, student_create, student_update
from .results import (
    MAX_ATTEMPTS,
    BulkResult,
    GridCell,
    ResultInput,
    grade_for_score,
    result_record,
    results_record_bulk,
    results_record_grid,
)

__all__ = [
    "CONTINUATION_FIELDS",
    "MAX_ATTEMPTS",
    "Nomination",
    "NominationInput",
    "NominationRefused",
    "STUDENT_EDITABLE_FIELDS",
    "TRANSITIONS",
    "TRANSITIONS_BY_NAME",
    "BulkNomination",
    "BulkResult",
    "GridCell",
    "ResultInput",
    "Transition",
    "TransitionOutcome",
    "continuation_decide",
    "continuation_record",
    "enrollment_admit",
    "enrollment_apply",
    "enrollment_complete",
    "enrollment_complete_refusal",
    "enrollment_enroll",
    "enrollment_fail",
    "enrollment_reject",
    "enrollment_withdraw",
    "enrollments_complete_many",
    "enrollments_transition_many",
    "grade_for_score",
    "quota_used",
    "result_record",
    "results_record_bulk",
    "results_record_grid",
    "student_create",
    "student_nominate",
    "student_update",
    "students_nominate_bulk",
]
