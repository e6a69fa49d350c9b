"""The mapping of a cohort's gradebook items to modules (and a ``Real`` item's maximum points): the suggestion from
the item's name and ``gradebook_mapping_save``, the only writer of ``GradebookMapping``."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, audit_record
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort, Module

from ...models import GradebookMapping
from .columns import MAX_POINTS_LIMIT, TWO_PLACES, points_label


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
