from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DerogationsConfig(AppConfig):
    name = "derogations"
    verbose_name = _("Dérogations")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from . import registry
        from .models import Decision, Derogation

        for model in (Decision, Derogation):
            post_save.connect(
                registry.forget_change, sender=model, dispatch_uid=f"registry-{model}"
            )
