"""Forms of the student portal and of the office's answer to a correction request. They validate input only; the
rules are in ``students.services.corrections``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin

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
