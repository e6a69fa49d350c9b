from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MobilityConfig(AppConfig):
    name = "mobility"
    verbose_name = _("Mobility office")

    def ready(self):
        from mobility import audit_sentences
        from mobility.foundation import access

        audit_sentences.register()  # how the audit entries of webhooks, API keys and personal data read

        # Groups and their permissions must exist on every database, demo or production; permissions themselves
        # are created by post_migrate, so the groups are (re)synchronised right after.
        post_migrate.connect(access.sync_roles_after_migrate, dispatch_uid="mobility.sync_roles")
