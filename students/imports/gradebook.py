"""LMS (Moodle) gradebook import: a cohort's gradebook export → module results, all or nothing.

The flow, shared by the staff pages and ``manage.py import_grades``::

    read_table(data) → parse_gradebook(table, cohort=…) → GradebookPreview (items, rows, errors, reconciliation)
                     → gradebook_mapping_save(…) while items are unmapped
                     → apply_gradebook(preview, by=…, assessed_on=…)   one transaction, via results_record_bulk

A Moodle export has one row per user: identity columns (``First name``, ``Last name``, ``ID number``,
``Email address``, …), one column per graded item named ``<item> (<display type>)`` and ``Last downloaded from this
course``. Items shown as ``Real`` or ``Percentage`` carry 0–100 scores; ``Letter`` columns cannot be mapped.

The attempt rule (also shown on the preview page): a file score is compared with the latest stored attempt of the
module. No stored result → a new attempt 1. The same score, or a stored attempt that is already passed → nothing is
written (a passed result is never replaced by the LMS). A different score on a not-passed attempt → that attempt is
corrected. So re-importing a file changes nothing.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.audit import Actor, audit_record
from mobility.exceptions import DomainError
from programs.models import Cohort, Module

from ..models import Enrollment, GradebookMapping, ModuleResult, Student
from ..services import ResultInput, grade_for_score, results_record_bulk
from .base import ImportFileError, RowError, Table, match_columns

IDENTITY_COLUMNS = {
    "email": ["Email address", "Email", "E-mail"],
    "id_number": ["ID number", "IDnumber"],
    "first_name": ["First name"],
    "last_name": ["Last name", "Surname"],
}
# Display types whose values are 0–100 scores, and the one that is not.
SCORE_TYPES = ("Real", "Percentage")
LETTER_TYPE = "Letter"
COURSE_TOTAL = "course total"
ITEM_HEADER = re.compile(r"^(?P<name>.+?)\s*\((?P<type>Real|Percentage|Letter)\)$", re.IGNORECASE)
NO_GRADE = ("", "-", "–", "—")
TWO_PLACES = Decimal("0.01")
IDS_PER_QUERY = 500  # e-mails or ID numbers per IN (...) query: well under SQLite's parameter limit


class Status:
    """How a file score compares with the stored latest attempt of the module."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    KEPT = "kept"  # the stored attempt is passed: the LMS does not replace it
    WRITTEN = (NEW, CHANGED)


@dataclass
class GradebookRow:
    row: int
    email: str
    id_number: str
    first_name: str
    last_name: str
    scores: dict[str, Decimal]  # item name → score; items without a grade are left out

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class ScoreCell:
    item: str
    module: Module
    score: Decimal
    grade: str
    status: str
    stored: ModuleResult | None
    attempt: int

    @property
    def grade_label(self) -> str:
        return ModuleResult.Grade(self.grade).label


@dataclass
class MatchedRow:
    source: GradebookRow
    enrollment: Enrollment
    matched_by: str  # "email" or "id_number"
    cells: list[ScoreCell] = field(default_factory=list)

    @property
    def student(self) -> Student:
        return self.enrollment.student


@dataclass
class UnmatchedRow:
    source: GradebookRow
    reason: str  # "no_student", "not_in_cohort", "not_enrolled", "no_identity"
    message: str
    student: Student | None = None


@dataclass
class GradebookPreview:
    cohort: Cohort
    items: list[str]  # gradebook items with scores, in the file's order (names without the display type)
    rows: list[GradebookRow]
    errors: list[RowError]
    refused_items: list[str]  # Letter columns and the like: listed, never mapped
    duplicate_columns: list[str]  # an item exported in a second display type: the first column counts
    mapping: dict[str, Module | None]  # the saved mapping of this file's items ("not a module" → None)
    modules: list[Module]  # the cohort track's modules, in curriculum order
    matched: list[MatchedRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    missing: list[Enrollment] = field(default_factory=list)  # enrolled in the cohort, not in the file

    @property
    def unmapped_items(self) -> list[str]:
        return [item for item in self.items if item not in self.mapping]

    @property
    def mapped_items(self) -> list[tuple[str, Module]]:
        return [(item, self.mapping[item]) for item in self.items if self.mapping.get(item) is not None]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((Status.NEW, Status.CHANGED, Status.UNCHANGED, Status.KEPT), 0)
        for row in self.matched:
            for cell in row.cells:
                counts[cell.status] += 1
        return counts

    @property
    def can_apply(self) -> bool:
        return not self.errors and not self.unmapped_items


@dataclass(frozen=True)
class ApplyOutcome:
    written: int
    new: int
    changed: int
    unchanged: int
    kept: int


# --- parsing ----------------------------------------------------------------------------------------------------


def parse_gradebook(
    table: Table, *, cohort: Cohort, mapping: dict[str, Module | None] | None = None
) -> GradebookPreview:
    """Read a gradebook table, match its rows to the cohort's students and compare it with the stored results.

    ``mapping`` (a dry run's unsaved choices) is laid over the cohort's saved mapping. Writes nothing. Problems in
    cells are ``RowError``s in ``preview.errors``; a file without an e-mail or ID number column, or without any
    score column, is refused with ``ImportFileError``.
    """
    found, _missing = match_columns(table.headers, IDENTITY_COLUMNS)
    if "email" not in found and "id_number" not in found:
        raise ImportFileError(
            _(
                "The file has neither an “Email address” nor an “ID number” column; export the gradebook from the LMS "
                "with the user's e-mail or ID number."
            ),
            code="no_identity",
        )
    item_columns: dict[int, tuple[str, str]] = {}  # column index → (item name, display type)
    refused, notes = [], []
    for index, header in enumerate(table.headers):
        match = ITEM_HEADER.match(header)
        if match is None:
            continue
        name, kind = match["name"].strip(), match["type"].capitalize()
        if name.lower() == COURSE_TOTAL:
            continue
        if kind == LETTER_TYPE:
            refused.append(header)
        elif name in {seen for seen, _kind in item_columns.values()}:
            notes.append(header)  # the same item in a second display type: the first column counts
        else:
            item_columns[index] = (name, kind)
    if not item_columns:
        raise ImportFileError(
            _("The file has no gradebook item columns with scores (named like “Assignment: Project (Real)”)."),
            code="no_items",
        )
    rows, errors = [], []
    for number, cells in table.rows:
        scores = {}
        for index, (name, kind) in item_columns.items():
            value, error = _score(cells[index], percentage=kind == "Percentage")
            if error:
                errors.append(RowError(number, table.headers[index], error))
            elif value is not None:
                scores[name] = value
        rows.append(
            GradebookRow(
                row=number,
                email=_cell(cells, found.get("email")).lower(),
                id_number=_cell(cells, found.get("id_number")),
                first_name=_cell(cells, found.get("first_name")),
                last_name=_cell(cells, found.get("last_name")),
                scores=scores,
            )
        )
    modules = list(Module.objects.filter(track_id=cohort.track_id).order_by("order", "code"))
    by_id = {module.pk: module for module in modules}
    items = [name for name, _kind in item_columns.values()]
    saved = {
        row.item_name: by_id.get(row.module_id)
        for row in GradebookMapping.objects.filter(cohort=cohort, item_name__in=items)
        if row.module_id is None or row.module_id in by_id
    }
    extra = {item: module for item, module in (mapping or {}).items() if module is None or module.pk in by_id}
    preview = GradebookPreview(
        cohort=cohort,
        items=items,
        rows=rows,
        errors=errors,
        refused_items=refused,
        duplicate_columns=notes,
        mapping=saved | extra,
        modules=modules,
    )
    _match(preview)
    _reconcile(preview)
    preview.errors.sort(key=lambda error: (error.row, error.column))
    return preview


def suggest_module(item: str, modules: list[Module]) -> Module | None:
    """The module whose code (as a word) or title appears in the item's name; the longest match wins."""
    best, best_length = None, 0
    lowered = item.lower()
    for module in modules:
        code = module.code.lower()
        if re.search(rf"(?<![a-z0-9]){re.escape(code)}(?![a-z0-9])", lowered) and len(code) > best_length:
            best, best_length = module, len(code)
        for title in (module.title_en, module.title_ru, module.title_zh):
            title = title.strip().lower()
            if title and title in lowered and len(title) > best_length:
                best, best_length = module, len(title)
    return best


def refused_item_message(header: str) -> str:
    return _("“%(item)s” shows letter grades, not scores, and cannot be mapped; export it as Real or Percentage.") % {
        "item": header
    }


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None else ""


def _score(text: str, *, percentage: bool) -> tuple[Decimal | None, str]:
    """``(score, error)``: a decimal 0–100 rounded to two places, ``None`` for no grade."""
    text = text.strip()
    if text in NO_GRADE:
        return None, ""
    number = text[:-1].strip() if percentage and text.endswith("%") else text
    if "," in number and "." not in number:
        number = number.replace(",", ".")  # a decimal comma, as some LMS locales export
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, _("“%(value)s” is not a score (a number 0–100, or “-” for no grade).") % {"value": text}
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        return None, _("Score %(value)s is outside 0–100.") % {"value": text}
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), ""


# --- matching and reconciliation --------------------------------------------------------------------------------


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
    for chunk in _chunks([student.pk for student in students]):
        for enrollment in Enrollment.objects.filter(cohort=cohort, student_id__in=chunk):
            cohort_enrollments.setdefault(enrollment.student_id, []).append(enrollment)
    by_email = {student.email.lower(): student for student in students if student.email}
    by_id: dict[str, list[Student]] = {}
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
    """Each matched row's scores of mapped items against the latest stored attempt (see the module's docstring)."""
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
            score = row.source.scores.get(item)
            if score is None:
                continue
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
            row.cells.append(ScoreCell(item, module, score, grade, status, stored, attempt))


# --- writes -----------------------------------------------------------------------------------------------------


def gradebook_mapping_save(*, cohort: Cohort, by: Actor, mapping: dict[str, Module | None]) -> list[GradebookMapping]:
    """Save which module each gradebook item of the cohort counts for (``None``: not a module). Atomic; items not
    in ``mapping`` keep their saved mapping; one audit entry on the cohort lists what changed (none if nothing did).

    Refuses a module of another track and one module for two items (their scores would overwrite each other).
    """
    cleaned: dict[str, Module | None] = {}
    for item, module in mapping.items():
        name = (item or "").strip()
        if not name:
            raise DomainError(_("A gradebook item needs a name."), code="required", field="item_name")
        if module is not None and module.track_id != cohort.track_id:
            raise DomainError(
                _("Module %(module)s is not part of track %(track)s of cohort %(cohort)s.")
                % {"module": module.code, "track": cohort.track.code, "cohort": cohort.code},
                code="wrong_track",
                field=name,
            )
        cleaned[name[:255]] = module
    with transaction.atomic():
        saved = {m.item_name: m for m in GradebookMapping.objects.select_for_update().filter(cohort=cohort)}
        final = {name: m.module_id for name, m in saved.items()} | {
            name: (module.pk if module else None) for name, module in cleaned.items()
        }
        used: dict[int, str] = {}
        for name, module_id in sorted(final.items()):
            if module_id is None:
                continue
            if module_id in used:
                code = Module.objects.get(pk=module_id).code
                raise DomainError(
                    _("Module %(module)s is mapped to two gradebook items: “%(a)s” and “%(b)s”.")
                    % {"module": code, "a": used[module_id], "b": name},
                    code="duplicate_module",
                    field=name,
                )
            used[module_id] = name
        changes = {}
        for name, module in cleaned.items():
            current = saved.get(name)
            if current is None:
                saved[name] = GradebookMapping.objects.create(cohort=cohort, item_name=name, module=module)
                changes[name] = (None, _label(module))
            elif current.module_id != (module.pk if module else None):
                changes[name] = (_label(current.module), _label(module))
                current.module = module
                current.save(update_fields=["module", "modified_at"])
        if changes:
            audit_record(actor=by, obj=cohort, action="gradebook_mapping.save", changes=changes)
    return [saved[name] for name in cleaned]


def _label(module: Module | None) -> str:
    return module.code if module is not None else "-"


def apply_gradebook(preview: GradebookPreview, *, by: Actor, assessed_on: datetime.date) -> ApplyOutcome:
    """Record every new or changed score of the preview with ``results_record_bulk(source="lms")``: ONE
    transaction, the outcome and audit entries of ``result_record`` per score, a few queries per 500 students.

    All or nothing: refused (``DomainError``, nothing written) when the file has errors or unmapped items, and any
    refusal of a score (a student no longer enrolled…) rolls back every row. Idempotent: applying the same file
    again writes nothing.
    """
    if preview.errors:
        raise DomainError(
            ngettext(
                "The file has %(count)d error; nothing was imported.",
                "The file has %(count)d errors; nothing was imported.",
                len(preview.errors),
            )
            % {"count": len(preview.errors)},
            code="file_errors",
            details={"errors": [str(error) for error in preview.errors]},
        )
    if preview.unmapped_items:
        raise DomainError(
            _("Map these gradebook items first: %(items)s.") % {"items": ", ".join(preview.unmapped_items)},
            code="unmapped",
            details={"unmapped": preview.unmapped_items},
        )
    counts = preview.counts()
    outcome = results_record_bulk(
        rows=(
            ResultInput(enrollment_id=row.enrollment.pk, module=cell.module, score=cell.score, attempt=cell.attempt)
            for row in preview.matched
            for cell in row.cells
            if cell.status in Status.WRITTEN
        ),
        by=by,
        assessed_on=assessed_on,
        source=ModuleResult.Source.LMS,
    )
    return ApplyOutcome(
        written=outcome.written,
        new=counts[Status.NEW],
        changed=counts[Status.CHANGED],
        unchanged=counts[Status.UNCHANGED],
        kept=counts[Status.KEPT],
    )


def _chunks(items: list):
    size = IDS_PER_QUERY  # read at call time, so a test can make the chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]
