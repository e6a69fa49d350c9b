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
        # Whose data of which categories a webhook payload carries, for the register of transfers.
        from mobility.foundation.transfers.services import transfer_payload_reader_register
        from students.consent.transfers import payload_transfer

        transfer_payload_reader_register(payload_transfer)
