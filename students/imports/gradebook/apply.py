"""Import a gradebook: ``apply_gradebook`` records a preview's new and changed scores (one transaction, via
``results_record_bulk``), ``gradebook_import`` saves the mapping, parses and applies in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mobility.foundation.audit import Actor
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort, Module

from ...models import ModuleResult
from ...services import ResultInput, results_record_bulk
from ..base import Table
from .columns import gradebook_items
from .mapping import gradebook_mapping_save
from .parse import parse_gradebook
from .preview import GradebookPreview, Status, max_needed_message


@dataclass(frozen=True)
class ApplyOutcome:
    written: int
    new: int
    changed: int
    unchanged: int
    kept: int


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
    modules: list[Module] | None = None,
    dry_run: bool = False,
) -> GradebookImport:
    """Save the given mapping (and maxima), read the file against it and import it: ONE transaction, so a refusal
    changes nothing, the mapping included. A dry run goes through exactly the same steps and checks (the mapping's
    "one module, one item", every score under the enrollments' lock) and then rolls everything back.

    ``modules`` restricts the import to those modules (``parse_gradebook``): only their scores are written, and a
    mapping to any other module is refused (``wrong_module``).

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
    if modules is not None:
        allowed = {module.pk for module in modules}
        outside = [item for item, module in (mapping or {}).items() if module is not None and module.pk not in allowed]
        if outside:
            raise DomainError(
                _("“%(item)s” may be mapped only to %(modules)s.")
                % {"item": outside[0], "modules": ", ".join(module.code for module in modules)},
                code="wrong_module",
                field=outside[0],
            )
    with transaction.atomic():
        if mapping or maxima:
            gradebook_mapping_save(cohort=cohort, by=by, mapping=mapping or {}, maxima=maxima)
        preview = parse_gradebook(table, cohort=cohort, modules=modules)
        try:
            outcome = apply_gradebook(preview, by=by, assessed_on=assessed_on)
        except DomainError as error:
            raise GradebookRefused(error, preview) from error
        if dry_run:
            transaction.set_rollback(True)
    return GradebookImport(preview=preview, outcome=outcome)
