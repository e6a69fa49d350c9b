"""The office's side of students' correction requests, on the staff student page: one resource per student,
``students/<pk>/corrections/``. GET is the list (a partial the page loads with htmx); POST closes one of them (its
id in the form) as corrected or declined, with an answer the student reads in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin

from .. import selectors
from ..models import CorrectionRequest, Student
from ..services.corrections import correction_request_close
from .forms import CorrectionCloseForm


class StudentCorrectionsView(StaffRequiredMixin, View):
    """GET: the student's correction requests, open ones first, each open one with the form that closes it for
    staff who may change students. POST (``students.change_student``): close one of this student's requests."""

    permission_required = "students.view_student"
    template_name = "portal/staff_corrections.html"
    # Opened directly (a bookmark, a link, a new tab) rather than by htmx: the same list inside the staff layout.
    page_template_name = "students/corrections_page.html"

    def student(self, request, pk) -> Student:
        try:
            return selectors.student_list(viewer=request.user).prefetch_related(None).get(pk=pk)
        except Student.DoesNotExist:
            raise Http404 from None

    def get(self, request, pk):
        student = self.student(request, pk)
        context = {
            "student": student,
            "requests": list(selectors.student_correction_requests(viewer=request.user, student=student)),
            "can_close": request.user.has_perm("students.change_student"),
            "form": CorrectionCloseForm(),
        }
        htmx = request.headers.get("HX-Request") == "true"
        response = render(request, self.template_name if htmx else self.page_template_name, context)
        response["Cache-Control"] = "no-store"
        response["Vary"] = "HX-Request"
        return response

    def post(self, request, pk):
        if not request.user.has_perm("students.change_student"):
            raise PermissionDenied
        student = self.student(request, pk)
        form = CorrectionCloseForm(request.POST)
        if form.is_valid():
            try:
                correction = selectors.correction_request_for_staff(
                    viewer=request.user, student=student, pk=form.cleaned_data["request"]
                )
            except CorrectionRequest.DoesNotExist:
                raise Http404 from None
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
        return redirect(reverse("students:student-detail", args=[student.pk]) + "#corrections")
