"""The reply form of a thread, on the office's pages and the partner portal's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin

from .models import BODY_MAX_LENGTH


class ThreadPostForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
    )
