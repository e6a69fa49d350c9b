"""How the diplomas app's audit entries read (registered in ``DiplomasConfig.ready``)."""

import re

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.audit_sentences import actor_name, audit_sentence_register
from mobility.foundation.models import AuditEntry
from students.selectors import student_history_source_register

from .designs import audit as designs_audit
from .models import Diploma, Transcript

_UNNUMBERED = re.compile(r"#\d+ \(")


def diploma_label(entry: AuditEntry) -> str:
    """The diploma's number; "#<id>" before it has one (its ``object_repr`` then holds a status, in the language
    of whoever wrote the entry)."""
    return f"#{entry.object_id}" if _UNNUMBERED.search(entry.object_repr) else entry.object_repr


def _diploma(message):
    def describe(entry: AuditEntry, sensitive: bool) -> str:
        return str(message) % {"actor": actor_name(entry), "object": diploma_label(entry)}

    return describe


def _describe_batch(entry: AuditEntry, sensitive: bool) -> str:
    count = (entry.changes or {}).get("diplomas", [None, 0])[1] or 0
    return _("%(actor)s requested %(count)s diplomas for the cohort %(cohort)s") % {
        "actor": actor_name(entry),
        "count": count,
        "cohort": _cohort_code(entry),
    }


def _describe_render(entry: AuditEntry, sensitive: bool) -> str:
    number = (entry.changes or {}).get("number", [None, None])[1]
    if number:
        sentence = _("The diploma got the number %(number)s and is being rendered") % {"number": number}
        design = (entry.changes or {}).get("design", [None, None])[1]
        if design:
            sentence = _("%(sentence)s, in the design %(design)s") % {"sentence": sentence, "design": design}
        return sentence
    return _("The diploma %(object)s is being rendered") % {"object": diploma_label(entry)}


def _describe_issue(entry: AuditEntry, sensitive: bool) -> str:
    digest = (entry.changes or {}).get("sha256", [None, None])[1]
    sentence = _("The diploma %(object)s was issued") % {"object": diploma_label(entry)}
    if digest:
        sentence = _("%(sentence)s (SHA-256 %(digest)s…)") % {"sentence": sentence, "digest": str(digest)[:12]}
    return sentence


def _describe_reissue(entry: AuditEntry, sensitive: bool) -> str:
    replaced = (entry.changes or {}).get("replaces", [None, None])[1]
    return _("%(actor)s requested a new diploma in place of %(old)s") % {
        "actor": actor_name(entry),
        "old": replaced or "—",
    }


def _change(entry: AuditEntry, name: str):
    return ((entry.changes or {}).get(name) or [None, None])[1]


def _cohort_code(entry: AuditEntry) -> str:
    """The cohort's code: the first word of the label the entry stored (the rest is in the writer's language)."""
    return entry.object_repr.split(" ")[0]


def _describe_grade_sheet(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s printed the grade sheet of %(module)s for the cohort %(cohort)s") % {
        "actor": actor_name(entry),
        "module": _change(entry, "module") or "—",
        "cohort": _cohort_code(entry),
    }


def _describe_roster(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s printed the roster of the cohort %(cohort)s") % {
        "actor": actor_name(entry),
        "cohort": _cohort_code(entry),
    }


def _describe_certificate(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s issued the certificate of study %(number)s") % {
        "actor": actor_name(entry),
        "number": _change(entry, "certificate") or "—",
    }


def _describe_archive(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s asked for a ZIP of the %(count)s issued diplomas of the cohort %(cohort)s") % {
        "actor": actor_name(entry),
        "count": _change(entry, "diplomas") or 0,
        "cohort": _cohort_code(entry),
    }


def _student_diplomas(student):
    return ContentType.objects.get_for_model(Diploma), Diploma.objects.filter(enrollment__student=student)


def _transcript(message):
    def describe(entry: AuditEntry, sensitive: bool) -> str:
        return str(message) % {"actor": actor_name(entry), "object": entry.object_repr}

    return describe


def _student_transcripts(student):
    return ContentType.objects.get_for_model(Transcript), Transcript.objects.filter(enrollment__student=student)


def register() -> None:
    # The student's history shows their diplomas' requests, issues, revocations and reissues.
    student_history_source_register(_student_diplomas)
    audit_sentence_register("diploma.request", _diploma(gettext_lazy("%(actor)s requested the diploma %(object)s")))
    audit_sentence_register("diploma_batch.request", _describe_batch)
    audit_sentence_register("diploma.render", _describe_render)
    audit_sentence_register("diploma.issue", _describe_issue)
    audit_sentence_register("diploma.fail", _diploma(gettext_lazy("Rendering the diploma %(object)s failed")))
    audit_sentence_register("diploma.retry", _diploma(gettext_lazy("%(actor)s rendered the diploma %(object)s again")))
    audit_sentence_register("diploma.revoke", _diploma(gettext_lazy("%(actor)s revoked the diploma %(object)s")))
    audit_sentence_register("diploma.reissue", _describe_reissue)
    audit_sentence_register(
        "diploma.credential", _diploma(gettext_lazy("The diploma %(object)s got its verifiable credential"))
    )
    audit_sentence_register("paper.grade_sheet", _describe_grade_sheet)
    audit_sentence_register("paper.roster", _describe_roster)
    audit_sentence_register("paper.certificate", _describe_certificate)
    audit_sentence_register("diploma_archive.request", _describe_archive)
    student_history_source_register(_student_transcripts)
    audit_sentence_register("transcript.issue", _transcript(gettext_lazy("%(actor)s issued the transcript %(object)s")))
    audit_sentence_register(
        "transcript.revoke", _transcript(gettext_lazy("%(actor)s revoked the transcript %(object)s with its diploma"))
    )
    designs_audit.register()
