"""The login form and the forms of partners' API keys."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin, DateInput
from mobility.foundation.models import PartnerAPIKey
from programs.models import Institution


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The e-mail address works too (mobility.foundation.logins.EmailBackend); it is longer than a user name.
        self.fields["username"].label = _("User name or e-mail")
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = "254"


class APIKeyForm(BootstrapFormMixin, forms.Form):
    """A new partner API key; ``mobility.services.api_key_create`` checks the rules."""

    compact = True

    institution: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Institution"), queryset=None)
    name = forms.CharField(
        label=_("Name"), max_length=50, help_text=_("Which system uses it, e.g. “Chongqing SIS production”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("read: students, progress, diplomas; write: nominate students and applications."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        help_text=_("The key works until the end of this day. Empty: no expiry."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["institution"].label_from_instance = lambda institution: f"{institution.code} · {institution}"
        self.fields["scopes"].choices = PartnerAPIKey.Scope.choices


class APIKeyFilterForm(BootstrapFormMixin, forms.Form):
    compact = True

    institution: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Institution"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), ("active", _("active")), ("expired", _("expired")), ("revoked", _("revoked"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.order_by("code")
        self.fields["institution"].label_from_instance = lambda institution: institution.code


class APIKeyRevokeForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
