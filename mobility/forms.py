"""What every form of the staff application shares (Bootstrap markup, service refusals next to the field), the
login form and the forms of partners' API keys."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from programs.models import Institution

from .exceptions import DomainError
from .models import PartnerAPIKey


def bootstrap_class(widget: forms.Widget, *, compact: bool) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"  # on each box of a multiple choice too
    if isinstance(widget, forms.Select):
        return "form-select form-select-sm" if compact else "form-select"
    return "form-control form-control-sm" if compact else "form-control"


# To the type checker the mixin is a form (it is only ever mixed into one); at run time it adds no base.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class BootstrapFormMixin(_FormBase):
    """Bootstrap classes on every widget (smaller ones with ``compact = True``), ``is-invalid`` on the fields with
    errors (the field include shows the message next to them), and ``add_domain_error`` for a service's refusal."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = bootstrap_class(field.widget, compact=self.compact)
            if css:
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal next to the field it names, or above the form."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


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
