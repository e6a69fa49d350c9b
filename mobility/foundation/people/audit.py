"""How the audit entries about the partnership's people read (registered with the wiring's in
``mobility.audit_sentences.register``)."""

from django.utils.translation import gettext_lazy as _

from mobility.foundation.audit_sentences import audit_sentence_register, described

from .models import Membership

# action: (message, whether the changes follow)
SENTENCES = {
    "member.invite": (_("%(actor)s invited %(object)s"), False),
    "member.reinvite": (_("%(actor)s sent the invitation to %(object)s again"), False),
    "member.deactivate": (_("%(actor)s deactivated the account of %(object)s"), False),
    "member.reactivate": (_("%(actor)s reactivated the account of %(object)s"), False),
    "member.update": (_("%(actor)s changed %(object)s"), True),
    "member.account_activate": (_("%(actor)s set their password and activated their account"), False),
}


def register() -> None:
    for action, (message, changes) in SENTENCES.items():
        audit_sentence_register(action, described(message, model=Membership, changes=changes))
