"""How the students app's audit entries read (registered in ``StudentsConfig.ready``).

Entries about an enrollment name it "student · cohort · status" (``object_repr``, the status at the time of
writing): the sentences take the student and the cohort from it. Results and continuations are written on their
enrollment, with changes keyed "<module>#<attempt>.<field>" and "continuation <program>@<university>.<field>"."""

import re
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.audit_sentences import (
    actor_name,
    audit_sentence_register,
    changes_text,
    described,
    field_label,
    model_field,
    value_text,
    with_changes,
)
from mobility.foundation.models import AuditEntry
from mobility.foundation.numbers import score_text

from .consent import audit as consent_audit
from .models import Continuation, CorrectionRequest, ModuleResult, Student

_RESULT_KEY = re.compile(r"^(?P<module>.+)#(?P<attempt>\d+)\.(?P<field>\w+)$")
_CONTINUATION_KEY = re.compile(r"^continuation (?P<program>.*)@(?P<university>[^.]*)\.(?P<field>\w+)$")

# The state machine's steps (``enrollment.<target status>``) and the application.
ENROLLMENT_SENTENCES = {
    "enrollment.apply": gettext_lazy("%(actor)s recorded the application of %(student)s to %(cohort)s"),
    "enrollment.admitted": gettext_lazy("%(actor)s admitted %(student)s to %(cohort)s"),
    "enrollment.rejected": gettext_lazy("%(actor)s rejected the application of %(student)s to %(cohort)s"),
    "enrollment.enrolled": gettext_lazy("%(actor)s enrolled %(student)s in %(cohort)s"),
    "enrollment.withdrawn": gettext_lazy("%(actor)s withdrew %(student)s from %(cohort)s"),
    "enrollment.failed": gettext_lazy("%(actor)s closed the studies of %(student)s in %(cohort)s as failed"),
    "enrollment.completed": gettext_lazy("%(actor)s recorded that %(student)s completed %(cohort)s"),
}


def enrollment_parts(entry: AuditEntry) -> dict[str, str]:
    """The student and the cohort named by an enrollment's ``object_repr``."""
    parts = entry.object_repr.split(" · ")
    return {"student": parts[0], "cohort": parts[1] if len(parts) > 1 else ""}


def _enrollment(message):
    def describe(entry: AuditEntry, sensitive: bool) -> str:
        return str(message) % {"actor": actor_name(entry), **enrollment_parts(entry)}

    return describe


def _results(entry: AuditEntry) -> list[tuple[str, str, dict[str, list]]]:
    grouped: dict[tuple[str, str], dict[str, list]] = defaultdict(dict)
    for key, pair in (entry.changes or {}).items():
        match = _RESULT_KEY.match(key)
        if match:
            grouped[(match["module"], match["attempt"])][match["field"]] = pair
    return [(module, attempt, fields) for (module, attempt), fields in grouped.items()]


def _module_text(module: str, attempt: str) -> str:
    if attempt == "1":
        return module
    return _("%(module)s (attempt %(attempt)s)") % {"module": module, "attempt": attempt}


def _result_value(fields: dict[str, list]) -> str:
    """ "85, 4 (good)" from the new score and grade, or the grade alone."""
    score = (fields.get("score") or [None, None])[1]
    grade = (fields.get("grade") or [None, None])[1]
    grade_text = value_text(grade, model_field(ModuleResult, "grade")) if grade else ""
    if score not in (None, ""):
        if not grade_text:
            return score_text(score)
        return _("%(score)s, %(grade)s") % {"score": score_text(score), "grade": grade_text}
    return grade_text


def describe_result_record(entry: AuditEntry, sensitive: bool) -> str:
    values = "; ".join(
        _("%(module)s: %(value)s") % {"module": _module_text(module, attempt), "value": _result_value(fields)}
        for module, attempt, fields in _results(entry)
    )
    return _("%(actor)s recorded the result of %(student)s: %(results)s") % {
        "actor": actor_name(entry),
        "results": values,
        "student": enrollment_parts(entry)["student"],
    }


def describe_result_change(entry: AuditEntry, sensitive: bool) -> str:
    sentences = []
    for module, attempt, fields in _results(entry):
        changes = []
        for field, (old, new) in fields.items():
            result_field = model_field(ModuleResult, field)
            shown_old, shown_new = (
                score_text(value) if field == "score" and value is not None else value_text(value, result_field)
                for value in (old, new)
            )
            changes.append(
                _("%(field)s: %(old)s → %(new)s")
                % {"field": field_label(ModuleResult, field), "old": shown_old, "new": shown_new}
            )
        sentences.append(
            _("%(actor)s corrected the result of %(module)s for %(student)s")
            % {
                "actor": actor_name(entry),
                "module": _module_text(module, attempt),
                "student": enrollment_parts(entry)["student"],
            }
            + ": "
            + "; ".join(changes)
        )
    return "; ".join(sentences)


def _continuation(entry: AuditEntry) -> tuple[str, str]:
    program = university = ""
    fields = {}
    for key, pair in (entry.changes or {}).items():
        match = _CONTINUATION_KEY.match(key)
        if match:
            program, university = match["program"], match["university"]
            fields[match["field"]] = pair
    changes = "; ".join(
        _("%(field)s: %(new)s") % {"field": field_label(Continuation, field), "new": value_text(new, _f(field))}
        for field, (old, new) in fields.items()
    )
    return _("%(program)s at %(university)s") % {"program": program, "university": university}, changes


def _f(name):
    return model_field(Continuation, name)


def describe_continuation(message):
    def describe(entry: AuditEntry, sensitive: bool) -> str:
        program, changes = _continuation(entry)
        sentence = str(message) % {
            "actor": actor_name(entry),
            "student": enrollment_parts(entry)["student"],
            "program": program,
        }
        return with_changes(sentence, changes)

    return describe


def describe_student_change(entry: AuditEntry, sensitive: bool) -> str:
    sentence = _("%(actor)s changed the record of %(object)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr,
    }
    changes = changes_text(entry, model=Student, hidden=Student.SENSITIVE_FIELDS, sensitive=sensitive)
    return with_changes(sentence, changes)


def describe_correction_close(entry: AuditEntry, sensitive: bool) -> str:
    new = (entry.changes or {}).get("status", [None, None])[1]
    return _("%(actor)s answered the correction request of %(object)s: %(status)s") % {
        "actor": actor_name(entry),
        "object": entry.object_repr.split(" · ")[0],
        "status": value_text(new, model_field(CorrectionRequest, "status")),
    }


def describe_gradebook_mapping(entry: AuditEntry, sensitive: bool) -> str:
    items = "; ".join(
        _("%(item)s → %(module)s") % {"item": item, "module": new or "—"}
        for item, (old, new) in (entry.changes or {}).items()
    )
    sentence = _("%(actor)s matched the gradebook items of %(object)s to modules") % {
        "actor": actor_name(entry),
        "object": entry.object_repr.split(" ")[0],
    }
    return with_changes(sentence, items)


def _change(entry: AuditEntry, name: str, *, old: bool = False):
    pair = (entry.changes or {}).get(name) or [None, None]
    return pair[0] if old else pair[1]


def describe_saved_filter_create(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s saved the students filter “%(name)s”") % {"actor": actor_name(entry), "name": entry.object_repr}


def describe_saved_filter_delete(entry: AuditEntry, sensitive: bool) -> str:
    name = _change(entry, "name", old=True) or entry.object_repr
    return _("%(actor)s deleted the saved filter “%(name)s”") % {"actor": actor_name(entry), "name": name}


def describe_message_send(entry: AuditEntry, sensitive: bool) -> str:
    return _("%(actor)s sent the message “%(subject)s” to %(count)s students (%(audience)s)") % {
        "actor": actor_name(entry),
        "subject": entry.object_repr,
        "count": _change(entry, "recipients") or 0,
        "audience": _change(entry, "audience") or "—",
    }


def register() -> None:
    consent_audit.register()
    audit_sentence_register("saved_filter.create", describe_saved_filter_create)
    audit_sentence_register("saved_filter.delete", describe_saved_filter_delete)
    audit_sentence_register("message.send", describe_message_send)
    # The thread's label: "<college code> · <student>", or the code alone for the general thread.
    audit_sentence_register(
        "thread.post", described(gettext_lazy("%(actor)s wrote in the message thread %(object)s with the office"))
    )
    for action, message in ENROLLMENT_SENTENCES.items():
        audit_sentence_register(action, _enrollment(message))
    audit_sentence_register("result.record", describe_result_record)
    audit_sentence_register("result.change", describe_result_change)
    audit_sentence_register(
        "continuation.record",
        describe_continuation(gettext_lazy("%(actor)s recorded the application of %(student)s to %(program)s")),
    )
    audit_sentence_register(
        "continuation.decide",
        describe_continuation(gettext_lazy("%(actor)s recorded the decision on %(student)s for %(program)s")),
    )
    audit_sentence_register(
        "student.create", described(gettext_lazy("%(actor)s added the student %(object)s"), model=Student)
    )
    audit_sentence_register("student.change", describe_student_change)
    audit_sentence_register(
        "student.invite",
        described(gettext_lazy("%(actor)s invited %(object)s to the student portal"), model=Student),
    )
    audit_sentence_register(
        "student.account_activate",
        described(gettext_lazy("%(object)s set a password and opened the student portal"), model=Student),
    )
    audit_sentence_register(
        "correction.create",
        lambda entry, sensitive: (
            _("%(object)s asked the office to correct their record") % {"object": entry.object_repr.split(" · ")[0]}
        ),
    )
    audit_sentence_register("correction.close", describe_correction_close)
    audit_sentence_register("gradebook_mapping.save", describe_gradebook_mapping)
