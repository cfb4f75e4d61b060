"""Sign-in through the State's OpenID Connect providers, with mozilla-django-oidc.

- **ProConnect** (ANSM agents): the email given by ProConnect must be the one of an existing,
  active staff account (evaluator, senior evaluator, administrator). Nothing is created and
  nothing is changed from the claims (no role, no staff flag): staff accounts are made by an
  administrator only. The staff second factor (TOTP) still applies after ProConnect: the
  agent lands on the code page (SecondFactorMiddleware), because the portal cannot tell from
  the claims which authentication the agent's own identity provider used.
- **Pro Santé Connect** (health professionals): the account with the RPPS number given in the
  claims, else the one with the email, is used; none: a professional account is created
  (email confirmed by the provider, no password). An email that belongs to an account of
  another kind (operator, staff) is refused.

The library does the authorization code flow: state and nonce kept in the session and
checked at the callback, PKCE (S256), the ID token's signature checked against the
provider's keys (JWKS), the session key rotated at login (django.contrib.auth.login). Every
failure (provider down, consent denied, unknown agent, state or token that does not check)
goes back to the login page with a French message, never an error page.

Settings per provider come from config/oidc.py (environment variables); the library's own
settings (OIDC_*) are answered per provider by `_setting`.
"""

import logging
import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from config.oidc import Provider

from .email_addresses import is_acceptable, normalise_email
from .enums import STAFF_ROLES, Role
from .models import User
from .validators import validate_rpps

logger = logging.getLogger(__name__)

PROCONNECT = "proconnect"
PROSANTECONNECT = "prosanteconnect"
DISCOVERY_CACHE_SECONDS = 60 * 60
# Sent with the logout's answer: the browser drops its cache, cookies and storage for us.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'

FAILURES = {
    "unavailable": _(
        "Le service %(provider)s ne répond pas pour le moment. Réessayez dans quelques "
        "minutes ou connectez-vous avec votre adresse électronique et votre mot de passe."
    ),
    "denied": _(
        "La connexion avec %(provider)s a été annulée : l'autorisation n'a pas été donnée. "
        "Vous pouvez recommencer ou vous connecter avec votre adresse électronique et votre "
        "mot de passe."
    ),
    "state": _(
        "La connexion avec %(provider)s n'a pas pu être vérifiée (demande expirée, déjà "
        "utilisée ou altérée). Recommencez depuis cette page."
    ),
    "unknown_agent": _(
        "Aucun compte d'agent de l'ANSM actif ne correspond à l'adresse %(email)s transmise "
        "par ProConnect. Demandez à un administrateur du portail de créer votre compte."
    ),
    "not_professional": _(
        "L'adresse %(email)s transmise par Pro Santé Connect est celle d'un compte qui n'est "
        "pas un compte de professionnel de santé : connectez-vous avec votre adresse "
        "électronique et votre mot de passe."
    ),
    "no_email": _(
        "%(provider)s n'a pas transmis d'adresse électronique : la connexion est impossible."
    ),
    "acr": _(
        "%(provider)s n'a pas confirmé le niveau d'authentification demandé : la connexion "
        "est refusée."
    ),
    "inactive": _("Ce compte est désactivé."),
    "error": _(
        "La connexion avec %(provider)s a échoué. Réessayez ou connectez-vous avec votre "
        "adresse électronique et votre mot de passe."
    ),
}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


class Refused(Exception):
    def __init__(self, reason: str, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email


def enabled_providers() -> list[Provider]:
    return list(settings.OIDC_PROVIDERS.values())


def provider_named(name: str) -> Provider:
    provider = settings.OIDC_PROVIDERS.get(name)
    if provider is None:
        raise Http404
    return provider


def endpoints(provider: Provider) -> dict[str, str]:
    """The provider's endpoints: from its variables, else from its discovery document (kept
    in the cache for an hour)."""
    if provider.endpoints:
        return dict(provider.endpoints)
    key = f"oidc-discovery:{provider.discovery_url}"
    found = cache.get(key)
    if found:
        return found
    try:
        response = requests.get(provider.discovery_url, timeout=provider.timeout)
        response.raise_for_status()
        document = response.json()
        found = {
            "AUTHORIZATION_ENDPOINT": document["authorization_endpoint"],
            "TOKEN_ENDPOINT": document["token_endpoint"],
            "USERINFO_ENDPOINT": document["userinfo_endpoint"],
            "JWKS_URI": document["jwks_uri"],
            "END_SESSION_ENDPOINT": document.get("end_session_endpoint") or "",
        }
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise ProviderUnavailable(provider.name) from exc
    cache.set(key, found, DISCOVERY_CACHE_SECONDS)
    return found


def _setting(provider: Provider, found: dict[str, str], attr: str, *default: object) -> object:
    """The library's setting `attr` for this provider (other settings: Django's)."""
    values: dict[str, object] = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": found.get("AUTHORIZATION_ENDPOINT"),
        "OIDC_OP_TOKEN_ENDPOINT": found.get("TOKEN_ENDPOINT"),
        "OIDC_OP_USER_ENDPOINT": found.get("USERINFO_ENDPOINT"),
        "OIDC_OP_JWKS_ENDPOINT": found.get("JWKS_URI"),
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": provider.sign_algo,
        "OIDC_RP_IDP_SIGN_KEY": None,
        "OIDC_RP_SCOPES": provider.scopes,
        "OIDC_AUTHENTICATION_CALLBACK_URL": f"accounts:oidc_callback_{provider.name}",
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": (
            {"acr_values": provider.acr_values} if provider.acr_values else {}
        ),
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_TIMEOUT": provider.timeout,
        "OIDC_VERIFY_SSL": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        # Kept in the session for the provider's logout (id_token_hint), nothing else.
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_CREATE_USER": provider.name == PROSANTECONNECT,
        "LOGIN_REDIRECT_URL_FAILURE": "accounts:login",
    }
    if attr in values:
        return values[attr]
    return import_from_settings(attr, *default)


def failure(request: HttpRequest, provider: Provider, reason: str, email: str = "") -> HttpResponse:
    """Back to the login page with the French message of this failure (the ID token of a
    refused sign-in is not kept in the session)."""
    logger.info("OIDC sign-in with %s refused: %s", provider.name, reason)
    request.session.pop(SESSION_ID_TOKEN, None)
    messages.error(request, FAILURES[reason] % {"provider": provider.label, "email": email})
    return redirect("accounts:login")


# --- Who signs in ----------------------------------------------------------------------


def rpps_from_claims(claims: dict) -> str:
    """The RPPS number in Pro Santé Connect's claims, or "".

    Pro Santé Connect gives the national identifier of the professional (SubjectNameID,
    also preferred_username): "8" followed by the 11 digits of the RPPS number for RPPS
    holders (an ADELI number starts with "0" and is not kept)."""
    for name in ("SubjectNameID", "preferred_username", "rpps"):
        value = str(claims.get(name) or "").strip()
        if len(value) == 12 and value.startswith("8"):
            value = value[1:]
        try:
            validate_rpps(value)
        except ValidationError:
            continue
        return value
    return ""


def _email(claims: dict, provider: Provider) -> str:
    email = normalise_email(claims.get("email"))
    if not email or "@" not in email or not is_acceptable(email):
        raise Refused("no_email")
    return email


def agent_for(claims: dict, provider: Provider) -> User:
    """ProConnect: an existing active staff account with this email, nothing else."""
    email = _email(claims, provider)
    user = User.objects.filter(email=email, role__in=STAFF_ROLES, is_active=True).first()
    if user is None:
        raise Refused("unknown_agent", email)
    return user


def professional_for(claims: dict, provider: Provider) -> User:
    """Pro Santé Connect: the professional with this RPPS number or email, else a new one."""
    email = _email(claims, provider)
    rpps = rpps_from_claims(claims)
    user = None
    if rpps:
        user = User.objects.filter(rpps=rpps, role=Role.PROFESSIONAL).first()
    if user is None:
        user = User.objects.filter(email=email).first()
    if user is not None and user.role != Role.PROFESSIONAL:
        raise Refused("not_professional", email)
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    password=None,  # no password: this account signs in through the provider
                    role=Role.PROFESSIONAL,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                    rpps=rpps,
                    email_verified_at=timezone.now(),
                )
        except IntegrityError:  # the same person signing in twice at once
            user = User.objects.get(email=email)
    elif rpps and not user.rpps and not User.objects.filter(rpps=rpps).exists():
        user.rpps = rpps
        user.save(update_fields=["rpps"])
    if not user.is_active:
        raise Refused("inactive", email)
    return user


class ProviderBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of the provider the callback view names
    (request.oidc_provider); answers None to every other authentication."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        # The library reads its settings here; ours depend on the provider of the request.
        self.UserModel = User
        self.provider: Provider | None = None
        self.found: dict[str, str] = {}

    def get_settings(self, attr: str, *default: object) -> object:
        assert self.provider is not None  # noqa: S101 (set by authenticate before any use)
        return _setting(self.provider, self.found, attr, *default)

    def authenticate(self, request: HttpRequest | None, **kwargs: object) -> User | None:
        provider = getattr(request, "oidc_provider", None)
        if request is None or provider is None or "nonce" not in kwargs:
            return None
        self.provider = provider
        self.found = endpoints(provider)
        self.OIDC_OP_TOKEN_ENDPOINT = self.get_settings("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = self.get_settings("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = self.get_settings("OIDC_OP_JWKS_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = self.get_settings("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = self.get_settings("OIDC_RP_SIGN_ALGO")
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        provider = self.provider
        assert provider is not None  # noqa: S101 (set by authenticate before any use)
        try:
            # The ID token must carry one of the authentication levels asked for (acr_values).
            if provider.acr_values and payload.get("acr") not in provider.acr_values.split():
                raise Refused("acr")
            if provider.name == PROCONNECT:
                return agent_for(claims, provider)
            return professional_for(claims, provider)
        except Refused as refused:
            self.request.oidc_failure = refused
            return None


# --- Views ------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password login, with a button per configured provider."""

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        context["oidc_providers"] = enabled_providers()
        return context


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce and PKCE verifier in the session)."""

    http_method_names = ["get", "head"]  # the library allows GET only; HEAD answers alike
    provider_name = ""

    def __init__(self, **kwargs: object) -> None:
        View.__init__(self, **kwargs)  # the library's __init__ reads global settings

    def get_settings(self, attr: str, *default: object) -> object:
        return _setting(self.provider, self.found, attr, *default)

    def get(self, request: HttpRequest) -> HttpResponse:
        self.provider = provider_named(self.provider_name)
        try:
            self.found = endpoints(self.provider)
        except ProviderUnavailable:
            return failure(request, self.provider, "unavailable")
        self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        response = super().get(request)
        if self.provider.name == PROSANTECONNECT and not request.session.get("oidc_login_next"):
            # A professional's space, unless the sign-in came from a page they asked for.
            request.session["oidc_login_next"] = reverse("derogations:pro_dashboard")
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: code and state, or an error (consent denied)."""

    http_method_names = ["get", "head"]
    provider_name = ""

    def get_settings(self, attr: str, *default: object) -> object:
        return _setting(self.provider, {}, attr, *default)

    def get(self, request: HttpRequest) -> HttpResponse:
        self.provider = provider_named(self.provider_name)
        request.oidc_provider = self.provider  # type: ignore[attr-defined]  # read by the backend
        error = request.GET.get("error")
        try:
            response = super().get(request)
        except SuspiciousOperation:  # unknown state, nonce or signature that does not check
            return failure(request, self.provider, "state")
        except (requests.RequestException, ProviderUnavailable):
            return failure(request, self.provider, "unavailable")
        if error:
            reason = "denied" if error == "access_denied" else "error"
            return failure(request, self.provider, reason)
        return response

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        # Signing out of the portal will also end the session at this provider.
        self.request.session[SESSION_PROVIDER] = self.provider.name
        return response

    def login_failure(self) -> HttpResponse:
        refused = getattr(self.request, "oidc_failure", None)
        if refused is not None:
            return failure(self.request, self.provider, refused.reason, refused.email)
        if self.request.GET.get("error"):
            return redirect("accounts:login")  # get() adds the message
        if "code" in self.request.GET and "state" in self.request.GET:
            return failure(self.request, self.provider, "state")  # no state in this session
        return failure(self.request, self.provider, "error")


SESSION_PROVIDER = "oidc_provider"
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - mozilla-django-oidc's session key


def provider_logout_url(provider_name: str | None, id_token: str | None) -> str | None:
    """Where to send the browser so that the provider the person signed in with ends its
    session too (OpenID Connect RP-Initiated Logout: id_token_hint, the portal's home page
    to come back to, a state), or None: signed in with a password, provider no longer
    configured, no end-session endpoint, or the provider not answering (the portal's own
    session is ended all the same)."""
    provider = settings.OIDC_PROVIDERS.get(provider_name or "")
    if provider is None or not id_token:
        return None
    try:
        end_session = endpoints(provider).get("END_SESSION_ENDPOINT")
    except ProviderUnavailable:
        logger.warning("OIDC logout: %s unavailable, its session is left open", provider.name)
        return None
    if not end_session:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": settings.PORTAL_BASE_URL + reverse("home"),
            "state": secrets.token_urlsafe(16),
        }
    )
    return f"{end_session}{'&' if '?' in end_session else '?'}{query}"


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only), then the provider's logout when the person signed in
    through ProConnect or Pro Santé Connect."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        provider_name = request.session.get(SESSION_PROVIDER)
        id_token = request.session.get(SESSION_ID_TOKEN)
        response = super().post(request, *args, **kwargs)  # the session is flushed here
        url = provider_logout_url(provider_name, id_token)
        response = HttpResponseRedirect(url) if url else response
        # The browser forgets what the session left behind: cached pages and letters,
        # cookies, storage (honoured over HTTPS).
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
