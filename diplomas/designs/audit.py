"""How the audit entries of designs and signatories read (registered with the diplomas app's, diplomas/audit.py)."""

from django.utils.translation import gettext as _

from mobility.foundation.audit_sentences import actor_name, audit_sentence_register, field_label
from mobility.foundation.models import AuditEntry

from .models import DocumentDesign, Signatory


def _fields(model, entry: AuditEntry) -> str:
    """The changed fields' names in the model's order: PostgreSQL's jsonb keeps an entry's keys in an order of its
    own, so the stored order is not the one written."""
    changed = set(entry.changes or {})
    order = [field.name for field in model._meta.fields if field.name in changed]
    names = order + sorted(changed - set(order))
    return ", ".join(field_label(model, name) for name in names) or "—"


def describe_draft(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s started the draft of the design %(object)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
    }


def describe_change(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s changed the draft of the design %(object)s: %(fields)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
        "fields": _fields(DocumentDesign, entry),
    }


def describe_publish(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s published the design %(object)s; documents issued from now on print it") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
    }


def describe_signatory_create(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s added the signatory %(object)s") % {"actor": actor_name(entry), "object": entry.object_repr}


def describe_signatory_change(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s changed the signatory %(object)s: %(fields)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
        "fields": _fields(Signatory, entry),
    }


def register() -> None:
    audit_sentence_register("design.draft", describe_draft)
    audit_sentence_register("design.change", describe_change)
    audit_sentence_register("design.publish", describe_publish)
    audit_sentence_register("signatory.create", describe_signatory_create)
    audit_sentence_register("signatory.change", describe_signatory_change)
