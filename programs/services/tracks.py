"""Writes about tracks and their modules (a module's code is unique within its track)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor
from mobility.foundation.exceptions import DomainError

from ..models import Module, Track
from .base import Data, _create, _update, _validate

TRACK_FIELDS = (
    "code",
    "name_en",
    "name_ru",
    "name_zh",
    "description_en",
    "description_ru",
    "description_zh",
    "pass_score",
    "good_score",
    "excellent_score",
    "is_active",
)
MODULE_FIELDS = (
    "code",
    "title_en",
    "title_ru",
    "title_zh",
    "hours",
    "credits",
    "assessment_kind",
    "is_required",
    "order",
)


def track_create(*, by: Actor, data: Data) -> Track:
    """Create a track. Atomic; one audit entry."""
    return _create(Track(), by=by, data=data, fields=TRACK_FIELDS, action="track.create")


def track_update(*, track: Track, by: Actor, data: Data) -> Track:
    """Change a track. Atomic; an audit entry when something changed."""
    return _update(track, by=by, data=data, fields=TRACK_FIELDS, action="track.update")


def _module_code_free(module: Module) -> None:
    taken = Module.objects.filter(track_id=module.track_id, code=module.code).exclude(pk=module.pk)
    if taken.exists():
        raise DomainError(
            _("Track %(track)s already has a module with the code %(code)s.")
            % {"track": module.track.code, "code": module.code},
            code="duplicate_code",
            field="code",
        )


def _module_save(module: Module) -> None:
    _module_code_free(module)
    _validate(module)
    try:
        with transaction.atomic():
            module.save()
    except IntegrityError:
        # Another request took the code between the check and the insert: the constraint held; say so clearly.
        _module_code_free(module)
        raise


def module_create(*, track: Track, by: Actor, data: Data) -> Module:
    """Add a module to a track's curriculum. Atomic; the code is unique within the track (``field="code"``)."""
    return _create(
        Module(track=track), by=by, data=data, fields=MODULE_FIELDS, action="module.create", save=_module_save
    )


def module_update(*, module: Module, by: Actor, data: Data) -> Module:
    """Change a module. Atomic; the code stays unique within the track."""
    return _update(module, by=by, data=data, fields=MODULE_FIELDS, action="module.update", save=_module_save)
