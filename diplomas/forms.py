"""Forms of the diploma pages: a revocation/reissue reason, the PDF and the name a visitor checks on the verification
page, and the register's filters."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mobility.foundation import uploads
from mobility.foundation.forms import BootstrapFormMixin
from programs.models import Cohort, Track
from students.forms import CohortChoiceField, ListFilterForm

from .models import Diploma
from .selectors import REGISTER_SORTS


class DiplomaReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public verification page and kept in the audit log."),
    )


class PdfCheckForm(BootstrapFormMixin, forms.Form):
    """A copy of a diploma to compare with the issued file (``verification.copy_check``). It must be a PDF by its
    content (starts with ``%PDF-``), whatever its name, and at most ``UPLOAD_MAX_PDF_MB``. It is read in memory and
    never stored: hashed, and when it is not the issued file, its signature and text are read (pyHanko, pikepdf)."""

    pdf = forms.FileField(
        label=_("A copy of the diploma (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = uploads.pdf_max_bytes()
        mb = {"mb": settings.UPLOAD_MAX_PDF_MB}
        self.fields["pdf"].help_text = (
            _(
                "The file is compared with the issued diploma (its SHA-256, signature and number) and is not "
                "kept. At most %(mb)d MB."
            )
            % mb
        )
        # data-too-large: the message static/js/diplomas.js shows when it refuses a file before sending it.
        self.fields["pdf"].widget.attrs["data-too-large"] = self.too_large_message()

    def too_large_message(self) -> str:
        return _("The file is larger than %(mb)d MB; a diploma is much smaller.") % {"mb": settings.UPLOAD_MAX_PDF_MB}

    def refuse(self, message: str) -> None:
        """Show ``message`` as the error of this unbound form: the upload was refused without being read, so there
        is nothing to validate (``add_error`` needs the ``cleaned_data`` that validation makes)."""
        self.full_clean()  # unbound: no errors, nothing read
        self.cleaned_data = {}
        self.add_error(None, forms.ValidationError(message, code="file_too_large"))

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(self.too_large_message(), code="file_too_large")
        if not uploads.starts_as_pdf(upload):
            raise forms.ValidationError(_("The file is not a PDF document; a diploma is a PDF file."), code="not_pdf")
        return upload

    def content(self) -> bytes:
        """The uploaded file's bytes (at most ``UPLOAD_MAX_PDF_MB``, checked by ``clean_pdf``)."""
        return b"".join(self.cleaned_data["pdf"].chunks())


class PaperCheckForm(BootstrapFormMixin, forms.Form):
    """A printed diploma's number and verification code (or the whole address printed under its QR code), checked by
    ``verification.diploma_for_paper_check``."""

    number = forms.CharField(
        label=_("Diploma number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        help_text=_("As printed on the diploma, for example STK-IAM-2026-000123."),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "The last part of the address printed under the QR code, after /verify/. You may paste the whole address."
        ),
    )

    def refuse(self, message: str, code: str = "no_match") -> None:
        """Show ``message`` as the form's one error, whatever was typed."""
        self.add_error(None, forms.ValidationError(message, code=code))


class NameCheckForm(BootstrapFormMixin, forms.Form):
    """A name a visitor of the verification page types to check it against the holder's
    (``students.public_names.name_matches``). Never shown back: the page after a check has an empty field, so a
    name typed right is not on the page either."""

    name = forms.CharField(
        label=_("The holder's name"),
        max_length=300,
        help_text=_("In Chinese characters, Latin or Cyrillic letters; family name first or last."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "words"}),
    )

    def refuse(self, message: str) -> None:
        """Show ``message`` as the error of this unbound form (the check was not made: too many of them)."""
        self.full_clean()
        self.cleaned_data = {}
        self.add_error(None, forms.ValidationError(message, code="rate_limited"))


class DiplomaRegisterFilterForm(ListFilterForm):
    """The register's query string: search, filters, sort and page size. Invalid values are dropped, never an
    error (as in the students list)."""

    FILTERS = ("year", "cohort", "track", "status")
    NARROW = ("year", "status")
    search_placeholder = _("Diploma number (or its beginning) or student's name")

    # Typed, not chosen from a list: a list of the years with diplomas would cost the page a query.
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    cohort = CohortChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.order_by("-start_date", "code"),
        required=False,
        empty_label=_("All cohorts"),
    )
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=Track.objects.order_by("code"), required=False, empty_label=_("All tracks")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Diploma.Status.choices], required=False
    )
    sort = forms.ChoiceField(choices=[(key, key) for key in REGISTER_SORTS], required=False)
