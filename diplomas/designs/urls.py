"""The office-admin's designs and signatories (diplomas/designs/views.py), under ``administration/designs/``."""

from django.urls import path

from . import views

app_name = "designs"

urlpatterns = [
    path("", views.DesignListView.as_view(), name="design-list"),
    path("new/", views.DraftCreateView.as_view(), name="design-draft"),
    path("<int:pk>/", views.DesignDetailView.as_view(), name="design-detail"),
    path("<int:pk>/preview/", views.DesignPreviewView.as_view(), name="design-preview"),
    path("<int:pk>/sample.pdf", views.DesignSamplePdfView.as_view(), name="design-sample-pdf"),
    path("<int:pk>/publish/", views.DesignPublishView.as_view(), name="design-publish"),
    path("signatories/", views.SignatoryListView.as_view(), name="signatory-list"),
    path("signatories/new/", views.SignatoryFormView.as_view(), name="signatory-create"),
    path("signatories/<int:pk>/", views.SignatoryFormView.as_view(), name="signatory-edit"),
]
