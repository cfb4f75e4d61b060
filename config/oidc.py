"""OpenID Connect providers of the State, configured by environment variables.

Each provider is enabled only when its variables are set: a client id, a client secret, and
either a discovery URL (``…/.well-known/openid-configuration``, read when a sign-in starts)
or the four endpoints. A provider half configured stops the process with the missing
variable's name, like every other setting (config/env.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

ENDPOINTS = ("AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT", "USERINFO_ENDPOINT", "JWKS_URI")
# Optional: where signing out of the portal also ends the session at the provider
# (OpenID Connect RP-Initiated Logout); read from the discovery document when there is one.
OPTIONAL_ENDPOINTS = ("END_SESSION_ENDPOINT",)


@dataclass(frozen=True)
class Provider:
    name: str  # key in URLs and settings: "proconnect" or "prosanteconnect"
    label: str  # brand shown on the button (a proper noun, not translated)
    prefix: str  # of its environment variables
    client_id: str
    client_secret: str
    scopes: str
    discovery_url: str = ""
    endpoints: Mapping[str, str] = field(default_factory=dict)
    acr_values: str = ""
    sign_algo: str = "RS256"
    timeout: int = 10


# name, brand, variable prefix, default scopes, default acr_values
KNOWN = (
    ("proconnect", "ProConnect", "PROCONNECT", "openid email given_name usual_name uid", "eidas1"),
    ("prosanteconnect", "Pro Santé Connect", "PROSANTECONNECT", "openid scope_all", ""),
)


def providers_from_env(environ: Mapping[str, str]) -> dict[str, Provider]:
    """The enabled providers, by name, from a mapping of environment variables."""
    providers = {}
    for name, label, prefix, default_scopes, default_acr in KNOWN:

        def get(suffix: str, default: str = "", prefix: str = prefix) -> str:
            return (environ.get(f"{prefix}_{suffix}") or default).strip()

        client_id, secret, discovery = get("CLIENT_ID"), get("CLIENT_SECRET"), get("DISCOVERY_URL")
        endpoints = {
            suffix: get(suffix) for suffix in ENDPOINTS + OPTIONAL_ENDPOINTS if get(suffix)
        }
        if not (client_id or secret or discovery or endpoints):
            continue
        missing = [f"{prefix}_{s}" for s in ("CLIENT_ID", "CLIENT_SECRET") if not get(s)]
        if not discovery and any(suffix not in endpoints for suffix in ENDPOINTS):
            missing.append(
                f"{prefix}_DISCOVERY_URL (or {', '.join(prefix + '_' + e for e in ENDPOINTS)})"
            )
        if missing:
            raise ImproperlyConfigured(
                f"{label} is partly configured; missing: {', '.join(missing)}"
            )
        timeout = get("TIMEOUT", "10")
        if not timeout.isdigit():
            raise ImproperlyConfigured(f"{prefix}_TIMEOUT must be an integer, got {timeout!r}")
        providers[name] = Provider(
            name=name,
            label=label,
            prefix=prefix,
            client_id=client_id,
            client_secret=secret,
            scopes=get("SCOPES", default_scopes),
            discovery_url=discovery,
            endpoints=endpoints,
            acr_values=get("ACR_VALUES", default_acr),
            sign_algo=get("SIGN_ALGO", "RS256"),
            timeout=int(timeout),
        )
    return providers
