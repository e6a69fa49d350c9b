"""The papers' pages: a cohort's papers (its roster and a grade sheet per module), the downloads, and the certificate
of study, made by a POST from the student's page (each one is numbered and registered). Office staff only
(``StaffRequiredMixin``); every file is an attachment, never cached."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views import View
from django.views.generic import TemplateView

from mobility.foundation.access import can_view_sensitive
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort, Module
from students.models import Enrollment

from . import selectors, services
from .documents import Paper
from .labels import cohort_language, student_paper_language


def attachment(paper: Paper) -> HttpResponse:
    response = HttpResponse(paper.content, content_type=paper.mimetype)
    response["Content-Disposition"] = f'attachment; filename="{paper.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class CohortPaperMixin(StaffRequiredMixin):
    kwargs: dict  # set by Django's View

    def cohort(self) -> Cohort:
        try:
            return selectors.paper_cohort(pk=self.kwargs["pk"])
        except Cohort.DoesNotExist:
            raise Http404 from None


class CohortPapersView(CohortPaperMixin, TemplateView):
    """The cohort's papers: the roster and each module's grade sheet, in Russian and a second language."""

    permission_required = ("programs.view_cohort", "students.view_enrollment", "students.view_moduleresult")
    template_name = "diplomas/papers/cohort_papers.html"

    def get_context_data(self, **kwargs):
        cohort = self.cohort()
        return super().get_context_data(
            cohort=cohort,
            modules=selectors.cohort_modules(cohort=cohort),
            language=cohort_language(cohort, self.request.GET.get("lang")),
            **kwargs,
        )


class GradeSheetView(CohortPaperMixin, View):
    permission_required = ("programs.view_cohort", "students.view_moduleresult")

    def get(self, request, pk, module_pk):
        cohort = self.cohort()
        try:
            module = selectors.paper_module(cohort=cohort, pk=module_pk)
        except Module.DoesNotExist:
            raise Http404 from None
        language = cohort_language(cohort, request.GET.get("lang"))
        return attachment(
            services.grade_sheet_generate(cohort=cohort, module=module, second_language=language, by=request.user)
        )


class RosterView(CohortPaperMixin, View):
    permission_required = ("programs.view_cohort", "students.view_enrollment")

    def get(self, request, pk):
        cohort = self.cohort()
        language = cohort_language(cohort, request.GET.get("lang"))
        return attachment(services.roster_generate(cohort=cohort, second_language=language, by=request.user))


class CertificateView(StaffRequiredMixin, View):
    """POST: a new certificate of study for the enrollment (numbered, registered, audited), as the download."""

    permission_required = ("students.view_enrollment", "diplomas.add_enrollmentcertificate")

    def post(self, request, pk):
        try:
            enrollment = selectors.certificate_enrollment(pk=pk)
        except Enrollment.DoesNotExist:
            raise Http404 from None
        _certificate, paper = services.certificate_issue(
            enrollment=enrollment,
            second_language=student_paper_language(enrollment.student, request.POST.get("lang")),
            by=request.user,
            with_birth_date=can_view_sensitive(request.user),
        )
        return attachment(paper)
