"""Forms of two-factor sign-in: a code, the office's policy, a reset's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.two_factor.models import TwoFactorPolicy


class CodeForm(BootstrapFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
                "class": "font-monospace",
            }
        ),
    )


class SetupCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = _("The 6 digits the app shows for this account after you added it.")
        self.fields["token"].widget.attrs["inputmode"] = "numeric"


class PolicyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = TwoFactorPolicy
        fields = ["require_office_staff", "require_coordinators"]


class ResetForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("For the audit log, e.g. “lost phone, identity checked by phone call”."),
    )
