from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programs")

    def ready(self):
        from programs import audit, staff_notifications

        # The kinds of staff notifications this app raises (the foundation's registry knows no app).
        staff_notifications.register()
        audit.register()  # how its audit entries read (mobility.foundation.audit_sentences)
