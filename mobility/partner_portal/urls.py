"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import views

app_name = "partner"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
