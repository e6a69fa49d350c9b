"""Forms of the staff pages about students: list filters, student data, applications, reasons, bulk actions.

Forms validate input only; the writes and their rules are in ``students.services``.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin, DateInput, PlainSelect
from mobility.foundation.numbers import score_plain
from programs.models import Cohort, Institution, Module, Track

from .choices import CohortChoiceField, InstitutionChoiceField, TrackChoiceField
from .consent.forms import DATE_FIELD, VERSION_FIELD, TransferConsentFields
from .consent.models import SENSITIVE_PURPOSE, Consent
from .consent.selectors import consent_holds
from .models import Continuation, Enrollment, ModuleResult, Student
from .names import normalize_names
from .selectors import STUDENT_SORTS
from .services import TRANSITIONS, TRANSITIONS_BY_NAME, GridCell

PER_PAGE_CHOICES = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50


class ListFilterForm(BootstrapFormMixin, forms.Form):
    """A list page's query string: a search ``q``, the filters named in ``FILTERS``, a sort and a page size; drawn by
    ``templates/includes/list_filters.html``.
    Invalid values are dropped, never an error. ``search_placeholder`` is the search box's hint."""

    compact = True
    FILTERS: tuple[str, ...] = ()
    NARROW: tuple[str, ...] = ()  # filters as wide as their content on a laptop (templates/includes/list_filters.html)
    search_placeholder: str | Promise = ""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        widget=PlainSelect,
        choices=[(n, n) for n in PER_PAGE_CHOICES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PER_PAGE,  # type: ignore[arg-type]  # Django takes any value; the stubs say str
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("per_page"):
            # The select must show the page size in use, not its first choice.
            data = data.copy()
            data["per_page"] = str(DEFAULT_PER_PAGE)
        super().__init__(data, *args, **kwargs)
        self.fields["per_page"] = self.fields.pop("per_page")  # after the list's own filters, as on the page
        self.fields["q"].widget.attrs.update({"placeholder": self.search_placeholder, "type": "search"})

    def filters(self) -> dict:
        """The valid filters, for the list's selector; a bad value (an unknown cohort id) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in ("q", *self.FILTERS, "sort") if name not in self.errors}

    def page_size(self) -> int:
        self.is_valid()
        if "per_page" in self.errors:
            return DEFAULT_PER_PAGE
        return self.cleaned_data.get("per_page") or DEFAULT_PER_PAGE


class StudentFilterForm(ListFilterForm):
    """The students list's query string (``student_list``)."""

    FILTERS = ("partner", "track", "cohort", "status", "corrections", "consent")
    NARROW = ("status", "corrections", "consent")
    search_placeholder = _("Name (张伟, Zhang Wei, Чжан), home id or e-mail")

    partner = InstitutionChoiceField(
        label=_("Home institution"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("code"),
        required=False,
        empty_label=_("All institutions"),
    )
    track = TrackChoiceField(
        label=_("Track"),
        queryset=Track.objects.order_by("code"),
        required=False,
        empty_label=_("All tracks"),
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
        widget=PlainSelect,
    )
    corrections = forms.ChoiceField(
        label=_("Correction requests"),
        choices=[("", _("Any")), ("open", _("Open request"))],
        required=False,
        widget=PlainSelect,
    )
    consent = forms.ChoiceField(
        label=_("Consent"),
        choices=[
            ("", _("Any")),
            ("ended", _("withdrawn or declined")),
            ("transfer_missing", _("no transfer consent")),
        ],
        required=False,
        widget=PlainSelect,
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for name in STUDENT_SORTS for key in (name, f"-{name}")],
        required=False,
    )

    def __init__(self, data=None, *args, sensitive: bool = True, **kwargs):
        super().__init__(data, *args, **kwargs)
        if not sensitive:  # whether a student holds passport data is itself for who may see it
            field = self.fields["consent"]
            field.choices = [choice for choice in field.choices if choice[0] != "transfer_missing"]  # type: ignore[attr-defined]


class StudentForm(TransferConsentFields, BootstrapFormMixin, forms.ModelForm):
    """A student's data. Without ``view_sensitive`` the passport and birth-date fields are not part of the form,
    so they are neither shown nor accepted from a crafted POST. With them, a student who holds no consent to the
    transfer of personal data to Russia gets passport data or a birth date only with the office's attestation of the
    student's signed paper consent (``TransferConsentFields``: given by the office, channel staff)."""

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
            "birth_date": DateInput(),
            "passport_issued_on": DateInput(),
            "passport_expires_on": DateInput(),
        }

    def __init__(self, *args, sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not sensitive:
            for name in Student.SENSITIVE_FIELDS:
                del self.fields[name]
        else:
            self.add_transfer_consent_fields(
                statement=_(
                    "The office holds the student's signed paper consent to the transfer of personal data to Russia"
                )
            )
        cast(forms.ModelChoiceField, self.fields["home_institution"]).queryset = Institution.objects.filter(
            kind=Institution.Kind.SENDING
        ).order_by("code")
        self.fields["citizenship"].widget.attrs.update({"maxlength": 2})

    def clean_citizenship(self) -> str:
        return self.cleaned_data["citizenship"].upper()

    def clean(self):
        # Names are stored normalized (students/names.py); the model's validators then refuse, on the field, what
        # cannot be a name.
        data = normalize_names(super().clean())
        # The database holds these rules; checking them here puts the message next to the field (the model's own
        # constraint check would report them for the whole form). The service still refuses a race.
        others = Student.objects.exclude(pk=self.instance.pk)
        institution, home_id, email = data.get("home_institution"), data.get("home_student_id"), data.get("email")
        if institution and home_id and others.filter(home_institution=institution, home_student_id=home_id).exists():
            self.add_error("home_student_id", _("Another student of this institution has this home student id."))
        if email and others.filter(email__iexact=email).exists():
            self.add_error("email", _("Another student has this e-mail."))
        if VERSION_FIELD in self.fields:
            stored = self.instance if self.instance.pk else None
            given = [
                name
                for name in Student.SENSITIVE_FIELDS
                if data.get(name) not in (None, "") and (stored is None or getattr(stored, name) != data[name])
            ]
            self.transfer_consent_clean(
                data,
                needed=bool(given) and not consent_holds(stored, SENSITIVE_PURPOSE),
                given_by=Consent.GivenBy.OFFICE,
                channel=Consent.Channel.STAFF,
            )
        return data

    def service_data(self) -> dict:
        """Only what the form holds, for ``student_create`` / ``student_update`` (the attestation apart)."""
        return {name: self.cleaned_data[name] for name in self.fields if name not in (VERSION_FIELD, DATE_FIELD)}


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
    """The student list's bulk action: a transition of the table offered there (``in_list``) and its reason."""

    action = forms.ChoiceField(
        label=_("Action"), choices=[(t.name, t.label) for t in TRANSITIONS.values() if t.in_list]
    )
    enrollment = IdListField(label=_("Applications"))
    reason = forms.CharField(label=_("Reason (for rejection)"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        transition = TRANSITIONS_BY_NAME.get(data.get("action") or "")
        # Of the list's transitions only rejection needs a reason, hence the message.
        if transition and transition.reason_required and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A reason is required to reject applications."))
        return data


# --- results, the cohort grid, completion and continuation -------------------------------------------------------


class ModuleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, module: Module) -> str:
        return f"{module.code} · {module.title()}"


class ResultForm(BootstrapFormMixin, forms.Form):
    """One attempt of one module of an enrollment, for ``result_record`` (a score, a grade, or both)."""

    compact = True
    module = ModuleChoiceField(label=_("Module"), queryset=Module.objects.none(), empty_label=_("Choose a module"))
    attempt = forms.IntegerField(label=_("Attempt"), min_value=1, max_value=10, initial=1)
    score = forms.DecimalField(
        label=_("Score"), required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[("", _("from the score")), *ModuleResult.Grade.choices],
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())

    def __init__(self, *args, enrollment: Enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["module"]).queryset = Module.objects.filter(
            track_id=enrollment.track_id
        ).order_by("order", "code")
        self.fields["score"].help_text = _("0–100; the grade follows from the track's scale unless chosen.")

    def clean(self):
        data = super().clean()
        if data.get("score") is None and not data.get("grade") and "score" not in self.errors:
            self.add_error("score", _("Give a score or a grade."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "module": data["module"],
            "attempt": data["attempt"],
            "score": data["score"],
            "grade": data["grade"] or None,
            "assessed_on": data["assessed_on"],
        }


class ResultsGridForm(BootstrapFormMixin, forms.Form):
    """The editable cells of a cohort's results grid: ``score_<enrollment>_<module>`` per cell of an enrolled
    student, and ``retake_<enrollment>_<module>`` where the latest attempt failed. ``changed_cells()`` lists the
    cells whose score differs from the latest attempt's (or that ask for a new attempt); a blank cell changes
    nothing."""

    compact = True
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.cells: dict[str, tuple] = {}
        for row in grid.rows:
            if not row.editable:
                continue
            for cell in row.cells:
                key = f"{row.enrollment.pk}_{cell.module.pk}"
                latest = cell.latest
                self.fields[f"score_{key}"] = forms.DecimalField(
                    label=f"{row.enrollment.student} · {cell.module.code}",
                    required=False,
                    min_value=0,
                    max_value=100,
                    max_digits=5,
                    decimal_places=2,
                    initial=score_plain(latest.score) if latest is not None else None,
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 100}),
                )
                if latest is not None and not latest.passed:
                    self.fields[f"retake_{key}"] = forms.BooleanField(
                        label=_("new attempt"), required=False, widget=forms.CheckboxInput()
                    )
                self.cells[key] = (row, cell)

    def field_names(self, row, cell) -> tuple[str | None, str | None]:
        key = f"{row.enrollment.pk}_{cell.module.pk}"
        score, retake = f"score_{key}", f"retake_{key}"
        return (score if score in self.fields else None, retake if retake in self.fields else None)

    def changed_cells(self) -> list[GridCell]:
        changed = []
        for key, (row, cell) in self.cells.items():
            score = self.cleaned_data.get(f"score_{key}")
            retake = bool(self.cleaned_data.get(f"retake_{key}"))
            if score is None:
                continue
            latest = cell.latest
            if latest is not None and not retake and latest.score is not None and latest.score == score:
                continue
            changed.append(
                GridCell(enrollment_id=row.enrollment.pk, module=cell.module, score=score, new_attempt=retake)
            )
        return changed

    def add_cell_errors(self, errors: dict[str, str]) -> None:
        """Put the service's refusals (``GridCell.key`` → message) on their cells."""
        for key, message in errors.items():
            name = "score_" + key.replace(":", "_")
            self.add_error(name if name in self.fields else None, message)


class CompletionForm(forms.Form):
    """Complete every eligible enrollment of the cohort, or the checked ones."""

    SCOPES = (("eligible", _("every eligible student")), ("selected", _("the selected students")))

    scope = forms.ChoiceField(choices=SCOPES)
    enrollment = IdListField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("enrollment"):
            self.add_error("enrollment", _("Select at least one student."))
        return data


class ContinuationForm(BootstrapFormMixin, forms.Form):
    """A completed student's application to a bachelor's program, for ``continuation_record``."""

    compact = True
    university = forms.ModelChoiceField(
        label=_("University"), queryset=Institution.objects.filter(kind=Institution.Kind.HOST).order_by("name_en")
    )
    program_code = forms.RegexField(
        label=_("Program code"),
        regex=r"^\d{2}\.\d{2}\.\d{2}$",
        max_length=32,
        error_messages={"invalid": _("A program code looks like 15.03.06.")},
    )
    program_name = forms.CharField(label=_("Program name"), max_length=255)
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput())
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Continuation.Decision.choices, initial=Continuation.Decision.PENDING
    )
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        host = self.fields["university"].queryset.filter(code=settings.MOBILITY_HOST_CODE).first()
        if host is not None and not self.is_bound:
            self.initial.setdefault("university", host.pk)
        self.fields["program_code"].widget.attrs["placeholder"] = "15.03.06"

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class ContinuationDecisionForm(BootstrapFormMixin, forms.Form):
    compact = True
    decision = forms.ChoiceField(label=_("Decision"), choices=Continuation.Decision.choices)
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=DateInput(),
    )


class TransliterationQueryForm(forms.Form):
    """The Han names typed in the student form, for ``students.transliteration.suggest_names``."""

    family = forms.CharField(required=False, max_length=64)
    given = forms.CharField(required=False, max_length=64)
