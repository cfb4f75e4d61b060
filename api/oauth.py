"""Agency systems: OAuth2 client credentials (django-oauth-toolkit, docs/api.md).

The administrator registers a system in the Django admin as a confidential application with
the client-credentials grant, owned by an ANSM staff member: the system then reads with that
person's rights (no person, so no second factor at each token: the administrator who created
the application passed theirs). Only that grant, only the "read" scope, no refresh token."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

from accounts.models import User

READ_SCOPE = "read"


def is_agency_system(application: Application | None) -> bool:
    """A confidential client-credentials application owned by an active ANSM staff member."""
    owner = application.user if application is not None else None
    return bool(
        application is not None
        and application.client_type == Application.CLIENT_CONFIDENTIAL
        and application.authorization_grant_type == Application.GRANT_CLIENT_CREDENTIALS
        and owner is not None
        and owner.is_active
        and owner.is_ansm_staff
    )


class AgencyValidator(OAuth2Validator):
    """The token endpoint grants client credentials to agency systems, for reading only."""

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if grant_type != "client_credentials" or not is_agency_system(client):
            return False
        return bool(
            super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)
        )

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        return set(scopes) <= {READ_SCOPE}


class AgencySystemAuthentication(OAuth2Authentication):
    """After api.auth.TokenAuthentication (which leaves any bearer token without its
    ``dmdiv_`` prefix here): an OAuth2 access token from the header only, acting as its
    application's owner. Anything else presented as a bearer token is a 401 problem."""

    def authenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None  # no query-string or body tokens: the header only
        result = super().authenticate(request)
        if result is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, expiré ou révoqué."))
        token = result[1]
        application = token.application
        if not is_agency_system(application):
            raise exceptions.AuthenticationFailed(
                _("Ce système n'agit pour aucun agent actif de l'ANSM : jeton refusé.")
            )
        return application.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class AgencySystemScheme(OpenApiAuthenticationExtension):
    target_class = "api.oauth.AgencySystemAuthentication"
    name = "agencySystem"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "description": "Agency systems: OAuth2 client credentials, read only (docs/api.md).",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/oauth/token/",
                    "scopes": {READ_SCOPE: "Lecture"},
                }
            },
        }
