"""Who calls the API: a personal access token (``Authorization: Bearer dmdiv_…``), never a
session cookie, so no CSRF-able write exists under /api/. Scopes and rate limits too."""

import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AccessToken
from redis.exceptions import RedisError
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.enums import Role
from accounts.models import User

from . import tokens
from .models import ApiToken

# Who may carry a per-token rate limit: a personal token or an agency system's access token.
_TOKENS = (ApiToken, AccessToken)

logger = logging.getLogger(__name__)


class TokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization mal formé."))
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Jeton invalide.")) from exc
        if not value.startswith(tokens.TOKEN_PREFIX):
            return None  # an agency system's OAuth2 token (api.oauth.AgencySystemAuthentication)
        token = tokens.authenticate(value)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, expiré ou révoqué."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "dmdiv_<prefix>_<secret>"}


class TokenScopePermission(permissions.BasePermission):
    """A read token reads; writing needs a write token."""

    message = _("Ce jeton ne donne que la lecture : créez un jeton « lecture et écriture ».")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, AccessToken):  # an agency system reads, whatever its scopes
            self.message = _("Un système de l'agence ne fait que lire.")
            return request.method in permissions.SAFE_METHODS
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token.may_write


class IsOperator(permissions.BasePermission):
    message = _("Réservé aux opérateurs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.OPERATOR)


class IsAgencyStaff(permissions.BasePermission):
    message = _("Réservé aux agents de l'ANSM.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and request.user.is_ansm_staff)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Requests per token (API_RATE_PER_TOKEN, e.g. "600/min"); callers without a token
    (the public registry) per client address (API_RATE_ANONYMOUS). Counted in the
    "api_throttle" cache, shared by every process (Redis in production); when that cache
    is unavailable the request goes through (logged): a limit is not worth a 500."""

    def __init__(self) -> None:
        super().__init__()
        self.cache = caches["api_throttle"]

    def get_rate(self) -> str:
        return str(settings.API_RATE_PER_TOKEN)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, ApiToken):
            return f"api-throttle-token-{request.auth.pk}"
        if isinstance(request.auth, AccessToken):  # its own pks: its own keys
            return f"api-throttle-oauth2-{request.auth.pk}"
        return f"api-throttle-anon-{self.get_ident(request)}"

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, _TOKENS):
            self.rate = str(settings.API_RATE_ANONYMOUS)
            self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("API rate limit not counted (cache unavailable): %s", exc)
            return True
