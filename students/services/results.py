"""Module results: the grade of a score, one result at a time, a cohort's results grid all or nothing, and many
results at once (the LMS gradebook import)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.foundation.audit import Actor, actor_user, audit_entry_build, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.foundation.webhooks.services import webhook_endpoints_cached, webhooks_emit_many
from programs.models import Module, Track
from students.events import result_event

from ..models import Enrollment, ModuleResult
from ..notifications import results_notifications_batched, results_recorded_notify

S = Enrollment.Status


def grade_for_score(*, track: Track, module: Module, score: Decimal) -> str:
    """The grade of a 0–100 score on the track's scale (pass/fail for credit modules)."""
    G = ModuleResult.Grade
    if module.assessment_kind == Module.AssessmentKind.CREDIT:
        return G.PASS if score >= track.pass_score else G.FAIL
    if score >= track.excellent_score:
        return G.EXCELLENT
    if score >= track.good_score:
        return G.GOOD
    if score >= track.pass_score:
        return G.SATISFACTORY
    return G.UNSATISFACTORY


def result_record(
    *,
    enrollment: Enrollment,
    module: Module,
    by: Actor,
    assessed_on: datetime.date,
    score: Decimal | None = None,
    grade: str | None = None,
    attempt: int = 1,
    source: str = ModuleResult.Source.MANUAL,
) -> ModuleResult:
    """Record (or correct) the result of one attempt of a module. Atomic and idempotent: recording the same
    values again changes nothing and writes no audit entry.

    Either ``grade`` or ``score`` must be given; a missing grade is derived from the score on the track's scale.
    Results are recorded only for enrolled students and only for modules of the enrollment's track. The student is
    told by e-mail after the commit (one e-mail per student for a whole results grid).
    """
    _result_check(enrollment=enrollment, module=module)
    if grade is None:
        if score is None:
            raise DomainError(_("Give a score or a grade."), code="required", field="score")
        grade = grade_for_score(track=enrollment.track, module=module, score=Decimal(score))
    with transaction.atomic():
        result = (
            ModuleResult.objects.select_for_update()
            .filter(enrollment=enrollment, module=module, attempt=attempt)
            .first()
        )
        new_values = {
            "score": None if score is None else Decimal(score),
            "grade": grade,
            "assessed_on": assessed_on,
            "source": source,
        }
        if result is None:
            result = ModuleResult.objects.create(
                enrollment=enrollment,
                module=module,
                attempt=attempt,
                recorded_by=actor_user(by),
                **new_values,
            )
            changes = {field: (None, value) for field, value in new_values.items()}
            action = "result.record"
        else:
            changes = {
                field: (getattr(result, field), value)
                for field, value in new_values.items()
                if getattr(result, field) != value
            }
            if not changes:
                return result
            for field, value in new_values.items():
                setattr(result, field, value)
            result.recorded_by = actor_user(by)
            result.save()
            action = "result.change"
        audit_record(
            actor=by,
            obj=enrollment,
            action=action,
            changes={f"{module.code}#{attempt}.{field}": pair for field, pair in changes.items()},
        )
        change = "recorded" if action == "result.record" else "corrected"
        webhooks_emit_many(events=[result_event(result=result, enrollment=enrollment, module=module, change=change)])
        results_recorded_notify(results=[(enrollment.student_id, result.pk)])
    return result


def _result_check(*, enrollment: Enrollment, module: Module) -> None:
    """The refusals of ``result_record`` and ``results_record_bulk``: only modules of the enrollment's track, only
    enrolled students."""
    if module.track_id != enrollment.track_id:
        raise DomainError(
            _("Module %(module)s is not part of the track of this enrollment.") % {"module": module.code},
            code="wrong_track",
            field="module",
        )
    if enrollment.status != S.ENROLLED:
        raise DomainError(
            _("Results can be recorded only for enrolled students (this enrollment is “%(status)s”).")
            % {"status": enrollment.get_status_display()},
            code="not_enrolled",
        )


# --- results of a cohort at once --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    """One edited cell of a cohort's results grid: a score for a module of an enrollment.

    ``new_attempt`` asks for attempt n+1 (allowed only when the latest attempt failed); otherwise the latest attempt
    is corrected, or attempt 1 recorded when there is none.
    """

    enrollment_id: int
    module: Module
    score: Decimal
    new_attempt: bool = False

    @property
    def key(self) -> str:
        return f"{self.enrollment_id}:{self.module.pk}"


MAX_ATTEMPTS = 10


def results_record_grid(*, cells: Iterable[GridCell], by: Actor, assessed_on: datetime.date) -> list[ModuleResult]:
    """Record the scores of a results grid with ``result_record``, all or nothing.

    One transaction: when any cell is refused (not enrolled, a retake of a passed module, too many attempts), the
    whole grid is rolled back and a ``DomainError`` (code ``grid_refused``) carries every refusal in
    ``details["errors"]`` (``GridCell.key`` → message), so the page can show them at their cells. The enrollments are
    locked first, so the attempt each cell writes (the latest, or latest + 1) is read under the lock.
    Idempotent per cell as ``result_record`` is: the same score on the same attempt writes nothing.
    """
    cells = list(cells)
    if not cells:
        return []
    errors: dict[str, str] = {}
    saved: list[ModuleResult] = []
    # One e-mail per student for the whole grid, sent after the commit; none when the grid is refused.
    with transaction.atomic(), webhook_endpoints_cached(), results_notifications_batched():
        ids = sorted({cell.enrollment_id for cell in cells})
        enrollments = {
            enrollment.pk: enrollment
            for enrollment in Enrollment.objects.select_for_update(of=("self",))
            .select_related("track", "student")  # student: the partner's webhook
            .filter(pk__in=ids)
        }
        latest: dict[tuple[int, int], tuple[int, bool]] = {}
        rows = ModuleResult.objects.filter(enrollment_id__in=ids).order_by("attempt")
        for enrollment_id, module_id, attempt, passed in rows.values_list(
            "enrollment_id", "module_id", "attempt", "passed"
        ):
            latest[(enrollment_id, module_id)] = (attempt, passed)
        for cell in cells:
            try:
                enrollment = enrollments.get(cell.enrollment_id)
                if enrollment is None:
                    raise DomainError(_("No such enrollment."), code="not_found")
                attempt = _grid_attempt(cell, latest.get((cell.enrollment_id, cell.module.pk)))
                saved.append(
                    result_record(
                        enrollment=enrollment,
                        module=cell.module,
                        by=by,
                        assessed_on=assessed_on,
                        score=cell.score,
                        attempt=attempt,
                    )
                )
            except DomainError as error:
                errors[cell.key] = error.message
        if errors:
            # Raising inside the atomic block undoes the cells already written.
            raise DomainError(
                ngettext(
                    "Nothing was saved: %(count)d cell refused.",
                    "Nothing was saved: %(count)d cells refused.",
                    len(errors),
                )
                % {"count": len(errors)},
                code="grid_refused",
                details={"errors": errors},
            )
    return saved


def _grid_attempt(cell: GridCell, latest: tuple[int, bool] | None) -> int:
    if latest is None:
        return 1
    attempt, passed = latest
    if not cell.new_attempt:
        return attempt
    if passed:
        raise DomainError(
            _("Attempt %(attempt)d is passed; no new attempt is needed.") % {"attempt": attempt},
            code="already_passed",
        )
    if attempt >= MAX_ATTEMPTS:
        raise DomainError(_("At most %(max)d attempts are recorded.") % {"max": MAX_ATTEMPTS}, code="too_many_attempts")
    return attempt + 1


# --- many results at once ---------------------------------------------------------------------------------------

IDS_PER_QUERY = 500  # ids per IN (...) query: well under SQLite's parameter limit
ROWS_PER_WRITE = 1000  # rows per bulk INSERT / UPDATE
SCORE_PLACES = Decimal("0.01")  # ModuleResult.score has two decimal places


@dataclass(frozen=True)
class ResultInput:
    """One score for ``results_record_bulk``: record or correct attempt ``attempt`` of a module of an enrollment,
    as ``result_record`` does (the grade is derived from the score on the track's scale)."""

    enrollment_id: int
    module: Module
    score: Decimal
    attempt: int = 1


@dataclass(frozen=True)
class BulkResult:
    """What ``results_record_bulk`` wrote. ``passed`` of the corrected results is reloaded when read."""

    created: list[ModuleResult]
    changed: list[ModuleResult]
    unchanged: int

    @property
    def written(self) -> int:
        return len(self.created) + len(self.changed)


def results_record_bulk(
    *,
    rows: Iterable[ResultInput],
    by: Actor,
    assessed_on: datetime.date,
    source: str = ModuleResult.Source.MANUAL,
) -> BulkResult:
    """Record (or correct) many results in one transaction, all or nothing, with the outcome of calling
    ``result_record`` once per row in the given order: the same rows, the same refusals, the same audit entries
    (one ``result.record`` or ``result.change`` per written result, with the same ``changes``).

    A fixed number of queries per 500 enrollments plus one per 1,000 written rows: the enrollments are locked once
    (in id order, so two imports cannot deadlock) and every row is checked under the lock before anything is
    written; a refused row (``DomainError`` as ``result_record`` raises it, or ``not_found``/``score_range``)
    writes nothing. Idempotent: rows whose values are already stored write nothing and no audit entry. Each
    student whose results were written gets one e-mail listing them, after the commit.
    """
    rows = list(rows)
    if not rows:
        return BulkResult(created=[], changed=[], unchanged=0)
    user = actor_user(by)
    with transaction.atomic():
        ids = sorted({row.enrollment_id for row in rows})
        enrollments: dict[int, Enrollment] = {}
        for chunk in _chunks(ids):
            locked = (
                Enrollment.objects.select_for_update(of=("self",))
                .select_related("track", "student", "cohort")  # student and cohort: the audit entries' object_repr
                .filter(pk__in=chunk)
                .order_by("pk")
            )
            enrollments.update((enrollment.pk, enrollment) for enrollment in locked)
        for row in rows:  # every refusal before the first write
            enrollment = enrollments.get(row.enrollment_id)
            if enrollment is None:
                raise DomainError(
                    _("No such enrollment."), code="not_found", details={"enrollment_id": row.enrollment_id}
                )
            _result_check(enrollment=enrollment, module=row.module)
            if not Decimal(0) <= Decimal(row.score) <= Decimal(100):
                raise DomainError(
                    _("Score %(score)s is outside 0–100.") % {"score": row.score}, code="score_range", field="score"
                )
        module_ids = sorted({row.module.pk for row in rows})
        stored: dict[tuple[int, int, int], ModuleResult] = {}
        for chunk in _chunks(ids):
            existing = ModuleResult.objects.filter(enrollment_id__in=chunk, module_id__in=module_ids).order_by()
            stored.update(((r.enrollment_id, r.module_id, r.attempt), r) for r in existing)

        reprs: dict[int, str] = {}  # enrollment id → str(enrollment), once per enrollment
        created: list[ModuleResult] = []
        changed: dict[int, ModuleResult] = {}
        entries: list[AuditEntry] = []
        # The partner hears of each written result once, with its last values: key → (module, change)
        announced: dict[tuple[int, int, int], tuple[Module, str]] = {}
        unchanged = 0
        for row in rows:
            enrollment = enrollments[row.enrollment_id]
            score = Decimal(row.score)
            new_values = {
                "score": score,
                "grade": grade_for_score(track=enrollment.track, module=row.module, score=score),
                "assessed_on": assessed_on,
                "source": source,
            }
            key = (enrollment.pk, row.module.pk, row.attempt)
            result = stored.get(key)
            if result is None:
                result = ModuleResult(
                    enrollment=enrollment, module=row.module, attempt=row.attempt, recorded_by=user, **new_values
                )
                created.append(result)
                stored[key] = result
                changes = {field: (None, value) for field, value in new_values.items()}
                action = "result.record"
            else:
                changes = {
                    field: (getattr(result, field), value)
                    for field, value in new_values.items()
                    if getattr(result, field) != value
                }
                if not changes:
                    unchanged += 1
                    continue
                for field, value in new_values.items():
                    setattr(result, field, value)
                result.recorded_by = user
                if result.pk is not None:  # else created by an earlier row: inserted with its last values
                    changed[result.pk] = result
                action = "result.change"
            # A later row for the same attempt compares with the score as result_record would read it back.
            result.score = score.quantize(SCORE_PLACES)
            if enrollment.pk not in reprs:
                reprs[enrollment.pk] = str(enrollment)
            entries.append(
                audit_entry_build(
                    actor=by,
                    obj=enrollment,
                    action=action,
                    changes={f"{row.module.code}#{row.attempt}.{field}": pair for field, pair in changes.items()},
                    object_repr=reprs[enrollment.pk],
                )
            )
            announced.setdefault(key, (row.module, "recorded" if action == "result.record" else "corrected"))
        if created:
            ModuleResult.objects.bulk_create(created, batch_size=ROWS_PER_WRITE)
        if changed:
            now = timezone.now()  # bulk_update does not apply auto_now
            for result in changed.values():
                result.modified_at = now
            ModuleResult.objects.bulk_update(
                list(changed.values()),
                ["score", "grade", "assessed_on", "source", "recorded_by", "modified_at"],
                batch_size=ROWS_PER_WRITE,
            )
            for result in changed.values():
                result.__dict__.pop("passed", None)  # computed by the database: reloaded when read
        if entries:
            AuditEntry.objects.bulk_create(entries, batch_size=ROWS_PER_WRITE)
        # After the inserts, so that new results have their ids; one query for the partners' endpoints in all.
        webhooks_emit_many(
            events=[
                result_event(result=stored[key], enrollment=enrollments[key[0]], module=module, change=change)
                for key, (module, change) in announced.items()
            ]
        )
        results_recorded_notify(results=[(enrollments[key[0]].student_id, stored[key].pk) for key in announced])
    return BulkResult(created=created, changed=list(changed.values()), unchanged=unchanged)


def _chunks(items: list):
    size = IDS_PER_QUERY  # read at call time, so a test can make the chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]
