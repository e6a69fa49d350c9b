"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import keys, threads, views

app_name = "partner"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # The college's own API keys and webhooks (keys.py).
    path("api-keys/", keys.APIKeyListView.as_view(), name="api-keys"),
    path("api-keys/new/", keys.APIKeyCreateView.as_view(), name="api-key-create"),
    path("api-keys/<str:prefix>/revoke/", keys.APIKeyRevokeView.as_view(), name="api-key-revoke"),
    path("webhooks/", keys.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new/", keys.WebhookCreateView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/toggle/", keys.WebhookToggleView.as_view(), name="webhook-toggle"),
    # Message threads with the office (threads.py): the general one and one per student.
    path("messages/", threads.ThreadListView.as_view(), name="threads"),
    path("messages/general/", threads.ThreadView.as_view(), name="thread-general"),
    path("messages/students/<int:student_pk>/", threads.ThreadView.as_view(), name="thread-student"),
]
