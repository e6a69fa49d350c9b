from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiplomasConfig(AppConfig):
    name = "diplomas"
    verbose_name = _("Diplomas")
