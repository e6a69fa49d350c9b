"""Parse a gradebook table into a preview (``parse_gradebook``): read the scores, match the rows to the cohort's
students and reconcile each score with the stored results; writes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from programs.models import Cohort, Module

from ...models import Enrollment, GradebookMapping, ModuleResult, Student
from ...services import grade_for_score
from ..base import RowError, Table
from .columns import _cell, _columns, _score, converted_score
from .preview import GradebookPreview, GradebookRow, MatchedRow, ScoreCell, Status, UnmatchedRow

IDS_PER_QUERY = 500  # e-mails or ID numbers per IN (...) query: well under SQLite's parameter limit


def parse_gradebook(
    table: Table,
    *,
    cohort: Cohort,
    mapping: dict[str, Module | None] | None = None,
    maxima: dict[str, Decimal | None] | None = None,
    modules: Iterable[Module] | None = None,
) -> GradebookPreview:
    """Read a gradebook table, match its rows to the cohort's students and compare it with the stored results.

    ``mapping`` and ``maxima`` (unsaved choices) are laid over the cohort's saved mapping. ``modules`` restricts the
    reading to those modules (a teacher's import of their module's column): every other item, mapped or not, counts
    as "not a module" here (not read, not asked for), so only those modules' scores are compared and written.
    Writes nothing. Problems in cells are ``RowError``s in ``preview.errors``; a file without an e-mail or ID number
    column, or without any score column, is refused with ``ImportFileError``.
    """
    only = None if modules is None else {module.pk for module in modules}
    found, item_columns, refused, notes = _columns(table.headers)
    modules = list(Module.objects.filter(track_id=cohort.track_id).order_by("order", "code"))
    by_id = {module.pk: module for module in modules}
    items = [name for name, _kind in item_columns.values()]
    saved_rows = [
        row
        for row in GradebookMapping.objects.filter(cohort=cohort, item_name__in=items)
        if row.module_id is None or row.module_id in by_id
    ]
    saved = {row.item_name: by_id.get(row.module_id) if row.module_id is not None else None for row in saved_rows}
    extra = {item: module for item, module in (mapping or {}).items() if module is None or module.pk in by_id}
    combined = saved | extra
    if only is not None:
        combined = {
            item: module if module is not None and module.pk in only else None
            for item in items
            for module in [combined.get(item)]
        }
    preview = GradebookPreview(
        cohort=cohort,
        items=items,
        rows=[],
        errors=[],
        refused_items=refused,
        duplicate_columns=notes,
        mapping=combined,
        modules=modules,
        kinds=dict(item_columns.values()),
        maxima={row.item_name: row.max_points for row in saved_rows} | dict(maxima or {}),
    )
    # Items mapped to "not a module" are never imported: their cells are not read, so a bonus item out of 150 or a
    # quiz with text grades blocks nothing.
    not_modules = {item for item, module in preview.mapping.items() if module is None}
    read = {index: (name, kind) for index, (name, kind) in item_columns.items() if name not in not_modules}
    for number, cells in table.rows:
        scores = {}
        for index, (name, kind) in read.items():
            value, error = _score(cells[index], kind=kind, maximum=preview.max_of(name))
            if error:
                preview.errors.append(RowError(number, table.headers[index], error))
            elif value is not None:
                scores[name] = value
                if name not in preview.best or value > preview.best[name]:
                    preview.best[name] = value
        preview.rows.append(
            GradebookRow(
                row=number,
                email=_cell(cells, found.get("email")).lower(),
                id_number=_cell(cells, found.get("id_number")),
                first_name=_cell(cells, found.get("first_name")),
                last_name=_cell(cells, found.get("last_name")),
                scores=scores,
            )
        )
    _match(preview)
    _reconcile(preview)
    preview.errors.sort(key=lambda error: (error.row, error.column))
    return preview


def _match(preview: GradebookPreview) -> None:
    """Rows → enrollments of the cohort: by e-mail (case-insensitive) first, else by ID number = home student id."""
    cohort = preview.cohort
    emails = sorted({row.email for row in preview.rows if row.email})
    ids = sorted({row.id_number for row in preview.rows if row.id_number})
    found: dict[int, Student] = {}
    for chunk in _chunks(emails):
        found.update((s.pk, s) for s in Student.objects.annotate(_email=Lower("email")).filter(_email__in=chunk))
    for chunk in _chunks(ids):
        found.update((s.pk, s) for s in Student.objects.filter(home_student_id__in=chunk) if s.pk not in found)
    # Student's default ordering, as one query would return them: the last of two equal e-mails wins below.
    students = sorted(found.values(), key=lambda s: (s.family_name_latin, s.given_name_latin, s.pk))
    cohort_enrollments: dict[int, list[Enrollment]] = {}
    enrollment: Enrollment | None  # a loop variable here, then the row's enrollment below
    for chunk in _chunks([student.pk for student in students]):
        for enrollment in Enrollment.objects.filter(cohort=cohort, student_id__in=chunk):
            cohort_enrollments.setdefault(enrollment.student_id, []).append(enrollment)
    by_email = {student.email.lower(): student for student in students if student.email}
    by_id: dict[str, list[Student]] = {}
    student: Student | None  # a loop variable here, then the row's match below
    for student in students:
        by_id.setdefault(student.home_student_id, []).append(student)

    def in_cohort(student: Student) -> list[Enrollment]:
        return cohort_enrollments.get(student.pk, [])

    seen: dict[int, int] = {}  # enrollment id → row
    for row in preview.rows:
        student, matched_by = None, ""
        if row.email and row.email in by_email:
            student, matched_by = by_email[row.email], "email"
        elif row.id_number and row.id_number in by_id:
            candidates = by_id[row.id_number]
            # home ids are unique per college only: prefer the one studying in this cohort
            student = next((s for s in candidates if in_cohort(s)), candidates[0] if len(candidates) == 1 else None)
            matched_by = "id_number"
        if not row.email and not row.id_number:
            preview.unmatched.append(
                UnmatchedRow(row, "no_identity", _("The row has neither an e-mail nor an ID number."))
            )
            continue
        if student is None:
            preview.unmatched.append(
                UnmatchedRow(
                    row,
                    "no_student",
                    _("No student with e-mail “%(email)s” or ID number “%(id)s”.")
                    % {"email": row.email or "—", "id": row.id_number or "—"},
                )
            )
            continue
        enrollments = in_cohort(student)
        if not enrollments:
            preview.unmatched.append(
                UnmatchedRow(
                    row,
                    "not_in_cohort",
                    _("The student is not in cohort %(cohort)s.") % {"cohort": cohort.code},
                    student,
                )
            )
            continue
        enrollment = next((e for e in enrollments if e.status == Enrollment.Status.ENROLLED), None)
        if enrollment is None:
            latest = max(enrollments, key=lambda e: (e.applied_on, e.pk))
            preview.unmatched.append(
                UnmatchedRow(
                    row,
                    "not_enrolled",
                    _("The student's enrollment is “%(status)s”; only enrolled students receive results.")
                    % {"status": latest.get_status_display()},
                    student,
                )
            )
            continue
        if enrollment.pk in seen:
            preview.errors.append(
                RowError(
                    row.row,
                    "",
                    _("The same student as in row %(row)d (%(name)s).")
                    % {"row": seen[enrollment.pk], "name": student.full_name_latin},
                )
            )
            continue
        seen[enrollment.pk] = row.row
        enrollment.student = student
        enrollment.cohort = cohort
        preview.matched.append(MatchedRow(row, enrollment, matched_by))
    matched_ids = set(seen)
    preview.missing = list(
        Enrollment.objects.filter(cohort=cohort, status=Enrollment.Status.ENROLLED)
        .exclude(pk__in=matched_ids)
        .select_related("student")
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )


def _reconcile(preview: GradebookPreview) -> None:
    """Each matched row's scores of mapped items against the latest stored attempt (see the package's docstring)."""
    mapped = preview.mapped_items
    if not preview.matched or not mapped:
        return
    latest: dict[tuple[int, int], ModuleResult] = {}
    results = ModuleResult.objects.filter(
        enrollment__in=[row.enrollment for row in preview.matched], module__in=[module for _item, module in mapped]
    ).order_by("attempt")
    for result in results:
        latest[(result.enrollment_id, result.module_id)] = result  # ordered by attempt: the last one wins
    track = preview.cohort.track
    for row in preview.matched:
        for item, module in mapped:
            raw = row.source.scores.get(item)
            if raw is None:
                continue
            maximum = preview.max_of(item)
            score = converted_score(raw, maximum)
            stored = latest.get((row.enrollment.pk, module.pk))
            if stored is None:
                status, attempt = Status.NEW, 1
            elif stored.score == score:
                status, attempt = Status.UNCHANGED, stored.attempt
            elif stored.passed:
                status, attempt = Status.KEPT, stored.attempt
            else:
                status, attempt = Status.CHANGED, stored.attempt
            grade = grade_for_score(track=track, module=module, score=score)
            row.cells.append(
                ScoreCell(item, module, score, grade, status, stored, attempt, raw=raw, max_points=maximum)
            )


def _chunks(items: list):
    size = IDS_PER_QUERY  # read at call time, so a test can make the chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]
