"""The teacher's workspace, under /teaching/ (mobility/urls.py)."""

from django.urls import path

from . import views

app_name = "teaching"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
