"""The student's own pages: enrollments, progress, diploma, personal data and correction requests, consents."""

from django.urls import path

from . import consent_views, views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("enrollments/<int:pk>/", views.EnrollmentView.as_view(), name="enrollment"),
    path("my-data/", views.MyDataView.as_view(), name="my-data"),
    path("messages/", views.MessagesView.as_view(), name="messages"),
    path("messages/<int:pk>/", views.MessageView.as_view(), name="message"),
    path("consent/", consent_views.ConsentScreenView.as_view(), name="consent"),
    path("my-consents/", consent_views.MyConsentsView.as_view(), name="my-consents"),
    path("my-consents/<slug:purpose>/", consent_views.ConsentPurposeView.as_view(), name="consent-purpose"),
]
