from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Students")

    def ready(self):
        from mobility.foundation.webhooks.services import webhook_data_filter_register
        from students import audit, events, staff_notifications

        # The kinds of staff notifications this app raises (the foundation's registry knows no app).
        staff_notifications.register()
        audit.register()  # how its audit entries read (mobility.foundation.audit_sentences)
        # Students who refused the transfer back to their college are named by ids only in every webhook.
        webhook_data_filter_register(events.withhold_personal_data)
