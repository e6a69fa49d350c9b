"""The office-admin's forms: a draft design's texts (the fields of its kind, in three languages) and a signatory."""

from __future__ import annotations

from django import forms

from mobility.foundation.forms import BootstrapFormMixin, DateInput

from .models import LANG_LABELS, LANGS, TEXT_LABELS, TEXTS, DocumentDesign, Kind, Signatory, text_fields
from .services import SIGNATORY_FIELDS

LANG_ATTRIBUTES = {"ru": "ru", "en": "en", "zh": "zh-Hans"}


class DesignForm(BootstrapFormMixin, forms.ModelForm):
    """A draft's texts: only those its kind prints. Blank fields are allowed while a draft is written; publishing
    refuses an empty one (``design_publish``)."""

    class Meta:
        model = DocumentDesign
        fields = tuple(text_fields(Kind.DIPLOMA)) + ("note_ru", "note_en", "note_zh")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = set(text_fields(self.instance.kind))
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
                continue
            lang = name.rsplit("_", 1)[1]
            self.fields[name].required = False
            self.fields[name].label = LANG_LABELS[lang]  # under the text's own heading (``rows``)
            self.fields[name].widget.attrs["lang"] = LANG_ATTRIBUTES[lang]

    def _post_clean(self):
        # The model's own check (every text written) is publication's: a draft may be incomplete.
        for name in self.fields:
            setattr(self.instance, name, self.cleaned_data.get(name, ""))

    def rows(self) -> list[dict]:
        """The form's fields by text: its label and its three languages' bound fields, for the page's grid."""
        return [
            {"prefix": prefix, "label": TEXT_LABELS[prefix], "fields": [self[f"{prefix}_{lang}"] for lang in LANGS]}
            for prefix in TEXTS[Kind(self.instance.kind)]
        ]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class SignatoryForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Signatory
        fields = SIGNATORY_FIELDS
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, lang in (("name_cyrillic", "ru"), ("name_latin", "en"), ("name_han", "zh-Hans")):
            self.fields[name].widget.attrs["lang"] = lang
        for lang in LANGS:
            self.fields[f"title_{lang}"].widget.attrs["lang"] = LANG_ATTRIBUTES[lang]

    def _post_clean(self):
        # The model's checks run in the services (their refusal lands on the field it names).
        pass

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
