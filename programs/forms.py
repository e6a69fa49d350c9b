"""Forms of the staff pages. They validate input and show errors next to fields; the services write."""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin, DateInput

from . import services
from .models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track


class StyledFormMixin(BootstrapFormMixin):
    compact = True
    # Fields given a full row in the form layout (long texts).
    wide_fields: tuple[str, ...] = ()


def _upper_code(value: str) -> str:
    return (value or "").strip().upper()


class InstitutionForm(StyledFormMixin, forms.ModelForm):
    wide_fields = ("address",)

    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Institution
        fields = services.INSTITUTION_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def clean_code(self):
        return _upper_code(self.cleaned_data["code"])

    def clean_country(self):
        country = (self.cleaned_data["country"] or "").strip().upper()
        if len(country) != 2 or not country.isalpha() or not country.isascii():
            raise forms.ValidationError(_("Use the two-letter ISO code, e.g. CN or RU."))
        return country


class InstitutionFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Institution.Kind.choices])


class ContactForm(StyledFormMixin, forms.ModelForm):
    wide_fields = ("notes",)

    class Meta:
        model = Contact
        fields = services.CONTACT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"is_primary": _("The previous primary contact, if any, stops being primary.")}


class AgreementForm(StyledFormMixin, forms.ModelForm):
    wide_fields = ("title", "notes")

    signed_document = forms.FileField(
        label=_("Signed document (PDF)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    class Meta:
        model = Agreement
        fields = services.AGREEMENT_FIELDS
        widgets = {
            "signed_on": DateInput(),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_document"].help_text = _(
            "The scanned signed agreement, a PDF of at most %(mb)d MB. A new file replaces the stored one."
        ) % {"mb": settings.UPLOAD_MAX_PDF_MB}

    def clean_signed_document(self):
        file = self.cleaned_data.get("signed_document")
        if file:
            try:
                services.signed_document_check(file)
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return file

    def clean(self):
        cleaned = super().clean()
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("The agreement cannot end before it starts."))
        return cleaned


class AgreementFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Agreement.Status.choices]
    )
    partner = forms.ModelChoiceField(
        label=_("Sending college"),
        required=False,
        empty_label=_("all sending colleges"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("name_en"),
    )


class QuotaForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = AgreementQuota
        fields = ("track", "year", "places")


class BaseQuotaFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.select_related("track").order_by("year", "track__code")
        for form in self.forms:
            form.fields["track"].queryset = Track.objects.order_by("code")
            if "DELETE" in form.fields:
                form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def changes(self) -> list[services.QuotaChange]:
        """The edited rows as the service takes them: new, changed and deleted quotas."""
        rows = []
        for form in self.forms:
            instance = form.instance if form.instance.pk else None
            if self.can_delete and form.cleaned_data.get("DELETE", False):  # as BaseFormSet._should_delete_form
                if instance is not None:
                    rows.append(services.QuotaChange(track=None, year=None, places=None, quota=instance, delete=True))
                continue
            if not form.has_changed():
                continue
            data = form.cleaned_data
            rows.append(
                services.QuotaChange(track=data["track"], year=data["year"], places=data["places"], quota=instance)
            )
        return rows


QuotaFormSet = inlineformset_factory(
    Agreement,
    AgreementQuota,
    form=QuotaForm,
    formset=BaseQuotaFormSet,
    fields=("track", "year", "places"),
    extra=3,
    can_delete=True,
)


class TrackForm(StyledFormMixin, forms.ModelForm):
    wide_fields = ("description_en", "description_ru", "description_zh")

    class Meta:
        model = Track
        fields = services.TRACK_FIELDS
        widgets = {f"description_{lang}": forms.Textarea(attrs={"rows": 3}) for lang in ("en", "ru", "zh")}

    def clean_code(self):
        return _upper_code(self.cleaned_data["code"])

    def clean(self):
        cleaned = super().clean()
        pass_score, good, excellent = (cleaned.get(f) for f in ("pass_score", "good_score", "excellent_score"))
        if None not in (pass_score, good, excellent):
            if pass_score <= 0:
                self.add_error("pass_score", _("The pass score must be above 0."))
            if good <= pass_score:
                self.add_error("good_score", _("The score for grade 4 must be above the pass score."))
            if excellent <= good:
                self.add_error("excellent_score", _("The score for grade 5 must be above the score for grade 4."))
            if excellent > 100:
                self.add_error("excellent_score", _("Scores are at most 100."))
        return cleaned


class ModuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Module
        fields = services.MODULE_FIELDS

    def __init__(self, *args, track: Track, **kwargs):
        super().__init__(*args, **kwargs)
        self.track = track
        self.instance.track = track

    def clean_credits(self):
        credits = self.cleaned_data["credits"]
        if credits is not None and not 0 <= credits <= 60:
            raise forms.ValidationError(_("Credits are between 0 and 60."))
        return credits

    def clean_code(self):
        code = _upper_code(self.cleaned_data["code"])
        taken = Module.objects.filter(track=self.track, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Track %(track)s already has a module with the code %(code)s."),
                code="duplicate_code",
                params={"track": self.track.code, "code": code},
            )
        return code


class CohortForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Cohort
        fields = services.COHORT_FIELDS
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "application_deadline": DateInput(),
        }

    def __init__(self, *args, has_enrollments: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["track"]).queryset = Track.objects.order_by("code")
        cast(forms.ModelChoiceField, self.fields["agreement"]).queryset = Agreement.objects.select_related(
            "partner"
        ).order_by("-valid_from")
        if has_enrollments:
            for name in services.COHORT_FIELDS_FIXED_BY_ENROLLMENTS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed: the cohort has enrollments.")

    def clean_code(self):
        return _upper_code(self.cleaned_data["code"])

    def clean(self):
        cleaned = super().clean()
        start, end, deadline = (cleaned.get(f) for f in ("start_date", "end_date", "application_deadline"))
        if start and end and end <= start:
            self.add_error("end_date", _("The cohort must end after it starts."))
        if deadline and end and deadline > end:
            self.add_error("application_deadline", _("The application deadline must not be after the end date."))
        host, partner = cleaned.get("host"), cleaned.get("partner")
        if host and partner and host == partner:
            self.add_error("partner", _("The sending college cannot be the host."))
        agreement = cleaned.get("agreement")
        if agreement and partner and host and (agreement.partner_id != partner.pk or agreement.host_id != host.pk):
            self.add_error("agreement", _("This agreement is not between the cohort's host and sending college."))
        return cleaned


class CohortFilterForm(StyledFormMixin, forms.Form):
    track = forms.ModelChoiceField(
        label=_("Track"), required=False, empty_label=_("all tracks"), queryset=Track.objects.order_by("code")
    )
    partner = forms.ModelChoiceField(
        label=_("Sending college"),
        required=False,
        empty_label=_("all sending colleges"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("name_en"),
    )
