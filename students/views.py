"""Staff pages about students: the list (search, filters, bulk actions, exports), the detail page, the student
form, applications and the enrollment workflow.

Views stay thin: they validate input with a form, ask a selector (reads, scoped by viewer) or call one service
(writes), and shape the answer. Refusals of the services (``DomainError``) are shown next to the field they name or
as a message; they are never swallowed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from mobility.foundation.access import can_view_sensitive
from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.exceptions import DomainError
from mobility.foundation.pagination import list_page
from mobility.foundation.views import StaffRequiredMixin, url_with_id
from programs.models import Module

from . import exports, list_queries, selectors, services, transliteration
from .consent.models import Purpose
from .consent.selectors import consent_history
from .forms import ApplicationForm, BulkActionForm, ReasonForm, StudentFilterForm, StudentForm, TransliterationQueryForm
from .list_markup import student_row
from .models import Enrollment, Student
from .names import NAME_FIELDS
from .progress import progress_for_many


def actions_for(enrollment: Enrollment, *, viewer) -> list[services.Transition]:
    """The transitions of the table (``services.TRANSITIONS``) allowed from the enrollment's status, among those the
    viewer holds the permission of."""
    return [
        transition
        for transition in services.TRANSITIONS.values()
        if transition.allows(enrollment.status) and viewer.has_perm(transition.permission)
    ]


def buttons_for(enrollment: Enrollment, *, viewer) -> tuple[list[services.Transition], list[tuple[str, str]]]:
    """The viewer's transitions from the enrollment's status, split by the service's own check
    (``Transition.refusal_for``): those it would run now (their buttons), and the others with the reason it would
    refuse them (shown instead of a button that can only fail)."""
    offered, refused = [], []
    for transition in actions_for(enrollment, viewer=viewer):
        error = transition.refusal_for(enrollment)
        if error is None:
            offered.append(transition)
        else:
            refused.append((str(transition.label), error.message))
    return offered, refused


def _transition_or_404(request, name: str) -> services.Transition:
    transition = services.TRANSITIONS_BY_NAME.get(name)
    if transition is None:
        raise Http404(_("No such action."))
    if not request.user.has_perm(transition.permission):
        raise PermissionDenied
    return transition


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _student_or_404(request, pk) -> Student:
    try:
        return selectors.student_get(viewer=request.user, pk=pk)
    except Student.DoesNotExist:
        raise Http404(_("No such student.")) from None


def _enrollment_or_404(request, pk) -> Enrollment:
    enrollment = selectors.enrollments_for_action(viewer=request.user, ids=[pk]).first()
    if enrollment is None:
        raise Http404(_("No such enrollment."))
    return enrollment


# --- the list ---------------------------------------------------------------------------------------------------

SORTABLE_COLUMNS = ("name", "home_id", "institution")


LIST_TRANSITION_SOURCES = frozenset(
    source for transition in services.TRANSITIONS.values() if transition.in_list for source in transition.sources
)


class StudentListView(StaffRequiredMixin, View):
    permission_required = "students.view_student"
    template_name = "students/student_list.html"

    def get(self, request):
        sensitive = can_view_sensitive(request.user)
        form = StudentFilterForm(request.GET, sensitive=sensitive)
        filters = form.filters()
        students = selectors.student_list(
            viewer=request.user, filters=filters, enrollments=list_queries.student_list_enrollments_prefetch()
        )
        students = selectors.with_open_correction_flag(students)
        students = selectors.with_consent_flags(students, sensitive=sensitive)
        count = list_queries.student_list_count(viewer=request.user, filters=filters, students=students)
        page = list_page(students, form.page_size(), request.GET.get("page"), count=count)
        detail_url = url_with_id("students:student-detail")
        can_change_enrollment = request.user.has_perm("students.change_enrollment")
        # The statuses the bulk form's transitions start from: only those enrollments have a checkbox.
        selectable = LIST_TRANSITION_SOURCES if can_change_enrollment else frozenset()
        rows = list(page.object_list)
        for student in rows:
            student.row_html = student_row(student, url=detail_url(student.pk), selectable=selectable)
        sort = filters.get("sort") or "name"
        context = {
            "form": form,
            "page_obj": page,
            "students": rows,
            "sort": sort,
            # For each sortable column: the sort its header link sets (the reverse when it is the current one).
            "next_sort": {column: (f"-{column}" if sort == column else column) for column in SORTABLE_COLUMNS},
            "bulk_form": BulkActionForm(),
            "can_change_enrollment": can_change_enrollment,
            "can_add_student": request.user.has_perm("students.add_student"),
            "filtered": any(value not in (None, "") for key, value in filters.items() if key != "sort"),
        }
        return render(request, self.template_name, context)


class StudentExportView(StaffRequiredMixin, View):
    """The list with its search, filters and sort, as CSV or XLSX (every page, not only the shown one)."""

    permission_required = "students.view_student"

    def get(self, request, fmt: str):
        filters = StudentFilterForm(request.GET).filters()
        students = selectors.student_list(viewer=request.user, filters=filters)
        sensitive = can_view_sensitive(request.user)
        stamp = timezone.localdate().strftime("%Y%m%d")
        response: HttpResponseBase
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.students_csv(students, sensitive=sensitive), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                exports.students_xlsx(students, sensitive=sensitive),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="students-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class BulkActionView(StaffRequiredMixin, View):
    """Admit, enroll or reject the applications checked in the list, with ``enrollments_transition_many`` (each
    enrollment in its own transaction: one refusal does not undo or block the others). The result is reported per
    student."""

    permission_required = "students.change_enrollment"
    http_method_names = ["post"]

    def post(self, request):
        back = _safe_next(request, reverse("students:student-list"))
        form = BulkActionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        transition = _transition_or_404(request, form.cleaned_data["action"])
        ids = form.cleaned_data["enrollment"]
        enrollments = list(selectors.enrollments_for_action(viewer=request.user, ids=ids))
        outcome = services.enrollments_transition_many(
            enrollments=enrollments, target=transition.target, by=request.user, reason=form.cleaned_data["reason"]
        )
        refused = [f"{e.student} ({e.cohort.code}) — {error.message}" for e, error in outcome.refused]
        missing = len(set(ids) - {enrollment.pk for enrollment in enrollments})
        if missing:
            refused.append(
                ngettext(
                    "%(count)d selected application not found", "%(count)d selected applications not found", missing
                )
                % {"count": missing}
            )
        text = _("%(done)s %(count)d") % {"done": transition.done, "count": len(outcome.done)}
        if refused:
            text += "; " + _("refused %(count)d: %(list)s") % {"count": len(refused), "list": "; ".join(refused)}
        level = messages.SUCCESS if not refused else (messages.WARNING if outcome.done else messages.ERROR)
        messages.add_message(request, level, text)
        return redirect(back)


# --- one student ------------------------------------------------------------------------------------------------


def _history_rows(entries, *, sensitive: bool) -> list[dict]:
    """Each entry as a sentence in the viewer's language; passport data only for whoever may see it."""
    return [{"entry": entry, "sentence": audit_sentence(entry, sensitive=sensitive)} for entry in entries]


class StudentDetailView(StaffRequiredMixin, View):
    permission_required = "students.view_student"
    template_name = "students/student_detail.html"

    def get(self, request, pk):
        return render(request, self.template_name, detail_context(request, _student_or_404(request, pk)))


def detail_context(request, student: Student, *, application_form: ApplicationForm | None = None) -> dict:
    sensitive = can_view_sensitive(request.user)
    enrollments: list[dict[str, Any]] = []
    student_enrollments = list(student.enrollments.all())
    progress = progress_for_many(enrollments=student_enrollments)
    for enrollment in student_enrollments:
        offered, refused = buttons_for(enrollment, viewer=request.user)
        enrollments.append(
            {
                "enrollment": enrollment,
                "actions": offered,
                "refusals": refused,
                "results": list(enrollment.results.all()),
                "diplomas": list(enrollment.diplomas.all()),
                "progress": progress[enrollment.pk].as_dict(),
            }
        )
    cohorts = selectors.cohorts_open_for_student(student=student)
    return {
        "student": student,
        "sensitive": sensitive,
        "enrollments": enrollments,
        "diplomas": [diploma for row in enrollments for diploma in row["diplomas"]],
        "history": _history_rows(selectors.student_audit_history(student=student), sensitive=sensitive),
        "application_form": application_form or ApplicationForm(cohorts=cohorts),
        "can_apply": request.user.has_perm("students.add_enrollment") and student.erased_at is None,
        "can_edit": request.user.has_perm("students.change_student") and student.erased_at is None,
        "consents": consent_panel(student) if request.user.has_perm("students.view_consent") else None,
    }


def consent_panel(student: Student) -> dict:
    """The student's consents for their staff page: per purpose (in the order of ``Purpose``) the current decision or
    ``None``, the whole history newest first, and whether one is declined or withdrawn (the flag). One query."""
    history = consent_history(student)
    current = {consent.purpose: consent for consent in history if consent.current}
    return {
        "purposes": [{"purpose": purpose, "consent": current.get(purpose.value)} for purpose in Purpose],
        "history": history,
        "ended": [consent for consent in current.values() if not consent.holds],
    }


class StudentFormMixin:
    template_name = "students/student_form.html"

    def render_form(self, request, form, student=None):
        return render(request, self.template_name, {"form": form, "student": student})

    def save(self, request, form, student=None):
        """Call the service; a refusal goes onto the field it names and nothing is saved."""
        try:
            if student is None:
                return services.student_create(by=request.user, data=form.service_data(), attestation=form.attestation)
            return services.student_update(
                student=student, by=request.user, data=form.service_data(), attestation=form.attestation
            )
        except DomainError as error:
            form.add_domain_error(error)
            return None


class StudentCreateView(StaffRequiredMixin, StudentFormMixin, View):
    permission_required = "students.add_student"

    def get(self, request):
        return self.render_form(request, StudentForm(sensitive=can_view_sensitive(request.user)))

    def post(self, request):
        form = StudentForm(request.POST, sensitive=can_view_sensitive(request.user))
        student = self.save(request, form) if form.is_valid() else None
        if student is None:
            return self.render_form(request, form)
        messages.success(request, _("Student %(name)s created.") % {"name": student})
        return redirect("students:student-detail", pk=student.pk)


class StudentUpdateView(StaffRequiredMixin, StudentFormMixin, View):
    permission_required = "students.change_student"

    def get(self, request, pk):
        student = _student_or_404(request, pk)
        return self.render_form(
            request, StudentForm(instance=student, sensitive=can_view_sensitive(request.user)), student
        )

    def post(self, request, pk):
        student = _student_or_404(request, pk)
        # The form works on its own copy: the service compares with the row in the database.
        form = StudentForm(
            request.POST, instance=Student.objects.get(pk=student.pk), sensitive=can_view_sensitive(request.user)
        )
        saved = self.save(request, form, student) if form.is_valid() else None
        if saved is None:
            return self.render_form(request, form, student)
        messages.success(request, _("Changes to %(name)s saved.") % {"name": saved})
        return redirect("students:student-detail", pk=student.pk)


def transliteration_response(request) -> JsonResponse:
    """Suggested Latin and Cyrillic names for the Han names of ``?family=&given=`` (JSON; reads nothing): what
    ``static/js/transliteration.js`` asks of the staff student form and of the partner portal's nomination form."""
    form = TransliterationQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    family, given = form.cleaned_data["family"], form.cleaned_data["given"]
    try:
        suggestion = transliteration.suggest_names(family, given)
    except transliteration.NoReading as exc:
        # Refused, never made without the character: the four fields stay empty and the page says why.
        suggestion = dict.fromkeys(NAME_FIELDS, "")
        suggestion |= {"family_name_han": family.strip(), "given_name_han": given.strip()}
        suggestion["message"] = transliteration.no_reading_message(exc)
    return JsonResponse(suggestion, json_dumps_params={"ensure_ascii": False})


class TransliterationView(StaffRequiredMixin, View):
    """Suggested Latin and Cyrillic names for the Han names typed in the student form (``transliteration_response``)."""

    def get(self, request):
        return transliteration_response(request)


# --- applications and the enrollment workflow -------------------------------------------------------------------


class EnrollmentApplyView(StaffRequiredMixin, View):
    """A new application of the student to a cohort of their home institution (``enrollment_apply``)."""

    permission_required = "students.add_enrollment"
    template_name = "students/enrollment_apply.html"

    def get(self, request, pk):
        student = _student_or_404(request, pk)
        form = ApplicationForm(cohorts=selectors.cohorts_open_for_student(student=student))
        return render(request, self.template_name, {"student": student, "form": form})

    def post(self, request, pk):
        student = _student_or_404(request, pk)
        form = ApplicationForm(request.POST, cohorts=selectors.cohorts_open_for_student(student=student))
        if form.is_valid():
            try:
                enrollment = services.enrollment_apply(
                    student=student,
                    cohort=form.cleaned_data["cohort"],
                    by=request.user,
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Application to %(cohort)s recorded.") % {"cohort": enrollment.cohort.code})
                return redirect("students:student-detail", pk=student.pk)
        return render(request, self.template_name, {"student": student, "form": form})


class EnrollmentTransitionView(StaffRequiredMixin, View):
    """One step of the state machine (a transition of ``services.TRANSITIONS``, by its name). GET shows a
    confirmation page (with the reason field where one is needed); POST calls the service. A refusal is shown as a
    message on the student's page and changes nothing."""

    permission_required = "students.change_enrollment"
    template_name = "students/enrollment_transition.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("action") not in services.TRANSITIONS_BY_NAME:
            raise Http404(_("No such action."))
        return super().dispatch(request, *args, **kwargs)

    def render_confirm(self, request, enrollment, transition, form):
        allowed = transition.allows(enrollment.status)
        refusal = transition.refusal_for(enrollment) if allowed else None
        context = {
            "enrollment": enrollment,
            "action": transition,
            "form": form,
            "allowed": allowed and refusal is None,
            "refusal": refusal.message if refusal else "",
        }
        return render(request, self.template_name, context)

    def get(self, request, pk, action):
        transition = _transition_or_404(request, action)
        enrollment = _enrollment_or_404(request, pk)
        return self.render_confirm(request, enrollment, transition, ReasonForm(required=transition.reason_required))

    def post(self, request, pk, action):
        transition = _transition_or_404(request, action)
        enrollment = _enrollment_or_404(request, pk)
        detail = reverse("students:student-detail", args=[enrollment.student_id])
        form = ReasonForm(request.POST, required=transition.reason_required)
        if not form.is_valid():
            return self.render_confirm(request, enrollment, transition, form)
        try:
            transition.run(enrollment, by=request.user, text=form.cleaned_data["reason"])
        except DomainError as error:
            if error.field == "reason":
                form.add_error("reason", error.message)
                return self.render_confirm(request, enrollment, transition, form)
            messages.error(request, _refusal_text(enrollment, error))
        else:
            messages.success(
                request,
                _("%(done)s: %(student)s, %(cohort)s.")
                % {"done": transition.done, "student": enrollment.student, "cohort": enrollment.cohort.code},
            )
        return redirect(_safe_next(request, detail))


def _refusal_text(enrollment: Enrollment, error: DomainError) -> str:
    who = {"student": enrollment.student, "cohort": enrollment.cohort.code}
    missing = error.details.get("missing") if isinstance(error.details, dict) else None
    if not missing:
        return _("Refused for %(student)s (%(cohort)s): %(message)s") % {**who, "message": error.message}
    # The service names the module codes; staff also want the titles.
    modules = Module.objects.filter(track_id=enrollment.track_id, code__in=missing).order_by("order", "code")
    return _(
        "Refused for %(student)s (%(cohort)s): not every required module is passed. "
        "Still to pass (%(count)d): %(modules)s."
    ) % {
        **who,
        "count": len(missing),
        "modules": "; ".join(f"{module.code} {module.title()}" for module in modules),
    }
