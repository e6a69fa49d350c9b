from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiplomasConfig(AppConfig):
    name = "diplomas"
    verbose_name = _("Diplomas")

    def ready(self):
        from diplomas import audit, notifications, staff_notifications

        # The diploma's e-mail is a kind of the students app's notifications, which does not import this app.
        notifications.register()
        staff_notifications.register()
        audit.register()  # how its audit entries read (mobility.foundation.audit_sentences)
        # Whether the cohort's page (students.cohort_views) offers "Request diplomas for all eligible".
        from diplomas.views import cohort_page_context
        from students.cohort_views import cohort_page_context_register

        cohort_page_context_register(cohort_page_context)
