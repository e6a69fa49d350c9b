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

The package: ``columns`` (the header names and display types, reading a score cell), ``preview`` (``GradebookPreview``
and its rows, what parsing returns), ``parse`` (``parse_gradebook``: reading, matching, reconciling), ``mapping``
(``suggest_module``, ``gradebook_mapping_save``) and ``apply`` (``apply_gradebook``, ``gradebook_import``).
"""

from .apply import ApplyOutcome, GradebookImport, GradebookRefused, apply_gradebook, gradebook_import
from .columns import (
    ASK_MAX_UP_TO,
    DEFAULT_MAX,
    DISPLAY_TYPES,
    IDENTITY_COLUMNS,
    LETTER,
    MAX_POINTS_LIMIT,
    PERCENTAGE,
    REAL,
    converted_score,
    gradebook_items,
    points_label,
    refused_item_message,
)
from .mapping import gradebook_mapping_save, suggest_module
from .parse import parse_gradebook
from .preview import GradebookPreview, GradebookRow, MatchedRow, ScoreCell, Status, UnmatchedRow, max_needed_message

__all__ = [
    "ASK_MAX_UP_TO",
    "DEFAULT_MAX",
    "DISPLAY_TYPES",
    "IDENTITY_COLUMNS",
    "LETTER",
    "MAX_POINTS_LIMIT",
    "PERCENTAGE",
    "REAL",
    "ApplyOutcome",
    "GradebookImport",
    "GradebookPreview",
    "GradebookRefused",
    "GradebookRow",
    "MatchedRow",
    "ScoreCell",
    "Status",
    "UnmatchedRow",
    "apply_gradebook",
    "converted_score",
    "gradebook_import",
    "gradebook_items",
    "gradebook_mapping_save",
    "max_needed_message",
    "parse_gradebook",
    "points_label",
    "refused_item_message",
    "suggest_module",
]
