"""The kinds of staff notifications, registered by the apps that raise them (in their ``AppConfig.ready``, so web
processes and workers alike know every kind), and how a notification reads in the active language."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise

from mobility.foundation.languages import NAME_LANGUAGES, in_language

# A sentence: a lazy format string (``gettext_lazy``, or ``ngettext_lazy(…, "count")`` for a plural by a parameter)
# formatted with the parameters, or a function of the parameters that returns the text in the active language.
Sentence = Any


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    label: Any  # lazy: the kind's name in filters and preferences
    sentence: Sentence


_KINDS: dict[str, NotificationKind] = {}


def staff_notification_kind_register(kind: str, *, label: Any, sentence: Sentence) -> None:
    """Add a kind. Registering the same kind again with other values is a programming error."""
    entry = NotificationKind(kind=kind, label=label, sentence=sentence)
    if _KINDS.get(kind, entry) != entry:
        raise ValueError(f"Staff notification kind {kind!r} is registered already")
    _KINDS[kind] = entry


def notification_kinds() -> list[NotificationKind]:
    return list(_KINDS.values())


def is_registered(kind: str) -> bool:
    return kind in _KINDS


def kind_label(kind: str) -> str:
    entry = _KINDS.get(kind)
    return str(entry.label) if entry else kind


def param_value(value: Any) -> Any:
    """A stored parameter as the active language shows it: a name triple in that language, a date in its format."""
    if isinstance(value, Mapping):
        if "date" in value:
            try:
                return date_format(datetime.date.fromisoformat(str(value["date"])), "SHORT_DATE_FORMAT")
            except ValueError:
                return str(value["date"])
        if set(value) & set(NAME_LANGUAGES):
            return in_language(value)
    return value


def notification_sentence(kind: str, params: Mapping[str, Any]) -> str:
    """The text of a notification of ``kind`` in the active language; the kind's code if no app registered it (a
    kind since removed), never an error on a page."""
    entry = _KINDS.get(kind)
    if entry is None:
        return kind
    values = {key: param_value(value) for key, value in params.items()}
    if not isinstance(entry.sentence, (str, Promise)):
        return str(entry.sentence(values))
    try:
        return str(entry.sentence % values)
    except (KeyError, TypeError, ValueError):
        return str(entry.label)


def names(obj: Any, field: str = "name") -> dict[str, str]:
    """A parameter holding ``obj``'s name in every language (``<field>_en``/``_ru``/``_zh``), so that each reader
    sees it in theirs."""
    return {key: getattr(obj, f"{field}_{key}", "") or "" for key in NAME_LANGUAGES}


def date_param(day: datetime.date) -> dict[str, str]:
    """A parameter holding a date, shown in the reader's format."""
    return {"date": day.isoformat()}
