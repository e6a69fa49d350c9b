"""The office-admin's consent texts (students/consent/views.py), included under ``privacy/consents/``."""

from django.urls import path

from . import views

app_name = "consents"

urlpatterns = [
    path("", views.TextListView.as_view(), name="text-list"),
    path("new/", views.DraftCreateView.as_view(), name="text-draft"),
    path("<int:pk>/", views.TextDetailView.as_view(), name="text-detail"),
    path("<int:pk>/preview/", views.TextPreviewView.as_view(), name="text-preview"),
    path("<int:pk>/publish/", views.TextPublishView.as_view(), name="text-publish"),
]
