from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiplomasConfig(AppConfig):
    name = "diplomas"
    verbose_name = _("Diplomas")

    def ready(self):
        from diplomas import audit, notifications

        # The diploma's e-mail is a kind of the students app's notifications, which does not import this app.
        notifications.register()
        audit.register()  # how its audit entries read (mobility.foundation.audit_sentences)
