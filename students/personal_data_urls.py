app_name = "personal_data"

urlpatterns = []
