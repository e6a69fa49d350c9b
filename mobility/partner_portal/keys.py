"""The partner portal's API keys and webhooks: a coordinator manages their own college's, an observer sees them.

The office's services do the work (``mobility.services.api_key_create``/``api_key_revoke``,
``mobility.foundation.webhooks.services``), with the institution forced to the viewer's college and the coordinator
as the audit log's actor; a key or an endpoint of another college is a 404. The plain key and the signing secret
appear only in the answer to their creation (the layout's pages are never stored, ``MemberRequiredMixin``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from mobility import selectors, services
from mobility.forms import APIKeyForm, APIKeyRevokeForm
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import PartnerAPIKey
from mobility.foundation.webhooks import selectors as webhook_selectors
from mobility.foundation.webhooks import services as webhook_services
from mobility.webhook_views import WebhookEndpointForm

from .base import PartnerView

RECENT_DELIVERIES = 50


class PartnerAPIKeyForm(APIKeyForm):
    """The office's form without the institution: a coordinator's keys are their college's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["institution"]


class APIKeyListView(PartnerView):
    template_name = "partner/api_keys.html"
    section = "api-keys"

    def get(self, request):
        keys = selectors.api_key_list(filters={"institution": self.institution})
        return self.render(request, {"keys": list(keys)})


class APIKeyCreateView(PartnerView):
    template_name = "partner/api_key_form.html"
    section = "api-keys"

    def allowed(self, request) -> bool:
        return self.can_write  # observers see the list only: not even the form

    def get(self, request):
        return self.render(request, {"form": PartnerAPIKeyForm(initial={"scopes": [PartnerAPIKey.Scope.READ]})})

    def post(self, request):
        form = PartnerAPIKeyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                api_key, raw_key = services.api_key_create(
                    institution=self.institution,
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
                context = {"api_key": api_key, "raw_key": raw_key}
                return self.render(request, context, template_name="partner/api_key_created.html", status=201)
        return self.render(request, {"form": form})


class APIKeyRevokeView(PartnerView):
    """GET asks for confirmation; POST revokes (``api_key_revoke``: idempotent, audited)."""

    template_name = "partner/api_key_revoke.html"
    section = "api-keys"

    def allowed(self, request) -> bool:
        return self.can_write

    def api_key(self, prefix: str) -> PartnerAPIKey:
        api_key = selectors.api_key_list(filters={"institution": self.institution}).filter(prefix=prefix).first()
        if api_key is None:
            raise Http404
        return api_key

    def get(self, request, prefix):
        return self.render(request, {"api_key": self.api_key(prefix), "form": APIKeyRevokeForm()})

    def post(self, request, prefix):
        api_key = self.api_key(prefix)
        form = APIKeyRevokeForm(request.POST)
        if not form.is_valid():
            return self.render(request, {"api_key": api_key, "form": form})
        services.api_key_revoke(api_key=api_key, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("API key %(prefix)s revoked: it no longer opens the API.") % {"prefix": api_key.prefix}
        )
        return redirect("partner:api-keys")


class WebhookListView(PartnerView):
    """The college's endpoints and the recent deliveries to them; ``?status=`` filters the deliveries."""

    template_name = "partner/webhooks.html"
    section = "webhooks"

    def get(self, request):
        status = request.GET.get("status")
        status = status if status in webhook_selectors.D.values else None
        deliveries = webhook_selectors.webhook_delivery_list(institution_id=self.institution.pk, status=status)
        context = {
            "endpoints": list(webhook_selectors.webhook_endpoint_list(institution_id=self.institution.pk)),
            "deliveries": list(deliveries[:RECENT_DELIVERIES]),
            "status": status,
            "statuses": webhook_selectors.D.choices,
        }
        return self.render(request, context)


class WebhookCreateView(PartnerView):
    template_name = "partner/webhook_form.html"
    section = "webhooks"

    def allowed(self, request) -> bool:
        return self.can_write

    def get(self, request):
        return self.render(request, {"form": WebhookEndpointForm()})

    def post(self, request):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = webhook_services.webhook_endpoint_create(
                    institution=self.institution,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return self.render(
                    request, {"endpoint": endpoint}, template_name="partner/webhook_created.html", status=201
                )
        return self.render(request, {"form": form})


class WebhookToggleView(PartnerView):
    """POST: disable an active endpoint of the college (its pending deliveries then fail unsent) or enable it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        endpoint = webhook_selectors.webhook_endpoints_visible_to(viewer=request.user).filter(pk=pk).first()
        if endpoint is None:
            raise Http404
        webhook_services.webhook_endpoint_update(endpoint=endpoint, by=request.user, is_active=not endpoint.is_active)
        if endpoint.is_active:
            messages.success(request, _("Endpoint %(url)s enabled.") % {"url": endpoint.url})
        else:
            messages.success(request, _("Endpoint %(url)s disabled.") % {"url": endpoint.url})
        return redirect("partner:webhooks")
