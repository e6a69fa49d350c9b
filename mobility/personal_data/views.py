"""Staff pages about one student's personal data: the export (JSON download, printable page) and the erasure (a
confirmation page that says what stays and what goes, with a required reason).

Who may use them is decided by ``mobility.personal_data.services`` (``EXPORT_PERMISSIONS``, ``ERASE_PERMISSIONS``:
office-admin); the office gets 403, students and partners are no office staff and get 403 too, anonymous visitors
the login page. The student is found through the selector that scopes the staff's view (404 otherwise).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from diplomas.models import Diploma
from mobility.foundation.access import can_view_sensitive
from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.views import StaffRequiredMixin
from mobility.personal_data import services as personal_data
from mobility.personal_data.page import personal_data_readable
from mobility.personal_data.retention import CATEGORIES, retention_plan
from mobility.personal_data.rules import NAME_FIELDS
from students import selectors
from students.models import Continuation, CorrectionRequest, Enrollment, ModuleResult, Student


def _student_or_404(request, pk) -> Student:
    try:
        return selectors.student_get(viewer=request.user, pk=pk)
    except Student.DoesNotExist:
        raise Http404(_("No such student.")) from None


class PersonalDataJsonView(StaffRequiredMixin, View):
    """Everything held about the student, as a JSON attachment; never cached."""

    permission_required = personal_data.EXPORT_PERMISSIONS

    def get(self, request, pk):
        student = _student_or_404(request, pk)
        data = personal_data.student_data_export(student=student, by=request.user, fmt="json")
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="student-{student.pk}-personal-data.json"'
        response["Cache-Control"] = "no-store"
        return response


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or "—"))


def with_labels(data: dict) -> dict:
    """The export's coded values (statuses, grades, sources) with their labels in the active language, for the page;
    the JSON keeps the codes (``*_label`` keys are added here only)."""
    student = data["student"]
    student["sex_label"] = _label(Student.Sex.choices, student["sex"])
    for enrollment in data["enrollments"]:
        enrollment["status_label"] = _label(Enrollment.Status.choices, enrollment["status"])
        enrollment["source_label"] = _label(Enrollment.Source.choices, enrollment["source"])
        for result in enrollment["results"]:
            result["grade_label"] = _label(ModuleResult.Grade.choices, result["grade"])
            result["source_label"] = _label(ModuleResult.Source.choices, result["source"])
        for item in enrollment["continuations"]:
            item["decision_label"] = _label(Continuation.Decision.choices, item["decision"])
        for diploma in enrollment["diplomas"]:
            diploma["status_label"] = _label(Diploma.Status.choices, diploma["status"])
    for item in data["correction_requests"]:
        item["status_label"] = _label(CorrectionRequest.Status.choices, item["status"])
    return data


class PersonalDataPageView(StaffRequiredMixin, View):
    """The same data as a readable page to print, in the staff's language; never cached."""

    permission_required = personal_data.EXPORT_PERMISSIONS
    template_name = "students/personal_data/export.html"

    def get(self, request, pk):
        student = _student_or_404(request, pk)
        data = personal_data.student_data_export(student=student, by=request.user, fmt="html")
        page = personal_data_readable(with_labels(data), sensitive=can_view_sensitive(request.user))
        response = render(request, self.template_name, {"student": student, "data": page})
        response["Cache-Control"] = "no-store"
        return response


class ErasureForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Kept in the audit log, readable by every office user: say why (e.g. the student's request of "
            "2026-05-04), without personal data."
        ),
    )


class StudentEraseView(StaffRequiredMixin, View):
    """GET: what erasure would keep and remove, and the reason field. POST: erase; a refusal is shown on the form
    and changes nothing."""

    permission_required = personal_data.ERASE_PERMISSIONS
    template_name = "students/personal_data/erase.html"

    def render_form(self, request, student, form):
        context = {
            "student": student,
            "form": form,
            "plan": personal_data.student_erasure_plan(student=student),
            "stays": personal_data.STAYS_ALWAYS,
            "goes": personal_data.GOES_ALWAYS,
        }
        return render(request, self.template_name, context)

    def get(self, request, pk):
        return self.render_form(request, _student_or_404(request, pk), ErasureForm())

    def post(self, request, pk):
        student = _student_or_404(request, pk)
        form = ErasureForm(request.POST)
        if form.is_valid():
            try:
                result = personal_data.student_erase(
                    student=student, by=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if result.already_erased:
                    messages.info(request, _("The student's personal data had already been erased."))
                else:
                    messages.success(request, _("The student's personal data were erased."))
                return redirect("students:student-detail", pk=student.pk)
        return self.render_form(request, student, form)


class RetentionView(StaffRequiredMixin, View):
    """The retention schedule as a dry run: per category its rule, the students due now and those due in the next
    ``HORIZON_DAYS`` days (each list cut at ``SHOWN``). Reads only; the erasure is Celery beat's, at night."""

    permission_required = personal_data.ERASE_PERMISSIONS
    template_name = "students/personal_data/retention.html"
    HORIZON_DAYS = 30
    SHOWN = 200

    def get(self, request):
        plan = retention_plan(horizon_days=self.HORIZON_DAYS)
        lists = [*plan.due.values(), *plan.upcoming.values()]
        ids = {item.student_id for items in lists for item in items[: self.SHOWN]}
        students = Student.objects.filter(pk__in=ids).only("pk", *NAME_FIELDS).in_bulk()
        categories = [
            {
                "category": category,
                "months": plan.months.get(category.key),
                "sections": [
                    (kind, len(items), [(item, students[item.student_id]) for item in items[: self.SHOWN]])
                    for kind, items in (
                        ("due", plan.due[category.key]),
                        ("upcoming", plan.upcoming[category.key]),
                    )
                ],
            }
            for category in CATEGORIES
        ]
        context = {"plan": plan, "categories": categories, "horizon": self.HORIZON_DAYS, "shown": self.SHOWN}
        response = render(request, self.template_name, context)
        response["Cache-Control"] = "no-store"
        return response
