"""Staff pages of a partner's webhooks: its endpoints and recent deliveries, a new endpoint (its secret shown once),
enable/disable, and the replay of a delivery. Thin: a selector reads, a service writes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from mobility.foundation.exceptions import DomainError
from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.models import WebhookDelivery, WebhookEndpoint
from mobility.foundation.views import StaffRequiredMixin
from mobility.foundation.webhooks import selectors, services
from programs.models import Institution

RECENT = 50  # deliveries shown on the page


class WebhookEndpointForm(BootstrapFormMixin, forms.Form):
    wide_fields = ("url", "events", "description")

    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=WebhookEndpoint.Event.values,
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


def _page(institution_id: int) -> str:
    return reverse("webhooks:list", args=[institution_id])


class WebhookListView(StaffRequiredMixin, TemplateView):
    permission_required = ("mobility.view_webhookendpoint", "mobility.view_webhookdelivery")
    template_name = "mobility/webhooks.html"

    def get_context_data(self, **kwargs):
        institution = get_object_or_404(Institution, pk=self.kwargs["pk"])
        status = self.request.GET.get("status")
        status = status if status in WebhookDelivery.Status.values else None
        return super().get_context_data(
            institution=institution,
            endpoints=list(selectors.webhook_endpoint_list(institution_id=institution.pk)),
            deliveries=list(selectors.webhook_delivery_list(institution_id=institution.pk, status=status)[:RECENT]),
            status=status,
            statuses=WebhookDelivery.Status.choices,
            **kwargs,
        )


# The page that shows a new endpoint's secret is the only one that does: never cached, never redirected to.
@method_decorator(never_cache, name="dispatch")
class WebhookEndpointCreateView(StaffRequiredMixin, TemplateView):
    permission_required = ("mobility.view_webhookendpoint", "mobility.add_webhookendpoint")
    template_name = "mobility/webhook_form.html"

    def institution(self) -> Institution:
        return get_object_or_404(Institution, pk=self.kwargs["institution_pk"])

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(institution=self.institution(), form=WebhookEndpointForm())
        )

    def post(self, request, *args, **kwargs):
        institution = self.institution()
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = services.webhook_endpoint_create(
                    institution=institution,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return self.response_class(
                    request=request,
                    template=["mobility/webhook_created.html"],
                    context=self.get_context_data(institution=institution, endpoint=endpoint),
                    using=self.template_engine,
                    status=201,
                )
        return self.render_to_response(self.get_context_data(institution=institution, form=form))


class WebhookEndpointToggleView(StaffRequiredMixin, View):
    """POST: disable an active endpoint (its pending deliveries then fail without a request) or enable it again."""

    permission_required = ("mobility.view_webhookendpoint", "mobility.change_webhookendpoint")
    http_method_names = ["post"]

    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        services.webhook_endpoint_update(endpoint=endpoint, by=request.user, is_active=not endpoint.is_active)
        if endpoint.is_active:
            messages.success(request, _("Endpoint %(url)s enabled.") % {"url": endpoint.url})
        else:
            messages.success(request, _("Endpoint %(url)s disabled.") % {"url": endpoint.url})
        return redirect(_page(endpoint.institution_id))


class WebhookReplayView(StaffRequiredMixin, View):
    """POST: send a delivery again (``webhook_replay``, audited)."""

    permission_required = ("mobility.view_webhookdelivery", "mobility.change_webhookdelivery")
    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
        try:
            services.webhook_replay(delivery=delivery, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Delivery of %(event)s to %(url)s sent again.")
                % {"event": delivery.event, "url": delivery.endpoint.url},
            )
        return redirect(_page(delivery.endpoint.institution_id))
