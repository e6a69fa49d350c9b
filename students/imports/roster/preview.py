"""What parsing a roster returns: one ``RosterRow`` per data row, gathered in a ``RosterPreview``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from programs.models import Cohort, Institution

from ...consent.services import Attestation
from ...models import Student
from ..base import RowError
from .columns import _field_label


@dataclass
class RosterRow:
    row: int  # as in the spreadsheet
    values: dict[str, str]  # field → cell text, as read
    data: dict = field(default_factory=dict)  # field → cleaned value, as the services take it
    student: Student | None = None  # the existing student (same institution and home id)
    action: str = "create"  # create | update | unchanged
    changes: dict[str, tuple] = field(default_factory=dict)  # field → (stored, new) of an update
    cohort: Cohort | None = None
    application: bool = False  # whether applying creates an application
    application_note: str = ""  # why not, when there is a current enrollment already
    suggested: list[str] = field(default_factory=list)  # name fields filled by transliteration
    no_reading: str = ""  # why no name could be suggested (a Han character without a known reading), if so
    errors: list[RowError] = field(default_factory=list)
    attestation: Attestation | None = None  # the consent columns' attestation of the transfer consent, if given

    @property
    def home_student_id(self) -> str:
        return self.values.get("home_student_id", "")

    def name(self, script: str) -> str:
        """The name in a script as it will be: the file's value, else the suggestion, else the stored one."""
        parts = []
        for part in ("family", "given"):
            name = f"{part}_name_{script}"
            value = self.data.get(name) or self.values.get(name, "")
            if not value and self.student is not None:
                value = getattr(self.student, name)
            parts.append(value)
        return "".join(parts) if script == "han" else " ".join(part for part in parts if part)

    @property
    def change_list(self) -> list[tuple[str, object, object]]:
        """(field label, stored, new) of an update, for the preview."""
        return [(_field_label(name), old, new) for name, (old, new) in self.changes.items()]

    @property
    def names(self) -> dict[str, str]:
        return {script: self.name(script) for script in ("han", "latin", "cyrillic")}


@dataclass
class RosterPreview:
    rows: list[RosterRow]
    file_errors: list[str]
    warnings: list[str]
    headers: list[str]
    columns: dict[str, int]  # field → column index in the file
    kind: str
    encoding: str
    cohort: Cohort | None
    institution: Institution | None
    viewer: object = None

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.action for row in self.rows)
        return {
            "rows": len(self.rows),
            "create": counted["create"],
            "update": counted["update"],
            "unchanged": counted["unchanged"],
            "applications": sum(row.application for row in self.rows),
            "rows_with_errors": sum(bool(row.errors) for row in self.rows),
        }
