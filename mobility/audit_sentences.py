"""How the wiring's own audit entries read: partners' API keys and the personal-data register (registered with the
foundation's webhooks in ``MobilityConfig.ready``)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation import audit_sentences
from mobility.foundation.audit_sentences import actor_name, audit_sentence_register, described
from mobility.foundation.models import AuditEntry
from mobility.foundation.people import audit as people_audit
from mobility.foundation.two_factor import audit as two_factor_audit


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


def register() -> None:
    audit_sentences.register()
    people_audit.register()
    two_factor_audit.register()
    audit_sentence_register("api_key.create", described(gettext_lazy("%(actor)s created the %(object)s")))
    audit_sentence_register("api_key.revoke", described(gettext_lazy("%(actor)s revoked the %(object)s")))
    audit_sentence_register("student.erase", _describe_erase)
    audit_sentence_register("student.personal_data_export", _describe_export)
