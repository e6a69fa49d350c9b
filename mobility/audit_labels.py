"""The audit log's action filter in the reader's language: "Diploma: revoked" for ``diploma.revoke``.

An action is ``<object>.<verb>``; each part has its translated word here. An action not listed reads as its code.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

OBJECTS = {
    "agreement": pgettext_lazy("audit object", "Agreement"),
    "api_key": pgettext_lazy("audit object", "API key"),
    "cohort": pgettext_lazy("audit object", "Cohort"),
    "consent": pgettext_lazy("audit object", "Consent"),
    "consent_text": pgettext_lazy("audit object", "Consent text"),
    "contact": pgettext_lazy("audit object", "Contact"),
    "continuation": pgettext_lazy("audit object", "Continuation"),
    "correction": pgettext_lazy("audit object", "Correction request"),
    "design": pgettext_lazy("audit object", "Document design"),
    "diploma": pgettext_lazy("audit object", "Diploma"),
    "diploma_archive": pgettext_lazy("audit object", "ZIP of diplomas"),
    "diploma_batch": pgettext_lazy("audit object", "Diplomas of a cohort"),
    "enrollment": pgettext_lazy("audit object", "Enrollment"),
    "gradebook_mapping": pgettext_lazy("audit object", "Gradebook columns"),
    "institution": pgettext_lazy("audit object", "Institution"),
    "member": pgettext_lazy("audit object", "Partnership member"),
    "message": pgettext_lazy("audit object", "Message"),
    "module": pgettext_lazy("audit object", "Module"),
    "paper": pgettext_lazy("audit object", "Paper"),
    "quota": pgettext_lazy("audit object", "Quota"),
    "result": pgettext_lazy("audit object", "Result"),
    "saved_filter": pgettext_lazy("audit object", "Saved filter"),
    "signatory": pgettext_lazy("audit object", "Signatory"),
    "student": pgettext_lazy("audit object", "Student"),
    "thread": pgettext_lazy("audit object", "Message thread"),
    "teaching": pgettext_lazy("audit object", "Teaching assignment"),
    "track": pgettext_lazy("audit object", "Track"),
    "transcript": pgettext_lazy("audit object", "Transcript"),
    "two_factor": pgettext_lazy("audit object", "Two-factor sign-in"),
    "two_factor_policy": pgettext_lazy("audit object", "Two-factor policy"),
    "webhook": pgettext_lazy("audit object", "Webhook delivery"),
    "webhook_endpoint": pgettext_lazy("audit object", "Webhook"),
}
VERBS = {
    "account_activate": pgettext_lazy("audit action", "account activated"),
    "admitted": pgettext_lazy("audit action", "admitted"),
    "apply": pgettext_lazy("audit action", "applied"),
    "assign": pgettext_lazy("audit action", "assigned"),
    "certificate": pgettext_lazy("audit action", "certificate of study"),
    "change": pgettext_lazy("audit action", "changed"),
    "close": pgettext_lazy("audit action", "closed"),
    "completed": pgettext_lazy("audit action", "completed"),
    "create": pgettext_lazy("audit action", "created"),
    "deactivate": pgettext_lazy("audit action", "deactivated"),
    "decide": pgettext_lazy("audit action", "decided"),
    "declined": pgettext_lazy("audit action", "declined"),
    "delete": pgettext_lazy("audit action", "deleted"),
    "draft": pgettext_lazy("audit action", "draft started"),
    "credential": pgettext_lazy("audit action", "credential signed"),
    "enrolled": pgettext_lazy("audit action", "enrolled"),
    "erase": pgettext_lazy("audit action", "erased"),
    "expire": pgettext_lazy("audit action", "expired"),
    "fail": pgettext_lazy("audit action", "render failed"),
    "failed": pgettext_lazy("audit action", "failed"),
    "enable": pgettext_lazy("audit action", "turned on"),
    "given": pgettext_lazy("audit action", "given"),
    "grade_sheet": pgettext_lazy("audit action", "grade sheet"),
    "invite": pgettext_lazy("audit action", "invited"),
    "issue": pgettext_lazy("audit action", "issued"),
    "publish": pgettext_lazy("audit action", "published"),
    "personal_data_export": pgettext_lazy("audit action", "personal data exported"),
    "retention_erase": pgettext_lazy("audit action", "erased by the retention schedule"),
    "post": pgettext_lazy("audit action", "message written"),
    "record": pgettext_lazy("audit action", "recorded"),
    "reactivate": pgettext_lazy("audit action", "reactivated"),
    "reinvite": pgettext_lazy("audit action", "invited again"),
    "recovery_codes": pgettext_lazy("audit action", "new recovery codes"),
    "reissue": pgettext_lazy("audit action", "reissued"),
    "remove": pgettext_lazy("audit action", "turned off"),
    "rejected": pgettext_lazy("audit action", "rejected"),
    "render": pgettext_lazy("audit action", "numbered and rendered"),
    "replay": pgettext_lazy("audit action", "sent again"),
    "request": pgettext_lazy("audit action", "requested"),
    "reset": pgettext_lazy("audit action", "reset"),
    "retry": pgettext_lazy("audit action", "rendered again"),
    "revoke": pgettext_lazy("audit action", "revoked"),
    "roster": pgettext_lazy("audit action", "roster"),
    "save": pgettext_lazy("audit action", "saved"),
    "send": pgettext_lazy("audit action", "sent"),
    "sensitive_erase": pgettext_lazy("audit action", "passport data erased"),
    "unassign": pgettext_lazy("audit action", "assignment removed"),
    "update": pgettext_lazy("audit action", "changed"),
    "withdrawn": pgettext_lazy("audit action", "withdrawn"),
}
# Whole actions whose verb reads otherwise than the same verb of another object ("withdrawn" of an enrollment).
ACTIONS = {
    "consent.withdrawn": pgettext_lazy("audit action", "consent withdrawn"),
}


def action_label(action: str) -> str:
    """``action`` in the active language, or its code when a part of it has no word here."""
    kind, _dot, verb = action.partition(".")
    if action in ACTIONS:
        return _("%(object)s: %(action)s") % {"object": OBJECTS[kind], "action": ACTIONS[action]}
    if kind not in OBJECTS or verb not in VERBS:
        return action
    return _("%(object)s: %(action)s") % {"object": OBJECTS[kind], "action": VERBS[verb]}
