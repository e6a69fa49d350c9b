"""The printable personal-data page reads the export's plain JSON values as a person reads them: times in the site's
zone and the viewer's format (not UTC ISO strings), the object types by their verbose names (not "students.
enrollment"), the preferred language by its name (not "zh-hans") and each audit entry as a sentence."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.models import AuditEntry
from mobility.foundation.transfers.models import Transfer
from students.consent.models import Category, Consent, Purpose

_DATE_KEYS = ("birth_date",)
_MOMENT_KEYS = ("at", "date_joined", "last_login")


def _moment(value: str):
    try:
        moment = parse_datetime(value)
    except ValueError:
        return value
    if moment is None:
        return value
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _day(value: str):
    try:
        return parse_date(value) or value
    except ValueError:
        return value


def _readable_values(value: Any) -> Any:
    """Every ``…_at`` / ``at`` value as a local datetime and every ``…_on`` value as a date, recursively."""
    if isinstance(value, list):
        return [_readable_values(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if isinstance(item, str) and (
            key == "at" or key.endswith("_at") or key == "date_joined" or key == "last_login"
        ):
            result[key] = _moment(item)
        elif isinstance(item, str) and (key.endswith("_on") or key in _DATE_KEYS):
            result[key] = _day(item)
        elif key == "changes":
            result[key] = item  # the entry's stored values, read by its sentence
        else:
            result[key] = _readable_values(item)
    return result


def _type(label: str) -> ContentType | None:
    app_label, _dot, model = label.partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)  # cached after the first time
    except ContentType.DoesNotExist:
        return None


def _entry_readable(entry: dict, *, sensitive: bool) -> dict:
    content_type = _type(entry.get("object_type", ""))
    model = content_type.model_class() if content_type is not None else None
    audit_entry = AuditEntry(
        actor_label=entry.get("actor", ""),
        content_type=content_type,
        object_id=entry.get("object_id", ""),
        object_repr=entry.get("object", ""),
        action=entry.get("action", ""),
        changes=entry.get("changes") or {},
        reason=entry.get("reason", ""),
    )
    return {
        **entry,
        "sentence": audit_sentence(audit_entry, sensitive=sensitive),
        "object_type_label": str(model._meta.verbose_name) if model is not None else entry.get("object_type", ""),
    }


def personal_data_readable(data: dict, *, sensitive: bool) -> dict:
    """The export (``student_personal_data``, with ``views.with_labels``) shaped for the page; the JSON download keeps
    the plain values."""
    data = _readable_values(data)
    for enrollment in data["enrollments"]:
        enrollment["history"] = [_entry_readable(entry, sensitive=sensitive) for entry in enrollment["history"]]
    data["audit_log"] = [_entry_readable(entry, sensitive=sensitive) for entry in data["audit_log"]]
    _label_consents_and_transfers(data)
    language = data["account"].get("language") or ""
    data["account"]["language_name"] = str(dict(settings.LANGUAGES).get(language, language))
    return data


def _label_consents_and_transfers(data: dict) -> None:
    """The codes of the consents and transfers by their names in the reader's language."""
    purposes, categories = dict(Purpose.choices), dict(Category.choices)
    decisions, given_by, channels = (
        dict(Consent.Decision.choices),
        dict(Consent.GivenBy.choices),
        dict(Consent.Channel.choices),
    )
    for item in data.get("consents", []):
        item["purpose_label"] = purposes.get(item["purpose"], item["purpose"])
        item["decision_label"] = decisions.get(item["decision"], item["decision"])
        item["given_by_label"] = given_by.get(item["given_by"], item["given_by"])
        item["channel_label"] = channels.get(item["channel"], item["channel"])
    directions, transfer_channels = dict(Transfer.Direction.choices), dict(Transfer.Channel.choices)
    for item in data.get("transfers", []):
        item["direction_label"] = directions.get(item["direction"], item["direction"])
        item["channel_label"] = transfer_channels.get(item["channel"], item["channel"])
        item["category_labels"] = [str(categories.get(code, code)) for code in item["categories"]]
