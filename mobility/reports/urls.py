from django.urls import path

from .views import EnrollmentListView, ReportExportView, ReportView

app_name = "reports"

urlpatterns = [
    path("", ReportView.as_view(), name="report"),
    path("report.xlsx", ReportExportView.as_view(), name="report-export"),
    path("enrollments/", EnrollmentListView.as_view(), name="enrollment-list"),
]
