from django.urls import path  # noqa: F401  (pages are added by the students views)

app_name = "students"

urlpatterns = []
