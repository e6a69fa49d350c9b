"""How the audit entries of consents read (registered with the students app's, ``students/audit.py``): a decision,
the erasure of the sensitive fields a consent's end brings, and the office-admin's drafts and publications."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.audit_sentences import actor_name, audit_sentence_register, field_label, value_text
from mobility.foundation.models import AuditEntry
from students.models import Student

from .models import Consent, ConsentText

DECISION_SENTENCES = {
    "consent.given": gettext_lazy(
        "%(actor)s recorded the consent of %(object)s to %(purpose)s, version %(version)s (%(given_by)s, %(channel)s)"
    ),
    "consent.declined": gettext_lazy(
        "%(actor)s recorded that %(object)s declined the consent to %(purpose)s, version %(version)s "
        "(%(given_by)s, %(channel)s)"
    ),
    "consent.withdrawn": gettext_lazy(
        "%(actor)s recorded that %(object)s withdrew the consent to %(purpose)s, version %(version)s "
        "(%(given_by)s, %(channel)s)"
    ),
}


def _new(entry: AuditEntry, name: str):
    return ((entry.changes or {}).get(name) or [None, None])[1]


def _decision(action: str):
    def describe(entry: AuditEntry, sensitive: bool) -> str:
        return str(DECISION_SENTENCES[action]) % {
            "actor": actor_name(entry),
            "object": entry.object_repr,
            "purpose": value_text(_new(entry, "purpose"), Consent._meta.get_field("purpose")),
            "version": _new(entry, "version") or "?",
            "given_by": value_text(_new(entry, "given_by"), Consent._meta.get_field("given_by")),
            "channel": value_text(_new(entry, "channel"), Consent._meta.get_field("channel")),
        }

    return describe


def describe_sensitive_erase(entry: AuditEntry, sensitive: bool) -> str:
    fields = ", ".join(field_label(Student, name) for name in (entry.changes or {}))
    return _("%(actor)s erased %(fields)s of %(object)s, as the consent that covered them ended") % {
        "actor": actor_name(entry),
        "fields": fields or "—",
        "object": entry.object_repr,
    }


def describe_text_draft(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s started the draft of the consent text %(object)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
    }


def describe_text_change(entry: AuditEntry, sensitive: bool) -> str:
    # The names of the fields changed, not the texts: both versions stay readable on the texts' pages.
    fields = ", ".join(field_label(ConsentText, name) for name in (entry.changes or {}))
    return _("%(actor)s changed the draft of the consent text %(object)s: %(fields)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
        "fields": fields or "—",
    }


def describe_text_publish(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s published the consent text %(object)s; students are asked about it again") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
    }


def register() -> None:
    for action in DECISION_SENTENCES:
        audit_sentence_register(action, _decision(action))
    audit_sentence_register("student.sensitive_erase", describe_sensitive_erase)
    audit_sentence_register("consent_text.draft", describe_text_draft)
    audit_sentence_register("consent_text.change", describe_text_change)
    audit_sentence_register("consent_text.publish", describe_text_publish)
