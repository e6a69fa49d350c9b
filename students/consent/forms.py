"""The office-admin's form of a draft consent text (``ConsentTextForm``, students/consent/views.py), and the
attestation of the transfer consent on a form (the partner portal's nomination, the office's student form):
the published text's version, the current one preselected, and the day the consent was collected. Required when the
form brings passport data or a birth date for a student who holds no such consent; the services check it again."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.forms import BootstrapFormMixin, DateInput, bootstrap_class

from .models import SENSITIVE_PURPOSE, Category, ConsentText, Purpose
from .services import ATTESTATION_FIELD, Attestation

# The form's fields: the version select carries the services' field name, so their refusal lands on it.
VERSION_FIELD = ATTESTATION_FIELD
DATE_FIELD = f"{ATTESTATION_FIELD}_on"


def _choice_label(text: ConsentText) -> str:
    assert text.published_at is not None  # published texts only
    published = formats.date_format(timezone.localtime(text.published_at).date(), "SHORT_DATE_FORMAT")
    return _("version %(version)d of %(date)s: %(title)s") % {
        "version": text.version,
        "date": published,
        "title": text.title(),
    }


class TransferConsentFields:
    """Mixin of a ``forms.Form``: ``add_transfer_consent_fields`` adds the two fields, ``transfer_consent_clean``
    (from ``clean``) checks them and leaves the ``Attestation`` (or ``None``) in ``self.attestation``."""

    attestation: Attestation | None = None
    consent_statement: str | Promise = ""

    def add_transfer_consent_fields(self, *, statement: str | Promise) -> None:
        form = cast(forms.Form, self)
        texts = list(ConsentText.objects.filter(purpose=SENSITIVE_PURPOSE, published_at__isnull=False))
        texts.sort(key=lambda text: -text.version)
        self.consent_statement = statement
        form.fields[VERSION_FIELD] = forms.TypedChoiceField(
            label=gettext_lazy("Version of the consent text"),
            choices=[(text.version, _choice_label(text)) for text in texts],
            coerce=int,
            empty_value=None,
            required=False,
            initial=texts[0].version if texts else None,
        )
        form.fields[DATE_FIELD] = forms.DateField(
            label=gettext_lazy("Collected on"),
            required=False,
            widget=DateInput(),
            help_text=gettext_lazy("The day the consent was signed; required with passport data or the birth date."),
        )
        for name in (VERSION_FIELD, DATE_FIELD):  # added after ``BootstrapFormMixin`` classed the others
            widget = form.fields[name].widget
            widget.attrs["class"] = bootstrap_class(widget, compact=getattr(form, "compact", False))

    def transfer_consent_clean(self, data: dict, *, needed: bool, given_by: str, channel: str) -> None:
        """``needed``: the form brings passport data or a birth date for a student who holds no consent to their
        transfer. A date in the future, or a missing attestation when needed, is an error on its field."""
        form = cast(forms.Form, self)
        version, collected_on = data.get(VERSION_FIELD), data.get(DATE_FIELD)
        self.attestation = None
        if collected_on is not None and collected_on > timezone.localdate():
            form.add_error(DATE_FIELD, _("The consent's collection date is in the future."))
            return
        if needed and version is None:
            form.add_error(VERSION_FIELD, _("Choose the version of the consent text the student signed."))
        if needed and collected_on is None:
            form.add_error(
                DATE_FIELD,
                _(
                    "Passport data and the birth date are accepted only with the student's consent to their "
                    "transfer to Russia: enter the day it was collected."
                ),
            )
        if version is not None and collected_on is not None:
            self.attestation = Attestation(
                version=version, collected_on=collected_on, channel=channel, given_by=given_by
            )


class ConsentTextForm(BootstrapFormMixin, forms.ModelForm):
    """A draft's titles and texts in the three languages, its recipient, the recipient's contact and the categories
    of data. Blank fields are allowed while a draft is written; publishing refuses an incomplete text
    (``consent_text_publish``)."""

    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Categories of data"),
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
            self.fields["recipient"].help_text = gettext_lazy(
                "Optional for this purpose; a transfer's text must name it."
            )

    def _post_clean(self):
        # The model's own checks (a transfer names its recipient) are publication's: a draft may be incomplete.
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
