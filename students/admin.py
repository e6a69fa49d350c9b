"""Admin (raw data) for students, enrollments, module results and continuations.

Enrollment status and its dates are written only by ``students.services``: the admin shows them read-only, creates
enrollments with ``enrollment_apply`` and moves them with actions that call the transition services. Module results
are recorded with ``result_record``. Passport data is shown only to holders of ``students.view_sensitive``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models.functions import Concat
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from mobility.foundation.access import can_view_sensitive
from mobility.foundation.admin import ReadOnlyInline, ServiceFormMixin, audit_log_link

from . import services
from .consent import admin as consent_admin  # noqa: F401  (registers the consents' admins, read-only)
from .messaging import admin as messaging_admin  # noqa: F401  (registers the messages' admins)
from .models import Continuation, CorrectionRequest, Enrollment, GradebookMapping, ModuleResult, Student
from .threads import admin as threads_admin  # noqa: F401  (registers the threads' admin)

STUDENT_NAME_SEARCH = (
    "family_name_han",
    "given_name_han",
    "_name_han",
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "home_student_id",
    "email",
)


def _student_search(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{field}" for field in STUDENT_NAME_SEARCH if not field.startswith("_"))


# --- students ---------------------------------------------------------------------------------------------------


class StudentEnrollmentInline(ReadOnlyInline):
    model = Enrollment
    fk_name = "student"
    verbose_name_plural = _("enrollments (change them on their own pages)")
    fields = (
        "cohort",
        "track",
        "status",
        "source",
        *Enrollment.DATE_FIELDS,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("student", "cohort", "track")


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = (
        "family_name_latin",
        "given_name_latin",
        "name_han",
        "name_cyrillic",
        "home_institution",
        "home_student_id",
        "email",
        "citizenship",
        "birth_date",
        "passport_number",
    )
    list_filter = (
        "home_institution",
        "home_institution__country",
        "citizenship",
        "sex",
        "enrollments__status",
        "enrollments__track",
    )
    # "_name_han" is the Han name written as one word (张伟), annotated in get_queryset.
    search_fields = STUDENT_NAME_SEARCH
    list_select_related = ("home_institution",)
    autocomplete_fields = ("user",)
    fieldsets = (
        (
            _("Names"),
            {
                "fields": (
                    ("family_name_han", "given_name_han"),
                    ("family_name_latin", "given_name_latin"),
                    ("family_name_cyrillic", "given_name_cyrillic"),
                )
            },
        ),
        (_("Home institution"), {"fields": ("home_institution", "home_student_id", "home_specialty")}),
        (_("Person"), {"fields": ("sex", "citizenship", "email", "phone", "user")}),
        (
            _("Passport and birth date (sensitive)"),
            {"fields": ("birth_date", "passport_number", "passport_issued_on", "passport_expires_on")},
        ),
        (_("Record"), {"fields": ("created_at", "modified_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "modified_at")

    # Every way the admin shows or searches a student goes through one of these, so passport data stays out of
    # the form, the list and the search for users without ``students.view_sensitive``.
    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_name_han=Concat("family_name_han", "given_name_han"))

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        if can_view_sensitive(request.user):
            return fields
        return [field for field in fields if field not in Student.SENSITIVE_FIELDS]

    def get_search_fields(self, request):
        fields = tuple(super().get_search_fields(request))
        if can_view_sensitive(request.user):
            # Exact match only: a passport number is looked up, not browsed.
            fields += ("=passport_number",)
        return fields

    def lookup_allowed(self, lookup, value, request=None):
        # The changelist accepts any lookup on the model's own fields in the query string
        # (?passport_number__startswith=E1); without this, the counts would let anyone guess passport numbers.
        field = lookup.split("__", 1)[0]
        if field in Student.SENSITIVE_FIELDS and not (request is not None and can_view_sensitive(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_view_sensitive(request.user):
            return fieldsets
        hidden = set(Student.SENSITIVE_FIELDS)
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
            if any(f not in hidden for f in options["fields"])
        ]

    def get_exclude(self, request, obj=None):
        exclude = tuple(super().get_exclude(request, obj) or ())
        if can_view_sensitive(request.user):
            return exclude
        # Also keeps a crafted POST from writing these fields.
        return exclude + tuple(Student.SENSITIVE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # The account picker searches users; who may not see users (the "office" group) sees the link only.
        if not request.user.has_perm("auth.view_user"):
            readonly += ("user",)
        return readonly

    def get_inlines(self, request, obj):
        return (StudentEnrollmentInline,) if obj is not None else ()

    @admin.display(description=_("name (Han)"), ordering="_name_han")
    def name_han(self, student: Student) -> str:
        return student.full_name_han

    @admin.display(description=_("name (Cyrillic)"), ordering="family_name_cyrillic")
    def name_cyrillic(self, student: Student) -> str:
        return student.full_name_cyrillic


# --- enrollments ------------------------------------------------------------------------------------------------


class EnrollmentResultInline(ReadOnlyInline):
    model = ModuleResult
    verbose_name_plural = _("module results (record them with “Add module result”)")
    fields = ("module", "attempt", "score", "grade", "passed_icon", "assessed_on", "source", "recorded_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("module", "recorded_by")

    @admin.display(description=_("passed"), boolean=True)
    def passed_icon(self, result: ModuleResult) -> bool:
        return result.passed


class ContinuationInline(admin.TabularInline):
    model = Continuation
    extra = 0
    fields = ("university", "program_code", "program_name", "applied_on", "decision", "decided_on")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


def _transition_action(transition: services.Transition):
    """The admin action (``EnrollmentAdmin.actions``) of a transition of the table, named as the transition."""

    def action(modeladmin, request, queryset):
        return modeladmin.run_transition(request, queryset, services.TRANSITIONS_BY_NAME[transition.name])

    action.__name__ = transition.name
    return admin.action(description=transition.selected_label)(action)


@admin.register(Enrollment)
class EnrollmentAdmin(ServiceFormMixin, admin.ModelAdmin):
    list_display = (
        "student",
        "student_han",
        "cohort",
        "track",
        "status",
        "source",
        *Enrollment.DATE_FIELDS,
    )
    list_filter = ("status", "source", "track", "cohort", "cohort__partner")
    search_fields = (*_student_search("student__"), "cohort__code", "cohort__name")
    list_select_related = ("student", "cohort", "track")
    date_hierarchy = "applied_on"
    autocomplete_fields = ("student", "cohort")
    change_fieldsets = (
        (None, {"fields": ("student", "cohort", "track", "source", "notes")}),
        (
            _("Status (changed only by the actions of the enrollment list)"),
            {
                "fields": (
                    "status",
                    "status_reason",
                    "applied_on",
                    "admitted_on",
                    "enrolled_on",
                    "completed_on",
                    "closed_on",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "modified_at", "audit_log")}),
    )
    change_readonly_fields = (
        "student",
        "cohort",
        "track",
        "source",
        "status",
        "status_reason",
        *Enrollment.DATE_FIELDS,
        "created_at",
        "modified_at",
        "audit_log",
    )

    def get_queryset(self, request):
        # The related rows are what str(enrollment) reads (autocomplete answers, action messages, page titles).
        return super().get_queryset(request).select_related("student", "cohort", "track")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("student", "cohort", "applied_on", "notes")}),)
        return self.change_fieldsets

    def has_delete_permission(self, request, obj=None):
        # An enrollment is history (audit log, results, diplomas): it is closed by a transition, never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly_fields

    def get_inlines(self, request, obj):
        return (EnrollmentResultInline, ContinuationInline) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            # Only ``notes`` is editable on an existing enrollment.
            super().save_model(request, obj, form, change)
            return
        created = services.enrollment_apply(
            student=obj.student,
            cohort=obj.cohort,
            by=request.user,
            source=Enrollment.Source.STAFF,
            applied_on=obj.applied_on,
            notes=obj.notes,
        )
        # The admin goes on with ``obj`` (messages, log entry, redirect): make it the row the service created.
        for field in ("id", "track_id", "source", "created_at", "modified_at"):
            setattr(obj, field, getattr(created, field))
        obj._state.adding = False

    @admin.display(description=_("name (Han)"), ordering="student__family_name_han")
    def student_han(self, enrollment: Enrollment) -> str:
        return enrollment.student.full_name_han

    @admin.display(description=_("audit log"))
    def audit_log(self, enrollment: Enrollment):
        return audit_log_link(enrollment)

    # --- actions: one per transition of the table (``services.TRANSITIONS``), each through the bulk service.

    actions = [_transition_action(transition) for transition in services.TRANSITIONS.values()]

    def get_actions(self, request):
        # Each transition's action is offered (and run: the admin runs only what this returns) to the holders of the
        # transition's permission.
        table = services.TRANSITIONS_BY_NAME
        actions = super().get_actions(request)
        return {
            name: a for name, a in actions.items() if name not in table or request.user.has_perm(table[name].permission)
        }

    def run_transition(self, request, queryset, transition: services.Transition):
        """Move the selected rows with ``enrollments_transition_many``; report each refusal, and the rows that moved
        in one message. A transition that needs a reason asks for it on an intermediate page first."""
        reason = ""
        if transition.reason_required:
            form = ReasonForm(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                return self._reason_page(request, queryset, transition, form)
            reason = form.cleaned_data["reason"]
        outcome = services.enrollments_transition_many(
            enrollments=queryset.order_by("pk"), target=transition.target, by=request.user, reason=reason
        )
        for enrollment, error in outcome.refused:
            self.message_user(request, f"{enrollment}: {error.message}", messages.ERROR)
        if outcome.done:
            moved = ", ".join(str(enrollment.student) for enrollment in outcome.done)
            self.message_user(request, f"{transition.done} ({len(outcome.done)}): {moved}", messages.SUCCESS)
        return None

    def _reason_page(self, request, queryset, transition: services.Transition, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": transition.selected_label,
            "question": _("The reason is kept with each of these enrollments and in the audit log."),
            "enrollments": list(queryset.order_by("pk")),
            "form": form,
            "action": transition.name,
            "submit": transition.selected_label,
        }
        return TemplateResponse(request, "admin/students/enrollment/reason.html", context)


# --- module results ---------------------------------------------------------------------------------------------


class ModuleResultForm(forms.ModelForm):
    class Meta:
        model = ModuleResult
        fields = ("enrollment", "module", "attempt", "score", "grade", "assessed_on", "source")
        help_texts = {"grade": _("Leave empty to derive it from the score on the track's scale.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "grade" in self.fields:
            self.fields["grade"].required = False


@admin.register(ModuleResult)
class ModuleResultAdmin(ServiceFormMixin, admin.ModelAdmin):
    """Results are written only by ``students.services.result_record`` (it checks the track and the enrollment's
    status, derives the grade and writes the audit log); they are corrected, never deleted."""

    form = ModuleResultForm
    list_display = (
        "student",
        "cohort",
        "module",
        "attempt",
        "score",
        "grade",
        "passed_icon",
        "assessed_on",
        "source",
        "recorded_by",
    )
    list_filter = ("grade", "passed", "source", "module__track", "enrollment__cohort", "module")
    search_fields = (*_student_search("enrollment__student__"), "module__code", "module__title_en")
    list_select_related = ("enrollment__student", "enrollment__cohort", "module", "recorded_by")
    date_hierarchy = "assessed_on"
    autocomplete_fields = ("enrollment", "module")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrollment__student", "enrollment__cohort", "module")

    def get_fields(self, request, obj=None):
        fields = ["enrollment", "module", "attempt", "score", "grade", "assessed_on", "source"]
        if obj is not None:
            fields += ["passed_icon", "recorded_by", "created_at", "modified_at"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # An attempt is identified by these three; a different one is a new result.
        return ("enrollment", "module", "attempt", "passed_icon", "recorded_by", "created_at", "modified_at")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        result = services.result_record(
            enrollment=obj.enrollment,
            module=obj.module,
            by=request.user,
            assessed_on=data["assessed_on"],
            score=data.get("score"),
            grade=data.get("grade") or None,
            attempt=obj.attempt,
            source=data.get("source") or ModuleResult.Source.MANUAL,
        )
        for field in ("id", "grade", "score", "recorded_by_id", "created_at", "modified_at"):
            setattr(obj, field, getattr(result, field))
        obj._state.adding = False

    @admin.display(description=_("passed"), boolean=True, ordering="passed")
    def passed_icon(self, result: ModuleResult) -> bool:
        return result.passed

    @admin.display(description=_("student"), ordering="enrollment__student__family_name_latin")
    def student(self, result: ModuleResult):
        return result.enrollment.student

    @admin.display(description=_("cohort"), ordering="enrollment__cohort__code")
    def cohort(self, result: ModuleResult) -> str:
        return result.enrollment.cohort.code


# --- continuations ----------------------------------------------------------------------------------------------


@admin.register(Continuation)
class ContinuationAdmin(admin.ModelAdmin):
    list_display = (
        "student",
        "university",
        "program_code",
        "program_name",
        "applied_on",
        "decision",
        "decided_on",
    )
    list_filter = ("decision", "university", "enrollment__track", "enrollment__cohort")
    search_fields = (*_student_search("enrollment__student__"), "program_code", "program_name")
    list_select_related = ("enrollment__student", "university")
    date_hierarchy = "applied_on"
    autocomplete_fields = ("enrollment",)
    readonly_fields = ("created_at", "modified_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrollment__student", "enrollment__cohort", "university")

    @admin.display(description=_("student"), ordering="enrollment__student__family_name_latin")
    def student(self, continuation: Continuation):
        return continuation.enrollment.student


@admin.register(GradebookMapping)
class GradebookMappingAdmin(admin.ModelAdmin):
    """Raw view of the saved gradebook mappings; the staff import page writes them (with the track check)."""

    list_display = ("cohort", "item_name", "module")
    list_filter = ("cohort",)
    search_fields = ("item_name", "cohort__code", "module__code")
    list_select_related = ("cohort", "module")
    readonly_fields = ("cohort", "item_name", "module", "created_at", "modified_at")

    def has_add_permission(self, request):
        return False


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    """Raw, read-only view: students write requests in the portal and the office closes them on the student's page,
    both through ``students.services.corrections`` (audited)."""

    list_display = ("student", "status", "created_at", "closed_by", "closed_at")
    list_filter = ("status",)
    search_fields = (*_student_search("student__"), "message", "answer")
    list_select_related = ("student", "closed_by")
    date_hierarchy = "created_at"
    readonly_fields = ("student", "message", "status", "answer", "closed_by", "closed_at", "created_at", "modified_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
