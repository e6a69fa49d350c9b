"""Forms of the messages pages: saving the list's filter, writing a message (audience and three versions)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin
from programs.models import Cohort

from ..forms import CohortChoiceField
from ..models import Message, SavedFilter
from .models import VERSIONS
from .selectors import filter_params, saved_filter_list

LANGUAGE_LABELS = {"ru": _("Russian"), "en": _("English"), "zh-hans": _("Chinese")}


class SavedFilterForm(BootstrapFormMixin, forms.Form):
    compact = True

    name = forms.CharField(label=_("Name of the filter"), max_length=100)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def params(self) -> dict[str, str]:
        return filter_params(QueryDict(self.cleaned_data.get("query") or ""))


class MessageForm(BootstrapFormMixin, forms.Form):
    """The audience and the versions of a message; a language is written when its subject and text both are."""

    audience = forms.ChoiceField(label=_("Send to"), choices=Message.Audience.choices, widget=forms.RadioSelect)
    saved_filter = forms.ModelChoiceField(
        label=_("Saved filter"), queryset=SavedFilter.objects.none(), required=False, empty_label=_("Choose…")
    )
    cohort = CohortChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.select_related("track").order_by("-start_date", "code"),
        required=False,
        empty_label=_("Choose…"),
    )
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_filter"].queryset = saved_filter_list()
        for language, suffix in VERSIONS:
            label = LANGUAGE_LABELS[language]
            self.fields[f"subject_{suffix}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": label}, max_length=200, required=False
            )
            self.fields[f"body_{suffix}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": label},
                max_length=10000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            for name in (f"subject_{suffix}", f"body_{suffix}"):
                self.fields[name].widget.attrs.update({"class": "form-control", "lang": language})

    def version_fields(self):
        """(language, its label, the subject's bound field, the text's bound field) for each version."""
        return [
            (language, LANGUAGE_LABELS[language], self[f"subject_{suffix}"], self[f"body_{suffix}"])
            for language, suffix in VERSIONS
        ]

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == Message.Audience.SAVED_FILTER and not data.get("saved_filter"):
            self.add_error("saved_filter", _("Choose a saved filter."))
        if audience == Message.Audience.COHORT and not data.get("cohort"):
            self.add_error("cohort", _("Choose a cohort."))
        if audience == Message.Audience.QUERY and not self.params():
            self.add_error("audience", _("Open this page from a filtered students list to write to its students."))
        written = 0
        for _language, suffix in VERSIONS:
            subject, body = (data.get(f"{part}_{suffix}", "").strip() for part in ("subject", "body"))
            if subject and not body:
                self.add_error(f"body_{suffix}", _("Write the text too, or leave the subject empty."))
            elif body and not subject:
                self.add_error(f"subject_{suffix}", _("Write the subject too, or leave the text empty."))
            written += bool(subject and body)
        if not written:
            raise forms.ValidationError(_("Write the subject and the text in at least one language."))
        return data

    def params(self) -> dict[str, str]:
        return filter_params(QueryDict(self.cleaned_data.get("query") or self.data.get("query") or ""))

    def versions(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {language: (data[f"subject_{suffix}"], data[f"body_{suffix}"]) for language, suffix in VERSIONS}
