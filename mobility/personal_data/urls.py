"""Export and erasure of one student's personal data (mobility/personal_data/views.py), under ``students/``."""

from django.urls import path

from mobility.personal_data import views

app_name = "personal_data"

urlpatterns = [
    path("<int:pk>/personal-data.json", views.PersonalDataJsonView.as_view(), name="export-json"),
    path("<int:pk>/personal-data/", views.PersonalDataPageView.as_view(), name="export-html"),
    path("<int:pk>/erase/", views.StudentEraseView.as_view(), name="erase"),
]
