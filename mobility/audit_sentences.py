"""How the wiring's own audit entries read: partners' API keys and the personal-data register (registered with the
foundation's webhooks in ``MobilityConfig.ready``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mobility.foundation import audit_sentences
from mobility.foundation.audit_sentences import actor_name, audit_sentence_register, described, value_text
from mobility.foundation.models import AuditEntry
from mobility.foundation.people import audit as people_audit
from mobility.foundation.two_factor import audit as two_factor_audit
from mobility.personal_data.retention import CATEGORY


def _describe_erase(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s erased the personal data of student #%(id)s") % {
        "actor": actor_name(entry),
        "id": entry.object_id,
    }


def _describe_export(entry: AuditEntry, sensitive: bool) -> str:
    fmt = (entry.changes or {}).get("format", [None, ""])[1] or ""
    return _("%(actor)s exported the personal data of student #%(id)s (%(format)s)") % {
        "actor": actor_name(entry),
        "id": entry.object_id,
        "format": str(fmt).upper(),
    }


def _describe_retention(entry: AuditEntry, sensitive: bool) -> str:
    changes = entry.changes or {}
    months = dict(part.split("=", 1) for part in (changes.get("months") or [None, ""])[1].split(",") if "=" in part)
    parts = []
    for key in (changes.get("categories") or [None, ""])[1].split(","):
        category = CATEGORY.get(key)
        label = str(category.label) if category else key
        count = int(months.get(key) or 0)
        parts.append(
            ngettext("%(category)s (%(count)d month)", "%(category)s (%(count)d months)", count)
            % {"category": label, "count": count}
        )
    return _(
        "%(actor)s erased under the retention schedule the %(categories)s of student #%(id)s, whose studies ended "
        "%(date)s"
    ) % {
        "actor": actor_name(entry),
        "categories": ", ".join(parts),
        "id": entry.object_id,
        "date": value_text((changes.get("ended_on") or [None, ""])[1]),
    }


def register() -> None:
    audit_sentences.register()
    people_audit.register()
    two_factor_audit.register()
    audit_sentence_register("api_key.create", described(gettext_lazy("%(actor)s created the %(object)s")))
    audit_sentence_register("api_key.revoke", described(gettext_lazy("%(actor)s revoked the %(object)s")))
    audit_sentence_register("student.erase", _describe_erase)
    audit_sentence_register("student.personal_data_export", _describe_export)
    audit_sentence_register("student.retention_erase", _describe_retention)
