"""Forms of the diploma pages: a revocation/reissue reason, and the PDF a visitor checks on the verification page."""

from __future__ import annotations

import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.forms import BootstrapFormMixin

# The largest file the verification page reads; a diploma is some tens of kilobytes.
MAX_CHECK_SIZE = 20 * 1024 * 1024


class DiplomaReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public verification page and kept in the audit log."),
    )


class PdfCheckForm(BootstrapFormMixin, forms.Form):
    pdf = forms.FileField(
        label=_("A copy of the diploma (PDF)"),
        help_text=_("The file is read to compute its SHA-256 and is not kept. At most 20 MB."),
        # data-too-large: the message static/js/diplomas.js shows when it refuses a file before sending it.
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,.pdf", "data-too-large": _("The file is larger than 20 MB.")}
        ),
    )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_CHECK_SIZE:
            raise forms.ValidationError(_("The file is larger than 20 MB; a diploma is much smaller."))
        return upload

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.cleaned_data["pdf"].chunks():
            digest.update(chunk)
        return digest.hexdigest()
