"""What parsing a gradebook returns: ``GradebookPreview`` (items, rows, errors, the mapping, matched and unmatched
rows with each score's ``Status`` against the stored results), and its message about missing maxima."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from programs.models import Cohort, Module

from ...models import Enrollment, ModuleResult, Student
from ..base import RowError
from .columns import ASK_MAX_UP_TO, DEFAULT_MAX, REAL, points_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
        of the package's docstring): the import asks for their maximum."""
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


def max_needed_message(preview: GradebookPreview) -> str:
    return _(
        "Give the maximum points of %(items)s: their best grade in the file is %(best)s, so they look graded out of "
        "less than 100 (a quiz out of 10?). Give 100 if they really are out of 100."
    ) % {
        "items": ", ".join(f"“{item}”" for item in preview.max_needed),
        "best": ", ".join(points_label(preview.best[item]) for item in preview.max_needed),
    }
