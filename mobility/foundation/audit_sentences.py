"""Audit entries read as sentences in the reader's language ("Nadezhda Popova recorded the result MECH-12: 85, 4
(good)").

The foundation knows no app: each app registers a describer per action it writes (``audit_sentence_register``,
called from its ``AppConfig.ready``). A describer reads only the entry (its actor, ``object_repr``, ``changes`` and
``reason``), never the database, so a page of a hundred entries costs no query per entry. An action without a
describer still reads as a translated sentence built from the model's verbose field names (``audit_fallback``).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.models import AuditEntry
from mobility.foundation.numbers import score_text

Describer = Callable[[AuditEntry, bool], str]
"""``describer(entry, sensitive) -> sentence``; ``sensitive``: the reader may see passport data."""

_DESCRIBERS: dict[str, Describer] = {}
logger = logging.getLogger(__name__)
MASK = "•••"


def audit_sentence_register(action: str, describer: Describer) -> None:
    """Say how entries of ``action`` read. Called from an app's ``AppConfig.ready``; registering twice replaces."""
    _DESCRIBERS[action] = describer


def audit_actions_described() -> frozenset[str]:
    return frozenset(_DESCRIBERS)


def audit_sentence(entry: AuditEntry, *, sensitive: bool = False) -> str:
    """The entry as one sentence in the active language (no final period: a date may end it, "30 июня 2026 г.")."""
    describer = _DESCRIBERS.get(entry.action)
    if describer is None:
        return audit_fallback(entry, sensitive)
    try:
        return describer(entry, sensitive)
    except Exception:  # noqa: BLE001 - an old entry of another shape must not break the page that lists it
        logger.exception("audit entry %s (%s) does not fit its describer", entry.pk, entry.action)
        return audit_fallback(entry, sensitive)


# --- the parts of a sentence ---------------------------------------------------------------------------------------

_API_KEY = re.compile(r"^api-key:(?P<code>[^:]*):(?P<name>.*)$")


def actor_name(entry: AuditEntry) -> str:
    """Who acted, as a person reads it: the user's full name (their user name when they have none), the system, or
    a partner's system by its API key."""
    user = entry.actor
    if user is not None:
        return user.get_full_name() or user.get_username()
    if entry.actor_label in ("", "system"):
        return _("The system")
    match = _API_KEY.match(entry.actor_label)
    if match:
        return _("The system of %(institution)s (API key %(key)s)") % {
            "institution": match["code"],
            "key": match["name"],
        }
    return entry.actor_label


def value_text(value: Any, field: models.Field | None = None) -> str:
    """A stored value as the reader reads it: a choice's label, a date in the site's format and zone, yes/no."""
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        labels = {str(key): label for key, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return _("yes") if value in (True, "True", "true") else _("no")
    if isinstance(field, models.DateTimeField) or (field is None and isinstance(value, str) and "T" in value):
        moment = _parsed(parse_datetime, value)
        if isinstance(moment, datetime.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField) or (field is None and isinstance(value, str)):
        day = _parsed(parse_date, value)
        if isinstance(day, datetime.date):
            return date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(field, models.DecimalField):
        return score_text(value)
    return str(value)


def _parsed(parse: Callable[[str], Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse(value)
    except ValueError:  # shaped like a date, but none
        return None


def model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - an old entry may name a field the model lost; it still reads
        return None
    return field if isinstance(field, models.Field) else None


def field_label(model: type[models.Model] | None, name: str) -> str:
    field = model_field(model, name)
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def changes_text(
    entry: AuditEntry,
    *,
    model: type[models.Model] | None = None,
    hidden: Iterable[str] = (),
    sensitive: bool = False,
    only: Iterable[str] | None = None,
) -> str:
    """ "field: old → new; field: new" with the model's verbose names and readable values. Values of ``hidden`` fields
    (passport data) are masked unless the reader is ``sensitive``."""
    model = model or _model_of(entry)
    hidden, wanted = set(hidden), set(only) if only is not None else None
    parts = []
    for name, pair in (entry.changes or {}).items():
        if wanted is not None and name not in wanted:
            continue
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        field = model_field(model, name)
        if name in hidden and not sensitive:
            old, new = (MASK if value not in (None, "") else value for value in (old, new))
            shown_old, shown_new = (value if value == MASK else value_text(value) for value in (old, new))
        else:
            shown_old, shown_new = value_text(old, field), value_text(new, field)
        label = field_label(model, name)
        if old in (None, ""):
            parts.append(_("%(field)s: %(new)s") % {"field": label, "new": shown_new})
        elif new in (None, ""):
            parts.append(_("%(field)s: %(old)s removed") % {"field": label, "old": shown_old})
        else:
            parts.append(_("%(field)s: %(old)s → %(new)s") % {"field": label, "old": shown_old, "new": shown_new})
    return "; ".join(parts)


def _model_of(entry: AuditEntry) -> type[models.Model] | None:
    # ContentType's own cache answers after the first time: no query per entry.
    return entry.content_type.model_class() if entry.content_type_id else None


def with_changes(sentence: str, changes: str) -> str:
    return _("%(sentence)s: %(changes)s") % {"sentence": sentence, "changes": changes} if changes else sentence


def audit_fallback(entry: AuditEntry, sensitive: bool = False) -> str:
    """An action no app described: "<actor> changed <object>: <field> a → b", still translated."""
    sentence = _("%(actor)s changed %(object)s") % {"actor": actor_name(entry), "object": entry.object_repr}
    return with_changes(sentence, changes_text(entry, sensitive=sensitive))


def described(
    message: str | Promise,
    *,
    changes: bool = False,
    model: type[models.Model] | None = None,
    hidden: Iterable[str] = (),
) -> Describer:
    """A describer from a (lazy) message with ``%(actor)s`` and ``%(object)s``, followed by the changes when
    ``changes`` (an update) is set."""
    hidden = tuple(hidden)

    def describe(entry: AuditEntry, sensitive: bool) -> str:
        sentence = str(message) % {"actor": actor_name(entry), "object": entry.object_repr}
        if not changes:
            return sentence
        return with_changes(sentence, changes_text(entry, model=model, hidden=hidden, sensitive=sensitive))

    return describe


# The foundation's own actions: partners' webhook endpoints and deliveries.
def register() -> None:
    for action, message, changes in (
        ("webhook.replay", gettext_lazy("%(actor)s sent the webhook %(object)s again"), False),
        ("webhook_endpoint.create", gettext_lazy("%(actor)s added the webhook endpoint %(object)s"), False),
        ("webhook_endpoint.update", gettext_lazy("%(actor)s changed the webhook endpoint %(object)s"), True),
        ("webhook_endpoint.delete", gettext_lazy("%(actor)s deleted the webhook endpoint %(object)s"), False),
    ):
        audit_sentence_register(action, described(message, changes=changes))
