from django.contrib import admin
from django.urls import include, path

from .views import DashboardView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("students/", include("students.urls")),
    path("", include("programs.urls")),
    path("admin/", admin.site.urls),
]
