from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DerogationsConfig(AppConfig):
    name = "derogations"
    verbose_name = _("Dérogations")
