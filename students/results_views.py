"""Staff pages about module results, completion and continuation: one enrollment's results form, a cohort's
results grid (with progress and completion of many students at once), a completed student's applications to a
bachelor's program and the continuation report.

Thin like ``students.views``: a form validates the input, one service writes (``result_record``,
``results_record_grid``, ``enrollments_complete_many``, ``continuation_record``, ``continuation_decide``), a selector
reads. Refusals of the services are shown next to the field (or the cell) they name, or as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.numbers import score_plain
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort, Module

from . import selectors, services
from .forms import CompletionForm, ContinuationDecisionForm, ContinuationForm, ResultForm, ResultsGridForm
from .models import Continuation, Enrollment
from .progress import cohort_results_grid

RESULT_PERMS = ("students.add_moduleresult", "students.change_moduleresult")


def _enrollment_or_404(request, pk) -> Enrollment:
    enrollment = selectors.enrollments_for_action(viewer=request.user, ids=[pk]).first()
    if enrollment is None:
        raise Http404(_("No such enrollment."))
    return enrollment


def _student_url(enrollment: Enrollment) -> str:
    return reverse("students:student-detail", args=[enrollment.student_id]) + f"#enrollment-{enrollment.pk}"


# --- one enrollment ---------------------------------------------------------------------------------------------


class EnrollmentResultsView(StaffRequiredMixin, View):
    """Record or correct one attempt of a module (``result_record``). GET ``?module=<id>&attempt=<n>`` fills the
    form from that attempt, for a correction. The student page posts its inline form here; a refused POST is shown
    on this page, with the errors next to the fields."""

    permission_required = RESULT_PERMS
    template_name = "students/results/enrollment_results.html"

    def render_page(self, request, enrollment, form):
        results = enrollment.results.select_related("module").order_by("module__order", "module__code", "attempt")
        context = {"enrollment": enrollment, "form": form, "results": results}
        return render(request, self.template_name, context)

    def get(self, request, pk):
        enrollment = _enrollment_or_404(request, pk)
        initial = {"assessed_on": timezone.localdate(), "attempt": 1}
        result = (
            enrollment.results.filter(module_id=request.GET.get("module"), attempt=request.GET.get("attempt"))
            .select_related("module")
            .first()
            if request.GET.get("module", "").isdigit() and request.GET.get("attempt", "").isdigit()
            else None
        )
        if result is not None:
            initial.update(
                module=result.module_id,
                attempt=result.attempt,
                score=score_plain(result.score),
                grade=result.grade,
                assessed_on=result.assessed_on,
            )
        return self.render_page(request, enrollment, ResultForm(initial=initial, enrollment=enrollment))

    def post(self, request, pk):
        enrollment = _enrollment_or_404(request, pk)
        form = ResultForm(request.POST, enrollment=enrollment)
        if form.is_valid():
            try:
                result = services.result_record(enrollment=enrollment, by=request.user, **form.service_kwargs())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Result recorded: %(student)s, %(module)s attempt %(attempt)d — %(grade)s.")
                    % {
                        "student": enrollment.student,
                        "module": result.module.code,
                        "attempt": result.attempt,
                        "grade": result.get_grade_display(),
                    },
                )
                return redirect(_student_url(enrollment))
        return self.render_page(request, enrollment, form)


# --- a cohort: the results grid, progress and completion ----------------------------------------------------------


def _cohort_or_404(pk) -> Cohort:
    return get_object_or_404(Cohort.objects.select_related("track", "partner"), pk=pk)


class CohortResultsView(StaffRequiredMixin, View):
    """Students × modules of a cohort with the latest attempt of each, progress and eligibility per student.

    Holders of ``add_moduleresult`` and ``change_moduleresult`` edit it: the rule (also written on the page) is that
    a score typed into a cell corrects the latest attempt (or records attempt 1), or records attempt n+1 when the
    latest attempt failed and *new attempt* is ticked. All edited cells are saved together or not at all.
    """

    permission_required = "students.view_moduleresult"
    template_name = "students/results/cohort_grid.html"

    def render_page(self, request, cohort, grid, form):
        user = request.user
        rows = []
        for row in grid.rows:
            cells = []
            for cell in row.cells:
                score, retake = form.field_names(row, cell) if form is not None else (None, None)
                cells.append(
                    {
                        "cell": cell,
                        "score": form[score] if score else None,
                        "retake": form[retake] if retake else None,
                    }
                )
            rows.append({"row": row, "cells": cells})
        context = {
            "cohort": cohort,
            "grid": grid,
            "rows": rows,
            "form": form,
            "can_complete": user.has_perm("students.change_enrollment"),
            "eligible_count": len(grid.eligible),
        }
        return render(request, self.template_name, context)

    def can_edit(self, request) -> bool:
        return request.user.has_perms(RESULT_PERMS)

    def get(self, request, cohort_pk):
        cohort = _cohort_or_404(cohort_pk)
        grid = cohort_results_grid(cohort=cohort)
        form = (
            ResultsGridForm(initial={"assessed_on": timezone.localdate()}, grid=grid)
            if self.can_edit(request)
            else None
        )
        return self.render_page(request, cohort, grid, form)

    def post(self, request, cohort_pk):
        if not self.can_edit(request):
            self.raise_exception = True
            return self.handle_no_permission()
        cohort = _cohort_or_404(cohort_pk)
        grid = cohort_results_grid(cohort=cohort)
        form = ResultsGridForm(request.POST, grid=grid)
        if form.is_valid():
            cells = form.changed_cells()
            if not cells:
                messages.info(request, _("No cell was changed; nothing to save."))
                return redirect("students:cohort-results", cohort_pk=cohort.pk)
            try:
                saved = services.results_record_grid(
                    cells=cells, by=request.user, assessed_on=form.cleaned_data["assessed_on"]
                )
            except DomainError as error:
                form.add_cell_errors(error.details.get("errors", {}))
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d result saved.", "%(count)d results saved.", len(saved)) % {"count": len(saved)},
                )
                return redirect("students:cohort-results", cohort_pk=cohort.pk)
        else:
            messages.error(request, _("Nothing was saved: correct the marked cells."))
        return self.render_page(request, cohort, grid, form)


class CohortCompleteView(StaffRequiredMixin, View):
    """Complete every eligible enrollment of the cohort, or the selected ones (``enrollments_complete_many``: each
    in its own transaction). Refusals are reported per student, with the required modules still to pass."""

    permission_required = "students.change_enrollment"
    http_method_names = ["post"]

    def post(self, request, cohort_pk):
        cohort = _cohort_or_404(cohort_pk)
        back = reverse("students:cohort-results", args=[cohort.pk])
        form = CompletionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        in_cohort = Enrollment.objects.filter(cohort=cohort).select_related("student", "cohort", "track")
        if form.cleaned_data["scope"] == "eligible":
            enrollments = selectors.enrollments_eligible_for_completion(in_cohort)
        else:
            enrollments = in_cohort.filter(pk__in=form.cleaned_data["enrollment"])
        enrollments = list(enrollments.order_by("student__family_name_latin", "student__given_name_latin", "pk"))
        if not enrollments:
            messages.info(request, _("No student to complete."))
            return redirect(back)
        completed, refused = services.enrollments_complete_many(enrollments=enrollments, by=request.user)
        if completed:
            messages.success(
                request,
                _("Completed %(count)d: %(students)s.")
                % {"count": len(completed), "students": ", ".join(str(e.student) for e in completed)},
            )
        titles = _module_titles(cohort, refused.values())
        for enrollment in enrollments:
            if enrollment.pk in refused:
                messages.error(request, _refusal(enrollment, refused[enrollment.pk], titles))
        return redirect(back)


def _module_titles(cohort: Cohort, errors) -> dict[str, str]:
    codes = {code for error in errors for code in (error.details or {}).get("missing", [])}
    if not codes:
        return {}
    return {module.code: module.title() for module in Module.objects.filter(track_id=cohort.track_id, code__in=codes)}


def _refusal(enrollment: Enrollment, error: DomainError, titles: dict[str, str]) -> str:
    missing = (error.details or {}).get("missing")
    if not missing:
        return _("Not completed: %(student)s — %(message)s") % {"student": enrollment.student, "message": error.message}
    return _("Not completed: %(student)s — still to pass (%(count)d): %(modules)s.") % {
        "student": enrollment.student,
        "count": len(missing),
        "modules": "; ".join(f"{code} {titles.get(code, '')}".strip() for code in missing),
    }


# --- continuation to a bachelor's program -------------------------------------------------------------------------


class ContinuationCreateView(StaffRequiredMixin, View):
    """A completed student's application to a bachelor's program (``continuation_record``)."""

    permission_required = "students.add_continuation"
    template_name = "students/results/continuation_form.html"

    def render_page(self, request, enrollment, form):
        context = {
            "enrollment": enrollment,
            "form": form,
            "continuations": selectors.enrollment_continuations(enrollment=enrollment),
            "title": _("Application to a bachelor's program"),
        }
        return render(request, self.template_name, context)

    def get(self, request, pk):
        enrollment = _enrollment_or_404(request, pk)
        return self.render_page(request, enrollment, ContinuationForm())

    def post(self, request, pk):
        enrollment = _enrollment_or_404(request, pk)
        form = ContinuationForm(request.POST)
        if form.is_valid():
            try:
                continuation = services.continuation_record(
                    enrollment=enrollment, by=request.user, data=form.service_data()
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Application to %(code)s %(name)s recorded.")
                    % {"code": continuation.program_code, "name": continuation.program_name},
                )
                return redirect(_student_url(enrollment))
        return self.render_page(request, enrollment, form)


class ContinuationDecideView(StaffRequiredMixin, View):
    """The decision on an application (``continuation_decide``)."""

    permission_required = "students.change_continuation"
    template_name = "students/results/continuation_form.html"

    def get_continuation(self, request, pk) -> Continuation:
        continuation = selectors.continuation_list().filter(pk=pk).first()
        if continuation is None:
            raise Http404(_("No such application."))
        return continuation

    def render_page(self, request, continuation, form):
        context = {
            "enrollment": continuation.enrollment,
            "continuation": continuation,
            "form": form,
            "title": _("Decision on %(code)s %(name)s")
            % {"code": continuation.program_code, "name": continuation.program_name},
        }
        return render(request, self.template_name, context)

    def get(self, request, pk):
        continuation = self.get_continuation(request, pk)
        initial = {"decision": continuation.decision, "decided_on": continuation.decided_on or timezone.localdate()}
        return self.render_page(request, continuation, ContinuationDecisionForm(initial=initial))

    def post(self, request, pk):
        continuation = self.get_continuation(request, pk)
        form = ContinuationDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.continuation_decide(continuation=continuation, by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    _("Decision on %(code)s recorded: %(decision)s.")
                    % {"code": continuation.program_code, "decision": continuation.get_decision_display()},
                )
                return redirect(_student_url(continuation.enrollment))
        return self.render_page(request, continuation, form)


class ContinuationReportView(StaffRequiredMixin, View):
    """How many completed students continue: per cohort and track, and the list of applications."""

    permission_required = "students.view_continuation"
    template_name = "students/results/continuation_report.html"

    def get(self, request):
        decision = request.GET.get("decision") or ""
        if decision not in Continuation.Decision.values:
            decision = ""
        rows = selectors.continuation_report()
        tracks: dict[int, dict] = {}
        for row in rows:
            total = tracks.setdefault(
                row["track"].pk, {"track": row["track"], "completed": 0, "applied": 0, "accepted": 0}
            )
            for key in ("completed", "applied", "accepted"):
                total[key] += row[key]
        totals = list(tracks.values())
        for total in totals:
            total["applied_rate"] = round(100 * total["applied"] / total["completed"])
            total["accepted_rate"] = round(100 * total["accepted"] / total["completed"])
        page = Paginator(selectors.continuation_list(decision=decision or None), 50).get_page(request.GET.get("page"))
        context = {
            "rows": rows,
            "totals": totals,
            "page_obj": page,
            "continuations": page.object_list,
            "decision": decision,
            "decisions": Continuation.Decision.choices,
        }
        return render(request, self.template_name, context)
