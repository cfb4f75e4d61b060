from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FileExportsConfig(AppConfig):
    name = "file_exports"
    verbose_name = _("Téléchargements du dossier complet")
