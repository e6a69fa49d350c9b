"""The office's pages about the partnership's people: the list, the invitation form, a person's page (their
account, and a teacher's modules of cohorts) and its actions; and the one-time invitation link a member opens to set
a password. Thin: ``mobility.foundation.people`` (selectors, services) and ``programs.services`` do the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from mobility.foundation.exceptions import DomainError
from mobility.foundation.people import accounts, selectors, services
from mobility.foundation.people.models import Membership
from mobility.foundation.views import StaffRequiredMixin, home_url_name
from mobility.people_forms import MemberFilterForm, MemberInviteForm, MemberUpdateForm, TeachingAssignForm
from programs import services as program_services
from programs.selectors import teaching_assignments_visible_to
from students.account_views import LOGIN_BACKEND, NewPasswordForm

VIEW, ADD, CHANGE = "mobility.view_membership", "mobility.add_membership", "mobility.change_membership"
ASSIGN = ("programs.view_teachingassignment", "programs.add_teachingassignment")
UNASSIGN = ("programs.view_teachingassignment", "programs.delete_teachingassignment")


class MemberListView(StaffRequiredMixin, ListView):
    permission_required = VIEW
    template_name = "mobility/people/list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = MemberFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.member_list(viewer=self.request.user, filters=filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        for membership in context["object_list"]:
            membership.state = accounts.member_account_state(membership)
        return context


class MemberInviteView(StaffRequiredMixin, TemplateView):
    permission_required = (VIEW, ADD)
    template_name = "mobility/people/invite.html"

    def get(self, request, *args, **kwargs):
        initial = {}
        institution = request.GET.get("institution")
        if institution and institution.isdigit():
            initial["institution"] = institution
        return self.render_to_response(self.get_context_data(form=MemberInviteForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = MemberInviteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership = services.member_invite(
                    email=data["email"],
                    full_name=data["full_name"],
                    role=data["role"],
                    institution=data["institution"],
                    language=data["language"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _invitation_sent(membership))
                return redirect("people:member-detail", pk=membership.pk)
        return self.render_to_response(self.get_context_data(form=form))


def _invitation_sent(membership: Membership) -> str:
    return _("Invitation sent to %(email)s; the link is valid for %(days)d days.") % {
        "email": membership.user.email,
        "days": settings.STUDENT_INVITATION_DAYS,
    }


class _MemberMixin(StaffRequiredMixin):
    request: HttpRequest
    kwargs: dict

    def membership(self) -> Membership:
        membership = selectors.member_get(viewer=self.request.user, pk=self.kwargs["pk"])
        if membership is None:
            raise Http404
        return membership


class MemberDetailView(_MemberMixin, TemplateView):
    permission_required = VIEW
    template_name = "mobility/people/detail.html"

    def get_context_data(self, **kwargs):
        membership = self.membership()
        context = super().get_context_data(
            membership=membership, state=accounts.member_account_state(membership), **kwargs
        )
        if membership.role == Membership.Role.TEACHER:
            context["assignments"] = list(
                teaching_assignments_visible_to(viewer=self.request.user).filter(teacher_id=membership.user_id)
            )
            context["assign_form"] = kwargs.get("assign_form") or TeachingAssignForm()
        return context


class MemberUpdateView(_MemberMixin, TemplateView):
    permission_required = (VIEW, CHANGE)
    template_name = "mobility/people/edit.html"

    def get(self, request, *args, **kwargs):
        membership = self.membership()
        form = MemberUpdateForm(
            initial={"full_name": membership.full_name, "role": membership.role, "language": membership.language}
        )
        return self.render_to_response(self.get_context_data(membership=membership, form=form))

    def post(self, request, *args, **kwargs):
        membership = self.membership()
        form = MemberUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.member_update(membership=membership, by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Saved."))
                return redirect("people:member-detail", pk=membership.pk)
        return self.render_to_response(self.get_context_data(membership=membership, form=form))


class MemberActionView(_MemberMixin, View):
    """POST: deactivate, reactivate or invite again; back to the person's page with the outcome."""

    permission_required = (VIEW, CHANGE)
    action = ""

    def post(self, request, pk):
        membership = self.membership()
        try:
            if self.action == "deactivate":
                services.member_deactivate(membership=membership, by=request.user)
                messages.success(request, _("The account is deactivated: the person can no longer log in."))
            elif self.action == "reactivate":
                services.member_reactivate(membership=membership, by=request.user)
                messages.success(request, _("The account is active again."))
            else:
                services.member_reinvite(membership=membership, by=request.user)
                messages.success(request, _invitation_sent(membership))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("people:member-detail", pk=membership.pk)


class TeachingAssignView(_MemberMixin, View):
    """POST: assign the teacher to a module of a cohort; the person's page again with the form's errors."""

    permission_required = (VIEW, *ASSIGN)

    def post(self, request, pk):
        membership = self.membership()
        form = TeachingAssignForm(request.POST)
        if form.is_valid():
            try:
                program_services.teaching_assign(
                    teacher_membership_user=membership.user,
                    cohort=form.cleaned_data["cohort"],
                    module=form.cleaned_data["module"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Assigned."))
                return redirect(f"{reverse('people:member-detail', args=[membership.pk])}#assignments")
        detail = MemberDetailView()
        detail.setup(request, **self.kwargs)
        return detail.render_to_response(detail.get_context_data(assign_form=form), status=400)


class TeachingUnassignView(_MemberMixin, View):
    permission_required = (VIEW, *UNASSIGN)

    def post(self, request, pk, assignment_pk):
        membership = self.membership()
        assignment = get_object_or_404(
            teaching_assignments_visible_to(viewer=request.user), pk=assignment_pk, teacher_id=membership.user_id
        )
        program_services.teaching_unassign(assignment=assignment, by=request.user)
        messages.success(request, _("Assignment removed."))
        return redirect(f"{reverse('people:member-detail', args=[membership.pk])}#assignments")


# --- the member: accepting the invitation -------------------------------------------------------------------------


class MemberInvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The one-time invitation link of a member of the partnership: they set a password and are logged in to their
    area. An expired, used or replaced link shows a page that says how to get a new one."""

    token_generator = accounts.member_invitation_token_generator
    form_class = NewPasswordForm
    post_reset_login = True
    post_reset_login_backend = LOGIN_BACKEND
    template_name = "mobility/people/invitation_accept.html"
    title = gettext_lazy("Set your password")
    membership: Membership | None = None

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active:
            return None
        self.membership = Membership.objects.filter(user=user).first()
        return user if self.membership is not None else None

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.member_account_activated(membership=self.membership)
        messages.success(self.request, _("Your password is set. Welcome!"))
        return response

    def get_success_url(self):
        return reverse(home_url_name(self.user) or "login")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["membership"] = self.membership
        context["invitation_days"] = settings.STUDENT_INVITATION_DAYS
        return context
