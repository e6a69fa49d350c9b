"""Forms of the staff pages about students: list filters, student data, applications, reasons, bulk actions.

Forms validate input only; the writes and their rules are in ``students.services``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.forms import BootstrapFormMixin
from programs.models import Cohort, Institution, Track

from .models import Enrollment, Student
from .selectors import STUDENT_SORTS

PER_PAGE_CHOICES = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cohort: Cohort) -> str:
        return f"{cohort.code} · {cohort.name}"


class StudentFilterForm(BootstrapFormMixin, forms.Form):
    compact = True
    """The list's query string: search, filters, sort and page size. Invalid values are dropped, never an error."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    partner = forms.ModelChoiceField(
        label=_("Home institution"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("code"),
        required=False,
        empty_label=_("All institutions"),
    )
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=Track.objects.order_by("code"), required=False, empty_label=_("All tracks")
    )
    cohort = CohortChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.order_by("-start_date", "code"),
        required=False,
        empty_label=_("All cohorts"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Enrollment.Status.choices],
        required=False,
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for name in STUDENT_SORTS for key in (name, f"-{name}")],
        required=False,
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(n, n) for n in PER_PAGE_CHOICES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PER_PAGE,
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("per_page"):
            # The select must show the page size in use, not its first choice.
            data = data.copy()
            data["per_page"] = str(DEFAULT_PER_PAGE)
        super().__init__(data, *args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Name (张伟, Zhang Wei, Чжан), home id or e-mail"), "type": "search"}
        )

    def filters(self) -> dict:
        """The valid filters, for ``student_list``; a bad value (an unknown cohort id) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data.get(name)
            for name in ("q", "partner", "track", "cohort", "status", "sort")
            if name not in self.errors
        }

    def page_size(self) -> int:
        self.is_valid()
        if "per_page" in self.errors:
            return DEFAULT_PER_PAGE
        return self.cleaned_data.get("per_page") or DEFAULT_PER_PAGE


class StudentForm(BootstrapFormMixin, forms.ModelForm):
    """A student's data. Without ``view_sensitive`` the passport and birth-date fields are not part of the form,
    so they are neither shown nor accepted from a crafted POST."""

    class Meta:
        model = Student
        fields = (
            "family_name_han",
            "given_name_han",
            "family_name_latin",
            "given_name_latin",
            "family_name_cyrillic",
            "given_name_cyrillic",
            "sex",
            "citizenship",
            "email",
            "phone",
            "home_institution",
            "home_student_id",
            "home_specialty",
            "birth_date",
            "passport_number",
            "passport_issued_on",
            "passport_expires_on",
        )
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "passport_issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "passport_expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not sensitive:
            for name in Student.SENSITIVE_FIELDS:
                del self.fields[name]
        self.fields["home_institution"].queryset = Institution.objects.filter(kind=Institution.Kind.SENDING).order_by(
            "code"
        )
        self.fields["citizenship"].widget.attrs.update({"maxlength": 2})

    def clean_citizenship(self) -> str:
        return self.cleaned_data["citizenship"].upper()

    def clean(self):
        # The database holds these rules; checking them here puts the message next to the field (the model's own
        # constraint check would report them for the whole form). The service still refuses a race.
        data = super().clean()
        others = Student.objects.exclude(pk=self.instance.pk)
        institution, home_id, email = data.get("home_institution"), data.get("home_student_id"), data.get("email")
        if institution and home_id and others.filter(home_institution=institution, home_student_id=home_id).exists():
            self.add_error("home_student_id", _("Another student of this institution has this home student id."))
        if email and others.filter(email__iexact=email).exists():
            self.add_error("email", _("Another student has this e-mail."))
        return data

    def service_data(self) -> dict:
        """Only what the form holds, for ``student_create`` / ``student_update``."""
        return {name: self.cleaned_data[name] for name in self.fields}


class ApplicationForm(BootstrapFormMixin, forms.Form):
    compact = True
    cohort = CohortChoiceField(label=_("Cohort"), queryset=Cohort.objects.none(), empty_label=_("Choose a cohort"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].help_text = _("Cohorts of the student's home institution that accept applications.")


class ReasonForm(BootstrapFormMixin, forms.Form):
    compact = True
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the enrollment and in the audit log; partners see it."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = _("Note (optional)")


class IdListField(forms.Field):
    """Ids of the checked rows (``name="enrollment"`` repeated). Which of them the viewer may act on is decided by
    the selector, not here."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one application."),
        "invalid": _("Invalid selection."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BulkActionForm(forms.Form):
    ACTIONS = (
        ("admit", _("Admit")),
        ("enroll", _("Enroll")),
        ("reject", _("Reject")),
    )

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    enrollment = IdListField(label=_("Applications"))
    reason = forms.CharField(label=_("Reason (for rejection)"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A reason is required to reject applications."))
        return data


class TransliterationQueryForm(forms.Form):
    """The Han names typed in the student form, for ``students.transliteration.suggest_names``."""

    family = forms.CharField(required=False, max_length=64)
    given = forms.CharField(required=False, max_length=64)
