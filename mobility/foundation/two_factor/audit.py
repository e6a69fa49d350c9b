"""How the audit entries of two-factor sign-in read (registered in ``mobility.audit_sentences.register``)."""

from django.utils.translation import gettext_lazy

from mobility.foundation.audit_sentences import audit_sentence_register, described
from mobility.foundation.two_factor.models import TwoFactorPolicy


def register() -> None:
    for action, message in (
        ("two_factor.enable", gettext_lazy("%(actor)s turned on two-factor sign-in for the account %(object)s")),
        ("two_factor.remove", gettext_lazy("%(actor)s turned off two-factor sign-in for the account %(object)s")),
        ("two_factor.recovery_codes", gettext_lazy("%(actor)s made new recovery codes for the account %(object)s")),
        ("two_factor.reset", gettext_lazy("%(actor)s reset the two-factor sign-in of the account %(object)s")),
    ):
        audit_sentence_register(action, described(message))
    audit_sentence_register(
        "two_factor_policy.update",
        described(gettext_lazy("%(actor)s changed the two-factor policy"), changes=True, model=TwoFactorPolicy),
    )
