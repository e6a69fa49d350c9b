"""LMS (Moodle) gradebook import: a cohort's gradebook export → module results, all or nothing.

The flow, shared by the staff pages and ``manage.py import_grades``::

    read_table(data) → parse_gradebook(table, cohort=…) → GradebookPreview (items, rows, errors, reconciliation)
                     → gradebook_mapping_save(…) while items are unmapped
                     → apply_gradebook(preview, by=…, assessed_on=…)   one transaction, via results_record_bulk

A Moodle export has one row per user: identity columns (``First name``, ``Last name``, ``ID number``,
``Email address``, …), one column per graded item named ``<item> (<display type>)`` and ``Last downloaded from this
course``. The header names are Moodle's language strings, read here in English, Russian and Simplified Chinese.
``Percentage`` columns carry 0–100 scores. ``Real`` columns carry points out of the item's maximum, which the mapping
holds (``GradebookMapping.max_points``): the score recorded is ``points / maximum × 100``. ``Letter`` columns cannot
be mapped.

The maximum rule: a ``Real`` item mapped to a module without a maximum is taken as out of 100, unless its best grade
in the file is at most ``ASK_MAX_UP_TO`` (20): no cohort's best result of a 100-point item is that low, while quizzes
out of 5, 10 or 20 are common, so the import asks for the maximum instead of recording 8.5 of 10 as 8.5 %.

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
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort, Module

from ..models import Enrollment, GradebookMapping, ModuleResult, Student
from ..services import ResultInput, grade_for_score, results_record_bulk
from .base import ImportFileError, RowError, Table, match_columns

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Moodle's user field names (core strings email, idnumber, firstname, lastname) in en, ru and zh_cn; older and newer
# language packs word some differently, so both are listed.
IDENTITY_COLUMNS = {
    "email": [
        "Email address",
        "Email",
        "E-mail",
        "Адрес электронной почты",
        "Электронная почта",
        "Email地址",
        "电子邮件地址",
        "电子邮件",
    ],
    "id_number": ["ID number", "IDnumber", "Индивидуальный номер", "学号", "ID号"],
    "first_name": ["First name", "Имя", "名"],
    "last_name": ["Last name", "Surname", "Фамилия", "姓"],
}
# Display types (grades strings real, percentage, letter) in en, ru and zh_cn → the kind of value a column holds.
REAL, PERCENTAGE, LETTER = "Real", "Percentage", "Letter"
DISPLAY_TYPES = {
    "real": REAL,
    "значение": REAL,
    "реальный": REAL,
    "分数": REAL,
    "实际": REAL,
    "percentage": PERCENTAGE,
    "проценты": PERCENTAGE,
    "процент": PERCENTAGE,
    "百分比": PERCENTAGE,
    "letter": LETTER,
    "буква": LETTER,
    "分数段": LETTER,
}
# The course total (grades string coursetotal): a column of every export, never an item.
COURSE_TOTALS = ("course total", "итоговая оценка за курс", "课程总分")
# "<item> (<display type>)"; Chinese exports may use full-width brackets.
ITEM_HEADER = re.compile(r"^(?P<name>.+?)\s*[(（](?P<type>[^()（）]+)[)）]$")
DEFAULT_MAX = Decimal(100)
ASK_MAX_UP_TO = Decimal(20)  # see the maximum rule above
MAX_POINTS_LIMIT = Decimal(10000)  # Moodle's own limit for an item's maximum grade
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
    scores: dict[str, Decimal]  # item name → the grade as in the file (points or percent); no grade: left out

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class ScoreCell:
    item: str
    module: Module
    score: Decimal  # on the module's scale (percent): what is recorded
    grade: str
    status: str
    stored: ModuleResult | None
    attempt: int
    raw: Decimal | None = None  # the grade as in the file
    max_points: Decimal | None = None  # the item's maximum, for a Real (points) column

    @property
    def converted(self) -> bool:
        return self.raw is not None and self.raw != self.score

    @property
    def grade_label(self) -> StrOrPromise:
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
    kinds: dict[str, str] = field(default_factory=dict)  # item → REAL or PERCENTAGE
    maxima: dict[str, Decimal | None] = field(default_factory=dict)  # item → its maximum as given (None: not given)
    best: dict[str, Decimal] = field(default_factory=dict)  # item → its highest grade in the file
    matched: list[MatchedRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    missing: list[Enrollment] = field(default_factory=list)  # enrolled in the cohort, not in the file

    @property
    def unmapped_items(self) -> list[str]:
        return [item for item in self.items if item not in self.mapping]

    @property
    def mapped_items(self) -> list[tuple[str, Module]]:
        return [(item, module) for item in self.items if (module := self.mapping.get(item)) is not None]

    def max_of(self, item: str) -> Decimal | None:
        """The maximum a Real item's points are out of (100 if not given); None for a Percentage item."""
        if self.kinds.get(item) != REAL:
            return None
        given = self.maxima.get(item)
        return given if given is not None else DEFAULT_MAX

    @property
    def max_needed(self) -> list[str]:
        """Mapped Real items without a maximum whose grades look like points out of less than 100 (the maximum rule
        of the module's docstring): the import asks for their maximum."""
        return [
            item
            for item, _module in self.mapped_items
            if self.kinds.get(item) == REAL
            and self.maxima.get(item) is None
            and item in self.best
            and self.best[item] <= ASK_MAX_UP_TO
        ]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((Status.NEW, Status.CHANGED, Status.UNCHANGED, Status.KEPT), 0)
        for row in self.matched:
            for cell in row.cells:
                counts[cell.status] += 1
        return counts

    @property
    def can_apply(self) -> bool:
        return not self.errors and not self.unmapped_items and not self.max_needed


@dataclass(frozen=True)
class ApplyOutcome:
    written: int
    new: int
    changed: int
    unchanged: int
    kept: int


# --- parsing ----------------------------------------------------------------------------------------------------


def parse_gradebook(
    table: Table,
    *,
    cohort: Cohort,
    mapping: dict[str, Module | None] | None = None,
    maxima: dict[str, Decimal | None] | None = None,
) -> GradebookPreview:
    """Read a gradebook table, match its rows to the cohort's students and compare it with the stored results.

    ``mapping`` and ``maxima`` (unsaved choices) are laid over the cohort's saved mapping. Writes nothing. Problems in
    cells are ``RowError``s in ``preview.errors``; a file without an e-mail or ID number column, or without any
    score column, is refused with ``ImportFileError``.
    """
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
    preview = GradebookPreview(
        cohort=cohort,
        items=items,
        rows=[],
        errors=[],
        refused_items=refused,
        duplicate_columns=notes,
        mapping=saved | extra,
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


def gradebook_items(table: Table) -> list[str]:
    """The gradebook items of a file, in its order (``ImportFileError`` as ``parse_gradebook`` raises it)."""
    _found, item_columns, _refused, _notes = _columns(table.headers)
    return [name for name, _kind in item_columns.values()]


def _columns(headers: list[str]):
    """``(identity field → column, column → (item, kind), Letter headers, second display types of an item)``."""
    found, _missing = match_columns(headers, IDENTITY_COLUMNS)
    if "email" not in found and "id_number" not in found:
        looked_for = IDENTITY_COLUMNS["email"] + IDENTITY_COLUMNS["id_number"]
        raise ImportFileError(
            _(
                "The file has neither an e-mail nor an ID number column; export the gradebook from the LMS with the "
                "user's e-mail or ID number. Columns looked for: %(looked)s. Columns found: %(found)s."
            )
            % {
                "looked": ", ".join(f"“{name}”" for name in looked_for),
                "found": ", ".join(f"“{header}”" for header in headers if header) or "—",
            },
            code="no_identity",
        )
    item_columns: dict[int, tuple[str, str]] = {}  # column index → (item name, kind)
    refused, notes = [], []
    for index, header in enumerate(headers):
        match = ITEM_HEADER.match(header)
        kind = DISPLAY_TYPES.get(match["type"].strip().lower()) if match else None
        if kind is None or match is None:
            continue  # an identity or profile column, "Last downloaded from this course", …
        name = match["name"].strip()
        if name.lower() in COURSE_TOTALS:
            continue
        if kind == LETTER:
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
    return found, item_columns, refused, notes


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


def _score(text: str, *, kind: str, maximum: Decimal | None) -> tuple[Decimal | None, str]:
    """``(grade, error)``: a decimal from 0 to the item's maximum (100 for a percentage) rounded to two places,
    ``None`` for no grade."""
    text = text.strip()
    if text in NO_GRADE:
        return None, ""
    number = text[:-1].strip() if kind == PERCENTAGE and text.endswith("%") else text
    if "," in number and "." not in number:
        number = number.replace(",", ".")  # a decimal comma, as some LMS locales export
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, _("“%(value)s” is not a score (a number, or “-” for no grade).") % {"value": text}
    top = maximum if maximum is not None else DEFAULT_MAX
    if not value.is_finite() or not Decimal(0) <= value <= top:
        return None, _("Score %(value)s is outside 0–%(max)s.") % {"value": text, "max": points_label(top)}
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), ""


def points_label(value: Decimal) -> str:
    """10, 7.5: a maximum as people write it."""
    return f"{value.normalize():f}"


def converted_score(raw: Decimal, maximum: Decimal | None) -> Decimal:
    """A grade on the module's percent scale: points out of ``maximum`` (a Real item), or the percentage itself."""
    if maximum is None or maximum == DEFAULT_MAX:
        return raw
    return (raw * DEFAULT_MAX / maximum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


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


# --- writes -----------------------------------------------------------------------------------------------------


def gradebook_mapping_save(
    *,
    cohort: Cohort,
    by: Actor,
    mapping: dict[str, Module | None],
    maxima: dict[str, Decimal | None] | None = None,
) -> list[GradebookMapping]:
    """Save which module each gradebook item of the cohort counts for (``None``: not a module) and, for the items in
    ``maxima``, the item's maximum points (``None``: not given). Atomic; items not in ``mapping`` keep their saved
    mapping; one audit entry on the cohort lists what changed (none if nothing did).

    Refuses a module of another track, one module for two items (their scores would overwrite each other), a maximum
    that is not a number above 0 and up to 10,000, and a maximum for an item that is not mapped.
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
    limits: dict[str, Decimal | None] = {}
    for item, maximum in (maxima or {}).items():
        name = (item or "").strip()[:255]
        if maximum is not None and (not maximum.is_finite() or not Decimal(0) < maximum <= MAX_POINTS_LIMIT):
            raise DomainError(
                _("The maximum of “%(item)s” must be a number above 0 and at most %(limit)s, not %(value)s.")
                % {"item": name, "limit": points_label(MAX_POINTS_LIMIT), "value": maximum},
                code="max_points",
                field=name,
            )
        limits[name] = maximum.quantize(TWO_PLACES, rounding=ROUND_HALF_UP) if maximum is not None else None
    with transaction.atomic():
        saved = {m.item_name: m for m in GradebookMapping.objects.select_for_update().filter(cohort=cohort)}
        final = {name: m.module_id for name, m in saved.items()} | {
            name: (module.pk if module else None) for name, module in cleaned.items()
        }
        unmapped = [name for name in limits if name not in final]
        if unmapped:
            raise DomainError(
                _("Map “%(item)s” to a module before giving its maximum.") % {"item": unmapped[0]},
                code="unmapped",
                field=unmapped[0],
            )
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
        changes: dict[str, tuple[str | None, str]] = {}
        for name in [*cleaned, *(name for name in limits if name not in cleaned)]:
            current = saved.get(name)
            module, maximum = (current.module, current.max_points) if current else (None, None)
            if name in cleaned:
                module = cleaned[name]
            if name in limits:
                maximum = limits[name]
            if current is None:
                saved[name] = GradebookMapping.objects.create(
                    cohort=cohort, item_name=name, module=module, max_points=maximum
                )
                changes[name] = (None, _label(module, maximum))
            elif current.module_id != (module.pk if module else None) or current.max_points != maximum:
                changes[name] = (_label(current.module, current.max_points), _label(module, maximum))
                current.module, current.max_points = module, maximum
                current.save(update_fields=["module", "max_points", "modified_at"])
        if changes:
            audit_record(actor=by, obj=cohort, action="gradebook_mapping.save", changes=changes)
    return [saved[name] for name in cleaned]


def _label(module: Module | None, maximum: Decimal | None = None) -> str:
    """The label of a mapping in the audit log: PLC, QUIZ@10 (the command's --map syntax), - for not a module."""
    if module is None:
        return "-"
    return f"{module.code}@{points_label(maximum)}" if maximum is not None else module.code


def apply_gradebook(preview: GradebookPreview, *, by: Actor, assessed_on: datetime.date) -> ApplyOutcome:
    """Record every new or changed score of the preview with ``results_record_bulk(source="lms")``: ONE
    transaction, the outcome and audit entries of ``result_record`` per score, a few queries per 500 students.

    All or nothing: refused (``DomainError``, nothing written) when the file has errors, unmapped items or items whose
    maximum must be given (``preview.max_needed``), and any refusal of a score (a student no longer enrolled…) rolls
    back every row. Idempotent: applying the same file again writes nothing.
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
    if preview.max_needed:
        raise DomainError(max_needed_message(preview), code="max_needed", details={"max_needed": preview.max_needed})
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


def max_needed_message(preview: GradebookPreview) -> str:
    return _(
        "Give the maximum points of %(items)s: their best grade in the file is %(best)s, so they look graded out of "
        "less than 100 (a quiz out of 10?). Give 100 if they really are out of 100."
    ) % {
        "items": ", ".join(f"“{item}”" for item in preview.max_needed),
        "best": ", ".join(points_label(preview.best[item]) for item in preview.max_needed),
    }


class GradebookRefused(DomainError):
    """``gradebook_import`` refused the file; ``preview`` is what it read (for the report), nothing was saved."""

    def __init__(self, error: DomainError, preview: GradebookPreview):
        super().__init__(error.message, code=error.code, field=error.field, details=error.details)
        self.preview = preview


@dataclass(frozen=True)
class GradebookImport:
    preview: GradebookPreview
    outcome: ApplyOutcome


def gradebook_import(
    *,
    table: Table,
    cohort: Cohort,
    by: Actor,
    assessed_on: datetime.date,
    mapping: dict[str, Module | None] | None = None,
    maxima: dict[str, Decimal | None] | None = None,
    dry_run: bool = False,
) -> GradebookImport:
    """Save the given mapping (and maxima), read the file against it and import it: ONE transaction, so a refusal
    changes nothing, the mapping included. A dry run goes through exactly the same steps and checks (the mapping's
    "one module, one item", every score under the enrollments' lock) and then rolls everything back.

    Refuses (``DomainError``, nothing saved) a mapping or maximum of an item that is not in the file (a typo would
    otherwise be saved for the cohort), whatever ``gradebook_mapping_save`` refuses, and (``GradebookRefused``, with
    the preview) whatever ``apply_gradebook`` refuses.
    """
    items = gradebook_items(table)
    unknown = [item for item in {**(mapping or {}), **(maxima or {})} if item.strip() not in items]
    if unknown:
        raise DomainError(
            _("No gradebook item “%(item)s” in the file; its items: %(items)s.")
            % {"item": unknown[0], "items": ", ".join(f"“{item}”" for item in items)},
            code="unknown_item",
            field=unknown[0],
        )
    with transaction.atomic():
        if mapping or maxima:
            gradebook_mapping_save(cohort=cohort, by=by, mapping=mapping or {}, maxima=maxima)
        preview = parse_gradebook(table, cohort=cohort)
        try:
            outcome = apply_gradebook(preview, by=by, assessed_on=assessed_on)
        except DomainError as error:
            raise GradebookRefused(error, preview) from error
        if dry_run:
            transaction.set_rollback(True)
    return GradebookImport(preview=preview, outcome=outcome)


def _chunks(items: list):
    size = IDS_PER_QUERY  # read at call time, so a test can make the chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]
