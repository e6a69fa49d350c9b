"""Pages of two-factor sign-in: the sign-in's code step, each person's own set-up (any logged-in user), and the
office-admin's policy and reset. Thin: selectors read, services write."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import user_login_failed
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from mobility.foundation.exceptions import DomainError
from mobility.foundation.two_factor import login_step, selectors, services
from mobility.foundation.two_factor.forms import CodeForm, PolicyForm, ResetForm, SetupCodeForm
from mobility.foundation.two_factor.qr import qr_data_url, secret_text
from mobility.foundation.views import StaffRequiredMixin, home_url_name


def _next_url(request, fallback: str | None = None) -> str:
    """Where to go after the step: ``next`` when it is this site's, else the person's first page."""
    wanted = request.POST.get("next") or request.GET.get("next") or fallback or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@method_decorator(never_cache, name="dispatch")
class LoginCodeView(FormView):
    """The sign-in's second step: a pending sign-in (the password was right), or a session logged in without a code
    (sent here by the middleware), gives a code from the authenticator app or a recovery code.

    A wrong code is refused with a message, throttles the device (django-otp) and counts as a failed login for
    django-axes, whose lockout ends the pending sign-in. ``after_login`` lets the wiring add its own step (the
    language remembered)."""

    template_name = "two_factor/login_code.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.pending = None
        if request.user.is_authenticated:
            if request.user.is_verified() or not selectors.two_factor_state(request.user).has_device:
                return redirect(_next_url(request))
            self.person = request.user
        else:
            self.person = login_step.pending_user(request)
            if self.person is None:
                login_step.pending_clear(request)
                if request.method == "POST":
                    messages.warning(request, _("The sign-in took too long: enter your password again."))
                next_url = request.GET.get("next")
                return redirect_to_login(next_url) if next_url else redirect(settings.LOGIN_URL)
            self.pending = login_step.pending_get(request)
        self.credentials = {"username": self.person.get_username()}
        if request.method == "POST" and AxesProxyHandler.is_locked(request, self.credentials):
            return self._locked_out(request)
        return super().dispatch(request, *args, **kwargs)

    def _locked_out(self, request):
        login_step.pending_clear(request)
        return get_lockout_response(request, None, self.credentials)

    def get_context_data(self, **kwargs):
        next_url = self.request.GET.get("next") or (self.pending or {}).get("next", "")
        return super().get_context_data(person=self.person, next=next_url, **kwargs)

    def form_valid(self, form):
        request = self.request
        try:
            device = services.two_factor_check(user=self.person, token=form.cleaned_data["token"])
        except DomainError as error:
            if error.code == "two_factor_wrong_code":
                user_login_failed.send(sender=__name__, credentials=self.credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    return self._locked_out(request)
            form.add_domain_error(error)
            return self.form_invalid(form)
        next_url = _next_url(request, (self.pending or {}).get("next"))
        if self.pending is not None:
            login_step.pending_clear(request)
            auth_login(request, self.person, backend=self.pending["backend"] or None)
        else:
            request.session.cycle_key()
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.warning(
                request,
                _("You signed in with a recovery code; %(left)d are left. Make new ones on your two-factor page.")
                % {"left": left},
            )
        return self.after_login(redirect(next_url))

    def after_login(self, response):
        return response


class OwnTwoFactorMixin(LoginRequiredMixin):
    """Pages of one's own two-factor sign-in: any logged-in person, for their own account only; never stored."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        home = home_url_name(user) if user.is_authenticated else None
        return super().get_context_data(home=home or "dashboard", **kwargs)


class AccountView(OwnTwoFactorMixin, TemplateView):
    template_name = "two_factor/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        state = selectors.two_factor_state(user)
        return super().get_context_data(
            state=state,
            device=selectors.totp_device(user) if state.has_device else None,
            codes_left=selectors.recovery_codes_left(user) if state.has_device else 0,
            **kwargs,
        )


class SetupView(OwnTwoFactorMixin, FormView):
    """The QR code and the secret in text, and a code from the app to confirm; then the recovery codes, once."""

    template_name = "two_factor/setup.html"
    form_class = SetupCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and selectors.two_factor_state(request.user).has_device:
            return redirect("two-factor")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = services.two_factor_setup_device(user=self.request.user)
        return super().get_context_data(
            qr=qr_data_url(device.config_url),
            secret=secret_text(device.key),
            required=selectors.two_factor_state(self.request.user).required,
            next=self.request.GET.get("next", ""),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            device, codes = services.two_factor_enable(user=self.request.user, token=form.cleaned_data["token"])
        except DomainError as error:
            form.add_domain_error(error)
            return self.form_invalid(form)
        self.request.session.cycle_key()
        otp_login(self.request, device)  # this session has just given a code
        return _codes_page(self, codes, first=True)


def _codes_page(view, codes: list[str], *, first: bool):
    """The recovery codes, shown on this response only (never redirected to: they would have to travel)."""
    return view.response_class(
        request=view.request,
        template=["two_factor/recovery_codes.html"],
        context={"view": view, "codes": codes, "first": first, "next": _next_url(view.request)},
        using=view.template_engine,
    )


class RecoveryCodesView(OwnTwoFactorMixin, TemplateView):
    """GET asks to confirm; POST makes new recovery codes (the old ones stop working) and shows them once."""

    template_name = "two_factor/recovery_codes_confirm.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(codes_left=selectors.recovery_codes_left(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            codes = services.recovery_codes_regenerate(user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("two-factor")
        return _codes_page(self, codes, first=False)


class RemoveView(OwnTwoFactorMixin, FormView):
    """Turning one's own two-factor sign-in off, with a current code."""

    template_name = "two_factor/remove.html"
    form_class = CodeForm

    def get_context_data(self, **kwargs):
        state = selectors.two_factor_state(self.request.user)
        return super().get_context_data(state=state, **kwargs)

    def form_valid(self, form):
        try:
            services.two_factor_remove(user=self.request.user, token=form.cleaned_data["token"])
        except DomainError as error:
            form.add_domain_error(error)
            return self.form_invalid(form)
        messages.success(self.request, _("Two-factor sign-in is off for your account."))
        return redirect("two-factor")


class PolicyView(StaffRequiredMixin, FormView):
    """The office-admin's policy, and the people who sign in with an authenticator (to reset one)."""

    permission_required = ("mobility.view_twofactorpolicy", "mobility.change_twofactorpolicy")
    template_name = "two_factor/policy.html"
    form_class = PolicyForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"instance": selectors.policy_get()}

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.two_factor_people(), 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, people=page.object_list, **kwargs)

    def form_valid(self, form):
        services.two_factor_policy_update(
            require_office_staff=form.cleaned_data["require_office_staff"],
            require_coordinators=form.cleaned_data["require_coordinators"],
            by=self.request.user,
        )
        messages.success(self.request, _("The two-factor policy is saved; it applies from the next page anyone opens."))
        return redirect("two-factor-policy")


class ResetView(StaffRequiredMixin, TemplateView):
    """GET asks to confirm; POST deletes the person's authenticator and recovery codes (a lost phone)."""

    permission_required = "mobility.reset_two_factor"
    template_name = "two_factor/reset.html"

    def person(self):
        return get_object_or_404(selectors.people_all(), pk=self.kwargs["user_id"])

    def page(self, person, form):
        has_device = selectors.totp_device(person) is not None
        return self.render_to_response(self.get_context_data(person=person, has_device=has_device, form=form))

    def get(self, request, *args, **kwargs):
        return self.page(self.person(), ResetForm())

    def post(self, request, *args, **kwargs):
        person = self.person()
        form = ResetForm(request.POST)
        if not form.is_valid():
            return self.page(person, form)
        services.two_factor_reset(user=person, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            _("Two-factor sign-in of %(person)s is reset: they sign in with the password and set it up again.")
            % {"person": person.get_full_name() or person.get_username()},
        )
        return redirect("two-factor-policy")
