"""Forms of the student portal and of the office's answer to a correction request. They validate input only; the
rules are in ``students.services.corrections``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin

from ..consent.models import Consent
from ..models import CorrectionRequest
from ..services.corrections import ANSWER_MAX_LENGTH, CLOSING_STATUSES, MESSAGE_MAX_LENGTH


class CorrectionRequestForm(BootstrapFormMixin, forms.Form):
    message = forms.CharField(
        label=_("What should be corrected?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Name the field, what it says now and what it should say. The office answers here."),
    )


class CorrectionCloseForm(BootstrapFormMixin, forms.Form):
    compact = True

    request = forms.IntegerField(widget=forms.HiddenInput)

    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(status.value, status.label) for status in CLOSING_STATUSES],
        initial=CorrectionRequest.Status.DONE,
    )
    answer = forms.CharField(
        label=_("Answer to the student"),
        required=False,
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when declining."),
    )


class ConsentAnswersForm(forms.Form):
    """One required answer per consent text shown, nothing chosen beforehand: separate consents (PIPL art. 39), none
    implied by another. A field is named after its text's id, so an answer given to a version since replaced is
    missing rather than counted for the new one."""

    ANSWERS = (
        (Consent.Decision.GIVEN, _("I agree")),
        (Consent.Decision.DECLINED, _("I do not agree")),
    )

    def __init__(self, *args, texts, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts = list(texts)
        for text in self.texts:
            self.fields[self.field_name(text)] = forms.ChoiceField(
                label=text.title(),
                choices=self.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one of the two answers.")},
            )

    @staticmethod
    def field_name(text) -> str:
        return f"text_{text.pk}"

    def sections(self):
        """Each text with its field, for the template."""
        return [(text, self[self.field_name(text)]) for text in self.texts]

    def answers(self):
        return [(text, self.cleaned_data[self.field_name(text)]) for text in self.texts]
