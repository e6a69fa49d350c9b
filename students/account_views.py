"""Pages of students' accounts: staff invite a student or a cohort; a student accepts the invitation (sets a
password and is logged in to the portal), resets a forgotten password or changes it.

The password pages are Django's own views (``django.contrib.auth.views``) with the forms in the site's markup; the
invitation link is ``PasswordResetConfirmView`` with the invitation's token generator.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort

from . import accounts
from .models import Student
from .selectors import visible_students_only
from .services import accounts as account_services

# The backend that logs a student in after they set their password (django-axes' backend only guards logins).
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class PasswordResetRequestForm(BootstrapFormMixin, auth_forms.PasswordResetForm):
    """Django's reset form; a student's reset e-mail is written in their language (``student_language``)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        student = Student.objects.filter(user=context["user"]).first()
        language = accounts.student_language(student) if student is not None else translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class NewPasswordForm(BootstrapFormMixin, auth_forms.SetPasswordForm):
    pass


class ChangePasswordForm(BootstrapFormMixin, auth_forms.PasswordChangeForm):
    pass


# --- staff: invitations -------------------------------------------------------------------------------------------


class StudentInviteView(StaffRequiredMixin, View):
    """POST: invite one student (or send the invitation again); back to the student's page with the outcome."""

    permission_required = "students.change_student"

    def post(self, request, pk):
        student = get_object_or_404(visible_students_only(Student.objects.all(), viewer=request.user), pk=pk)
        try:
            account_services.student_invite(student=student, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Invitation sent to %(email)s; the link is valid for %(days)d day.",
                    "Invitation sent to %(email)s; the link is valid for %(days)d days.",
                    settings.STUDENT_INVITATION_DAYS,
                )
                % {"email": student.email, "days": settings.STUDENT_INVITATION_DAYS},
            )
        return redirect("students:student-detail", pk=student.pk)


class CohortInviteView(StaffRequiredMixin, View):
    """GET: who would be invited (the confirmation page); POST: invite them all."""

    permission_required = "students.change_student"
    template_name = "students/accounts/cohort_invite_confirm.html"

    def get(self, request, pk):
        cohort = get_object_or_404(Cohort, pk=pk)
        candidates = account_services.cohort_invitation_candidates(cohort=cohort)
        return render(request, self.template_name, {"cohort": cohort, "candidates": candidates})

    def post(self, request, pk):
        cohort = get_object_or_404(Cohort, pk=pk)
        invited = account_services.cohort_invite(cohort=cohort, by=request.user)
        if invited:
            messages.success(
                request,
                ngettext(
                    "%(count)d student of cohort %(cohort)s invited.",
                    "%(count)d students of cohort %(cohort)s invited.",
                    invited,
                )
                % {"count": invited, "cohort": cohort.code},
            )
        else:
            messages.info(
                request,
                _(
                    "No student of cohort %(cohort)s could be invited: each has an account already, no e-mail "
                    "address, or no current enrollment."
                )
                % {"cohort": cohort.code},
            )
        return redirect("students:cohort-detail", pk=cohort.pk)


# --- the student: accepting the invitation ------------------------------------------------------------------------


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The one-time invitation link: the student sets a password and is logged in to the portal. An expired, used
    or replaced link shows a page that says how to get a new one."""

    token_generator = accounts.invitation_token_generator
    form_class = NewPasswordForm
    post_reset_login = True
    post_reset_login_backend = LOGIN_BACKEND
    template_name = "students/accounts/invitation_accept.html"
    title = gettext_lazy("Set your password")
    student: Student | None = None

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active:
            return None
        # Only students' accounts are set up by invitation, and never an erased student's.
        self.student = Student.objects.filter(user=user, erased_at__isnull=True).first()
        return user if self.student is not None else None

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            account_services.student_account_activated(student=self.student)
        messages.success(self.request, _("Your password is set. Welcome to the student portal!"))
        return response

    def get_success_url(self):
        return accounts.portal_path()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["student"] = self.student
        context["invitation_days"] = settings.STUDENT_INVITATION_DAYS
        return context


# --- the password pages in the site's markup ---------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
