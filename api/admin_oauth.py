"""The Django admin's form for agency systems (OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]):
a confidential client-credentials application owned by an active ANSM staff member."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from oauth2_provider.admin import ApplicationAdmin
from oauth2_provider.forms import ApplicationForm
from oauth2_provider.models import Application


class AgencyApplicationForm(ApplicationForm):
    """Bound to the application model by the admin (as the toolkit's form it extends)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("client_type") != Application.CLIENT_CONFIDENTIAL:
            self.add_error("client_type", _("Un système de l'agence est un client confidentiel."))
        if data.get("authorization_grant_type") != Application.GRANT_CLIENT_CREDENTIALS:
            self.add_error(
                "authorization_grant_type",
                _("Seul l'octroi « client credentials » est accepté."),
            )
        owner = data.get("user")
        if owner is None or not owner.is_active or not owner.is_ansm_staff:
            self.add_error(
                "user", _("Choisissez un agent actif de l'ANSM : le système agira avec ses droits.")
            )
        return data


class AgencyApplicationAdmin(ApplicationAdmin):
    form = AgencyApplicationForm
