"""The staff pages of a partner's webhooks (``mobility.webhook_views``): endpoints and deliveries belong to the
institution, so the paths are under it."""

from django.urls import path

from mobility import webhook_views as views

app_name = "webhooks"

urlpatterns = [
    path("institutions/<int:pk>/webhooks/", views.WebhookListView.as_view(), name="list"),
    path(
        "institutions/<int:institution_pk>/webhooks/new/",
        views.WebhookEndpointCreateView.as_view(),
        name="create",
    ),
    path("webhooks/<int:pk>/toggle/", views.WebhookEndpointToggleView.as_view(), name="toggle"),
    path("webhook-deliveries/<int:pk>/replay/", views.WebhookReplayView.as_view(), name="replay"),
]
