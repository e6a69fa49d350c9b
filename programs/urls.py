from django.urls import path  # noqa: F401  (pages are added by the programs views)

app_name = "programs"

urlpatterns = []
