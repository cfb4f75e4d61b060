from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et organisations")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import second_factor

        user_logged_in.connect(second_factor.on_login, dispatch_uid="accounts.second_factor")
