"""Staff pages of partners' API keys: the list, a new key (shown once) and revocation. Thin: a selector reads,
a service writes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from mobility import selectors, services
from mobility.forms import APIKeyFilterForm, APIKeyForm, APIKeyRevokeForm
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import PartnerAPIKey
from mobility.foundation.views import StaffRequiredMixin


class APIKeyListView(StaffRequiredMixin, ListView):
    permission_required = "mobility.view_partnerapikey"
    template_name = "mobility/api_key_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = APIKeyFilterForm(self.request.GET or None)
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.api_key_list(filters=filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


# The page that shows a new key is the only place the plain key ever appears: never cached, never redirected to
# (a redirect would have to carry the key in the session or the URL).
@method_decorator(never_cache, name="dispatch")
class APIKeyCreateView(StaffRequiredMixin, TemplateView):
    permission_required = ("mobility.view_partnerapikey", "mobility.add_partnerapikey")
    template_name = "mobility/api_key_form.html"

    def get(self, request, *args, **kwargs):
        initial = {"scopes": [PartnerAPIKey.Scope.READ]}
        institution = request.GET.get("institution")
        if institution and institution.isdigit():
            initial["institution"] = institution
        return self.render_to_response(self.get_context_data(form=APIKeyForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = APIKeyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                api_key, raw_key = services.api_key_create(
                    institution=data["institution"],
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_at=services.api_key_expiry(data["expires_on"]) if data["expires_on"] else None,
                    by=request.user,
                )
            except DomainError as error:
                if error.field == "expires_at":
                    error.field = "expires_on"
                form.add_domain_error(error)
            else:
                return self.response_class(
                    request=request,
                    template=["mobility/api_key_created.html"],
                    context=self.get_context_data(api_key=api_key, raw_key=raw_key),
                    using=self.template_engine,
                    status=201,
                )
        return self.render_to_response(self.get_context_data(form=form))


class APIKeyRevokeView(StaffRequiredMixin, TemplateView):
    """GET asks for confirmation (no script needed); POST revokes, with an optional reason."""

    permission_required = ("mobility.view_partnerapikey", "mobility.change_partnerapikey")
    template_name = "mobility/api_key_revoke.html"

    def api_key(self) -> PartnerAPIKey:
        return get_object_or_404(PartnerAPIKey.objects.select_related("institution"), prefix=self.kwargs["prefix"])

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(api_key=self.api_key(), form=APIKeyRevokeForm()))

    def post(self, request, *args, **kwargs):
        api_key = self.api_key()
        form = APIKeyRevokeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(api_key=api_key, form=form))
        services.api_key_revoke(api_key=api_key, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("API key %(prefix)s revoked: it no longer opens the API.") % {"prefix": api_key.prefix}
        )
        return redirect(f"{reverse('api_keys:list')}?institution={api_key.institution_id}")
