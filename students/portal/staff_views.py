"""The office's side of students' correction requests, on the staff student page: the list (a partial the page
loads with htmx) and closing one as corrected or declined with an answer."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.exceptions import DomainError
from mobility.views import StaffRequiredMixin

from .. import selectors
from ..models import CorrectionRequest, Student
from ..services.corrections import correction_request_close
from .forms import CorrectionCloseForm


class CorrectionsPanelView(StaffRequiredMixin, View):
    """The student's correction requests, open ones first, each open one with the form that closes it (for staff
    who may change students)."""

    permission_required = "students.view_student"
    template_name = "portal/staff_corrections.html"

    def get(self, request, pk):
        try:
            student = selectors.student_list(viewer=request.user).prefetch_related(None).get(pk=pk)
        except Student.DoesNotExist:
            raise Http404 from None
        context = {
            "student": student,
            "requests": list(selectors.student_correction_requests(viewer=request.user, student=student)),
            "can_close": request.user.has_perm("students.change_student"),
            "form": CorrectionCloseForm(),
        }
        response = render(request, self.template_name, context)
        response["Cache-Control"] = "no-store"
        return response


class CorrectionCloseView(StaffRequiredMixin, View):
    permission_required = "students.change_student"

    def post(self, request, pk):
        try:
            correction = selectors.correction_request_for_staff(viewer=request.user, pk=pk)
        except CorrectionRequest.DoesNotExist:
            raise Http404 from None
        form = CorrectionCloseForm(request.POST)
        if form.is_valid():
            try:
                correction_request_close(
                    request=correction,
                    by=request.user,
                    status=form.cleaned_data["status"],
                    answer=form.cleaned_data["answer"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("The correction request was closed (%(status)s).") % {"status": correction.get_status_display()},
                )
        else:
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(reverse("students:student-detail", args=[correction.student_id]) + "#corrections")
