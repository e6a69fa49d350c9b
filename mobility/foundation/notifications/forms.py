"""The notifications list's filter and the notification settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin

from .registry import notification_kinds


def kind_choices() -> list[tuple[str, str]]:
    return [(entry.kind, entry.label) for entry in notification_kinds()]


class NotificationFilterForm(BootstrapFormMixin, forms.Form):
    """The list's query string; an unknown value is dropped, never an error."""

    compact = True

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    unread = forms.BooleanField(label=_("Unread only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kind_choices()]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"kind": "", "unread_only": False}
        return {"kind": self.cleaned_data["kind"], "unread_only": self.cleaned_data["unread"]}


class NotificationPreferenceForm(BootstrapFormMixin, forms.Form):
    kinds = forms.MultipleChoiceField(label=_("Notify me of"), required=False, widget=forms.CheckboxSelectMultiple)
    digest = forms.BooleanField(
        label=_("Daily e-mail digest"),
        required=False,
        help_text=_("Once a day, an e-mail with the notifications you have not read yet; none when there are none."),
    )
    language = forms.ChoiceField(label=_("Language of the digest"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kind_choices()
        self.fields["language"].choices = [("", _("The site's language")), *settings.LANGUAGES]
