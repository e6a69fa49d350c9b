"""Roster import: a partner college's list of students → students and their applications to a cohort.

``parse_roster`` reads a ``Table`` (from ``base.read_table``) into one ``RosterRow`` per data row with the values,
the decoded names, what applying it would do (create / update / unchanged student, new application or not) and its
``RowError``s; it writes nothing. ``apply_roster`` saves a preview without errors through
``students.services.students_nominate_bulk`` (the outcome of ``student_create`` / ``student_update`` and
``enrollment_apply`` once per row, at a fixed number of queries per 500 rows), every row in one transaction: all
rows or none.

Rules a newcomer would ask about:

- The same home student id at the same home institution is the same student: the row **updates** that student
  (the preview lists the fields that change, names included). Re-importing a file therefore never duplicates.
- An empty cell leaves the stored value as it is (partner lists are often incomplete); it never erases.
- Empty Latin/Cyrillic names are suggested from the Han characters by ``students.transliteration``; a name it
  cannot read stays as given, with the character named (a Latin name is required by the model).
- Imports create applications (status ``applied``) and never admit. The quota and the cohort's capacity count
  admitted students, so more new applications than places left is a **warning**, not an error: staff choose whom
  to admit later, and admission itself refuses beyond the quota.
- A student who already holds a current enrollment in the cohort's track keeps it; no second application.
- An optional home institution column must name the import's college (code or a name): a college nominates only
  its own students (the partner portal's coordinators import through the same code, for their college's cohorts).
- Passport data and the birth date are imported only from those who may write them (``can_write_sensitive``: staff
  with ``students.view_sensitive``, a partner's coordinator for its own students); for anyone else those columns are
  ignored with a warning (the services would refuse them). A preview never shows stored values to a viewer who may
  not read them (``***``).
- A row that brings passport data or a birth date needs the consent to their transfer to Russia: the college's
  attestation in the consent version and consent date columns (recorded with channel ``import``), or a consent the
  existing student holds. Without either, a wrong version or a date in the future, the row has an error and the
  whole file is refused (``consent``).
- Parsing runs a fixed number of queries whatever the number of rows (existing students, e-mails, enrollments,
  cohorts and tracks are fetched set-wise); the model's field rules are ``clean_fields``' with its errors, checked
  directly, and its check constraints are evaluated in Python from their own ``Q`` conditions, falling back to
  Django's per-row query for anything it cannot read (``checks``).

The package: ``columns`` (the header aliases, value parsing and the templates), ``preview`` (``RosterRow`` and
``RosterPreview``, what parsing returns), ``parse`` (``parse_roster``), ``checks`` (the model's rules on a row),
``consent`` (the consent columns) and ``apply`` (``apply_roster``).
"""

from .apply import ImportResult, RosterRefused, apply_roster
from .columns import COLUMNS, parse_date, template_example, template_headers
from .parse import parse_roster
from .preview import RosterPreview, RosterRow

__all__ = [
    "COLUMNS",
    "ImportResult",
    "RosterPreview",
    "RosterRefused",
    "RosterRow",
    "apply_roster",
    "parse_date",
    "parse_roster",
    "template_example",
    "template_headers",
]
