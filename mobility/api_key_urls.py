"""Staff pages of partners' API keys, included under ``api-keys/`` by ``mobility/urls.py``."""

from django.urls import path

from mobility import api_key_views as views

app_name = "api_keys"

urlpatterns = [
    path("", views.APIKeyListView.as_view(), name="list"),
    path("new/", views.APIKeyCreateView.as_view(), name="create"),
    path("<str:prefix>/revoke/", views.APIKeyRevokeView.as_view(), name="revoke"),
]
