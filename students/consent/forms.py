"""The office-admin's form of a draft consent text (students/consent/views.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin

from .models import Category, ConsentText, Purpose


class ConsentTextForm(BootstrapFormMixin, forms.ModelForm):
    """A draft's titles and texts in the three languages, its recipient, the recipient's contact and the categories
    of data. Blank fields are allowed while a draft is written; publishing refuses an incomplete text
    (``consent_text_publish``)."""

    categories = forms.MultipleChoiceField(
        label=_("Categories of data"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ConsentText
        fields = (
            "title_ru",
            "title_en",
            "title_zh",
            "body_ru",
            "body_en",
            "body_zh",
            "recipient",
            "recipient_contact",
            "categories",
        )
        widgets = {f"body_{lang}": forms.Textarea(attrs={"rows": 14}) for lang in ("ru", "en", "zh")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title_ru", "title_en", "title_zh", "body_ru", "body_en", "body_zh"):
            self.fields[name].required = False
        for lang, code in (("ru", "ru"), ("en", "en"), ("zh", "zh-Hans")):
            for name in (f"title_{lang}", f"body_{lang}"):
                self.fields[name].widget.attrs["lang"] = code
        if self.instance.purpose not in (Purpose.TRANSFER_TO_RUSSIA, Purpose.TRANSFER_TO_PARTNER):
            self.fields["recipient"].help_text = _("Optional for this purpose; a transfer's text must name it.")

    def _post_clean(self):
        # The model's own checks (a transfer names its recipient) are publication's: a draft may be incomplete.
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
