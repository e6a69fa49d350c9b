"""A coordinator nominates students: one at a time (the nomination form, with the transliteration suggestions of the
office's student form) or a roster (the office's roster import: upload, preview, confirm, all rows or none).

Both write through the students app's services with the coordinator as the actor (``student_nominate``,
``apply_roster``), so the validation, the audit and the staff's notice are those of the API and the office's import.
The cohorts offered are the college's cohorts open for applications today: ``cohorts_visible_to(viewer=...)``
narrowed by ``Cohort.objects.open_for_applications``; another college's or a closed cohort is not a valid choice.
Observers see none of these pages (403)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.access import can_write_sensitive
from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin, DateInput
from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.services import transfer_record
from programs.models import Cohort
from programs.selectors import cohorts_visible_to
from students import services
from students.consent.forms import DATE_FIELD, VERSION_FIELD, TransferConsentFields
from students.consent.models import SENSITIVE_PURPOSE, Consent
from students.consent.selectors import consent_holds
from students.consent.transfers import data_categories
from students.imports.roster import RosterRefused, apply_roster
from students.imports.roster_views import (
    RosterUploadForm,
    roster_imported_message,
    roster_preview_context,
    roster_template_response,
    roster_upload_entry,
    roster_upload_forget,
    roster_upload_preview,
    roster_upload_store,
)
from students.models import Student
from students.names import normalize_names
from students.views import transliteration_response

from .base import PartnerView

# The student's fields a coordinator fills in, in the form's order (passport data only where the viewer may write
# them: ``can_write_sensitive``, a partner for its own students).
NOMINATION_FIELDS = (
    "family_name_han",
    "given_name_han",
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "home_student_id",
    "sex",
    "birth_date",
    "citizenship",
    "email",
    "phone",
    "home_specialty",
    "passport_number",
    "passport_issued_on",
    "passport_expires_on",
)


def _cohort_label(cohort: Cohort) -> str:
    return f"{cohort.code} · {cohort.track.name()} · {cohort.start_date:%Y-%m-%d}"


class CohortField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": gettext_lazy("Choose one of your college's cohorts that accept applications."),
    }

    def label_from_instance(self, cohort: Cohort) -> str:
        return _cohort_label(cohort)


class NominationForm(TransferConsentFields, BootstrapFormMixin, forms.ModelForm):
    """The student and the cohort. Validated as the office's student form is (the model's field rules and checks,
    names normalized); the service decides the rest (an existing student of the college, the application's rules).
    With passport data or a birth date, the college attests that it collected the student's consent to their transfer
    to Russia (``TransferConsentFields``), unless the college's student of that home id holds it already."""

    cohort = CohortField(label=gettext_lazy("Cohort"), queryset=Cohort.objects.none(), empty_label=None)

    class Meta:
        model = Student
        fields = NOMINATION_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "passport_issued_on": DateInput(),
            "passport_expires_on": DateInput(),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, institution, cohorts, sensitive: bool, **kwargs):
        super().__init__(*args, instance=Student(home_institution=institution), **kwargs)
        self.institution = institution
        cast(forms.ModelChoiceField, self.fields["cohort"]).queryset = cohorts
        if not sensitive:
            for name in Student.SENSITIVE_FIELDS:
                del self.fields[name]
        else:
            self.add_transfer_consent_fields(
                statement=_("The college collected the student's consent to the transfer of personal data to Russia")
            )
        for name in ("family_name_han", "given_name_han"):
            self.fields[name].widget.attrs.update({"lang": "zh", "autocomplete": "off"})
        for name in ("family_name_latin", "given_name_latin", "home_student_id"):
            self.fields[name].required = True
        self.fields["citizenship"].widget.attrs.update({"maxlength": 2})

    def clean_citizenship(self) -> str:
        return self.cleaned_data["citizenship"].upper()

    def clean(self):
        data = normalize_names(super().clean())
        email, home_id = data.get("email"), data.get("home_student_id")
        if email:
            # The college's own student of this home id is the one being nominated again: their e-mail is no clash.
            clash = Student.objects.filter(email__iexact=email).exclude(
                Q(home_institution=self.institution) & Q(home_student_id=home_id or "")
            )
            if clash.exists():
                self.add_error("email", _("Another student has this e-mail."))
        if VERSION_FIELD in self.fields:
            given = any(data.get(name) not in (None, "") for name in Student.SENSITIVE_FIELDS)
            known = Student.objects.filter(home_institution=self.institution, home_student_id=home_id or "").first()
            self.transfer_consent_clean(
                data,
                needed=given and not consent_holds(known, SENSITIVE_PURPOSE),
                given_by=Consent.GivenBy.COLLEGE,
                channel=Consent.Channel.PARTNER_PORTAL,
            )
        return data

    def _get_validation_exclusions(self):
        # The e-mail's uniqueness is checked in ``clean`` (an existing student of the college keeps theirs).
        exclude = super()._get_validation_exclusions()
        exclude.add("email")
        return exclude

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.fields if name not in ("cohort", VERSION_FIELD, DATE_FIELD)
        }


def student_page(student: Student) -> str:
    """The student's page in the portal."""
    return reverse("partner:student", args=[student.pk])


class CoordinatorView(PartnerView):
    """A coordinator's page: observers are refused (403), reading included."""

    def allowed(self, request) -> bool:
        return self.can_write

    def open_cohorts(self):
        """The college's cohorts that accept applications today, newest first."""
        return (
            cohorts_visible_to(viewer=self.request.user)
            .open_for_applications(today=timezone.localdate())
            .select_related("track")
        )


class NominateView(CoordinatorView):
    template_name = "partner/nominate.html"
    section = "nominate"

    def form(self, data=None, **kwargs) -> NominationForm:
        return NominationForm(
            data,
            institution=self.institution,
            cohorts=self.open_cohorts(),
            sensitive=can_write_sensitive(self.request.user),
            **kwargs,
        )

    def get(self, request):
        cohort = request.GET.get("cohort", "")
        form = self.form(initial={"cohort": cohort} if cohort.isdigit() else None)
        return self.render(request, {"form": form, "has_cohorts": form.fields["cohort"].queryset.exists()})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                nomination = self.nominate(form)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                if nomination.already_applied:
                    messages.info(
                        request,
                        _("%(student)s is already in cohort %(cohort)s (%(status)s); nothing was changed.")
                        % {
                            "student": nomination.student.name_in(),
                            "cohort": nomination.enrollment.cohort.code,
                            "status": nomination.enrollment.get_status_display(),
                        },
                    )
                else:
                    messages.success(
                        request,
                        _("%(student)s applied to cohort %(cohort)s. The office will decide on the application.")
                        % {"student": nomination.student.name_in(), "cohort": nomination.enrollment.cohort.code},
                    )
                return redirect(student_page(nomination.student))
        return self.render(request, {"form": form, "has_cohorts": True}, status=400)

    def nominate(self, form: NominationForm):
        def once():
            with transaction.atomic():  # the nomination and its entry in the register of transfers, or neither
                data = form.service_data()
                nomination = services.student_nominate(
                    by=self.request.user,
                    institution=self.institution,
                    cohort=form.cleaned_data["cohort"],
                    data=data,
                    attestation=form.attestation,
                )
                outcome = "already applied" if nomination.already_applied else "applied"
                transfer_record(
                    direction=Transfer.Direction.TO_RUSSIA,
                    channel=Transfer.Channel.PARTNER_PORTAL,
                    institution_id=self.institution.pk,
                    # The form's fields, and the application it makes (a study record).
                    categories=data_categories({**data, "cohort": form.cleaned_data["cohort"].pk}),
                    student_ids=[nomination.student.pk],
                    reference=f"nomination · enrollment {nomination.enrollment.pk} · {outcome}",
                    actor=self.request.user,
                )
                return nomination

        try:
            return once()
        except DomainError as exc:
            if exc.code != "duplicate_home_id":
                raise
            # A second submission of the same form created the student first: this one then finds them.
            return once()


class TransliterateView(CoordinatorView):
    """The nomination form's suggestions: the office's student form's endpoint (``transliteration_response``)."""

    def get(self, request):
        return transliteration_response(request)


class RosterImportView(CoordinatorView):
    """Upload a roster for one of the college's open cohorts; it goes on to the office's preview."""

    template_name = "partner/roster_upload.html"
    section = "roster"

    def form(self, *args, **kwargs) -> RosterUploadForm:
        return RosterUploadForm(*args, cohorts=self.open_cohorts(), **kwargs)

    def get(self, request):
        cohort = request.GET.get("cohort", "")
        form = self.form(initial={"cohort": cohort if cohort.isdigit() else None})
        return self.render(request, {"form": form})

    def post(self, request):
        form = self.form(request.POST, request.FILES)
        token = roster_upload_store(request, form) if form.is_valid() else None
        if token is None:
            return self.render(request, {"form": form}, status=400)
        return redirect("partner:roster-preview", token=token)


class RosterPreviewView(CoordinatorView):
    """GET: the preview of the coordinator's upload. POST: confirm — parse again and, without errors, import it."""

    template_name = "partner/roster_preview.html"
    section = "roster"

    def preview(self, request, token):
        entry = roster_upload_entry(request, token)
        # The cohort is looked up among the college's open cohorts only: another's "no longer exists" here.
        preview, refusal = roster_upload_preview(request, entry, cohorts=self.open_cohorts())
        if preview is None:
            roster_upload_forget(request, token)
            messages.error(request, refusal)
        return entry, preview

    def get(self, request, token):
        entry, preview = self.preview(request, token)
        if preview is None:
            return redirect("partner:roster-import")
        return self.render(request, roster_preview_context(preview, entry, token))

    def post(self, request, token):
        entry, preview = self.preview(request, token)
        if preview is None:
            return redirect("partner:roster-import")
        try:
            result = apply_roster(preview, by=request.user)
        except RosterRefused as exc:
            context = {**roster_preview_context(preview, entry, token), "refusal": exc}
            return self.render(request, context, status=400)
        roster_upload_forget(request, token)
        messages.success(request, roster_imported_message(preview, result))
        return redirect("partner:applications")


class RosterTemplateView(CoordinatorView):
    """The office's roster templates (``?format=xlsx|csv&cohort=<id>``), the cohort among the college's own."""

    def get(self, request):
        cohort_id = request.GET.get("cohort", "")
        cohorts = cohorts_visible_to(viewer=request.user).select_related("track", "partner")
        cohort = cohorts.filter(pk=cohort_id).first() if cohort_id.isdigit() else None
        return roster_template_response(request.GET.get("format", "xlsx"), cohort=cohort)
