"""The teacher's workspace, under /teaching/ (mobility/urls.py)."""

from django.urls import path

from . import gradebook_views, views

app_name = "teaching"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("history/", views.HistoryView.as_view(), name="history"),
    path("assignments/<int:pk>/", views.GridView.as_view(), name="grid"),
    path("assignments/<int:pk>/gradebook/", gradebook_views.GradebookUploadView.as_view(), name="gradebook"),
    path(
        "assignments/<int:pk>/gradebook/<uuid:upload>/",
        gradebook_views.GradebookPreviewView.as_view(),
        name="gradebook-preview",
    ),
]
