"""Sign-in through ProConnect and Pro Santé Connect against a real OpenID Connect provider.

The provider is oidc-provider-mock (a real OIDC server: discovery, authorization with a
form, token endpoint, signed ID tokens, JWKS, userinfo), started once as a process on a free
loopback port. The settings are built by the same function as in production, from the
environment variables a deployment sets (config/oidc.py). Our side is driven with Django's
test client; the provider's authorization form is posted with `requests`, as a browser would.
"""

import html
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts import second_factor
from accounts.enums import Role
from accounts.models import User
from accounts.validators import luhn_is_valid
from config.oidc import providers_from_env
from tests.second_factor import pass_second_factor

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def provider_url():
    """A real OIDC provider on loopback, for the whole session."""
    port = _free_port()
    executable = Path(sys.executable).with_name("oidc-provider-mock")
    process = subprocess.Popen(
        [str(executable), "--host", "127.0.0.1", "--port", str(port), "--require-nonce", "true"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/.well-known/openid-configuration", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("oidc-provider-mock did not start") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _env(discovery: str) -> dict[str, str]:
    return {
        "PROCONNECT_DISCOVERY_URL": discovery,
        "PROCONNECT_CLIENT_ID": "portail-dmdiv-agents",
        "PROCONNECT_CLIENT_SECRET": "secret-agents",
        "PROCONNECT_SCOPES": "openid email profile",
        "PROCONNECT_ACR_VALUES": "eidas1",
        "PROSANTECONNECT_DISCOVERY_URL": discovery,
        "PROSANTECONNECT_CLIENT_ID": "portail-dmdiv-pro",
        "PROSANTECONNECT_CLIENT_SECRET": "secret-pro",
        "PROSANTECONNECT_SCOPES": "openid email profile",
        "PROSANTECONNECT_TIMEOUT": "3",
    }


@pytest.fixture
def providers(settings, provider_url):
    settings.OIDC_PROVIDERS = providers_from_env(
        _env(f"{provider_url}/.well-known/openid-configuration")
    )
    return provider_url


def valid_rpps(prefix: str = "1000123456") -> str:
    return next(prefix + str(key) for key in range(10) if luhn_is_valid(prefix + str(key)))


def _authorize(client: Client, provider: str, provider_url: str, sub: str, claims: dict) -> str:
    """Our start page, then the provider's form posted as the person would: the callback URL."""
    requests.put(f"{provider_url}/users/{sub}", json=claims, timeout=5).raise_for_status()
    start = client.get(reverse(f"accounts:oidc_start_{provider}"))
    assert start.status_code == 302
    authorize_url = start["Location"]
    assert authorize_url.startswith(f"{provider_url}/oauth2/authorize?")
    query = parse_qs(urlparse(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def _sign_in(client, provider, provider_url, sub, claims, follow=False):
    callback = _authorize(client, provider, provider_url, sub, claims)
    return client.get(callback, follow=follow)


def _messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_login_page_shows_only_configured_buttons(client, settings, provider_url):
    settings.OIDC_PROVIDERS = {}
    page = client.get(reverse("accounts:login")).content.decode()
    assert "ProConnect" not in page and "Pro Santé Connect" not in page
    env = _env(f"{provider_url}/.well-known/openid-configuration")
    settings.OIDC_PROVIDERS = providers_from_env(
        {k: v for k, v in env.items() if k.startswith("PROCONNECT")}
    )
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'class="fr-connect portal-connect"' in page
    assert "S’identifier avec" in page and "ProConnect" in page
    assert reverse("accounts:oidc_start_proconnect") in page
    assert "Pro Santé Connect" not in page
    assert client.get(reverse("accounts:oidc_start_prosanteconnect")).status_code == 404


def test_half_configured_provider_stops_with_the_variable_name():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="PROCONNECT_CLIENT_SECRET"):
        providers_from_env({"PROCONNECT_CLIENT_ID": "x", "PROCONNECT_DISCOVERY_URL": "http://x"})
    assert providers_from_env({}) == {}


def test_professional_signs_in_account_created_with_rpps(client, providers):
    rpps = valid_rpps()
    claims = {
        "email": "Anne.Morel@chu-exemple.example",
        "given_name": "Anne",
        "family_name": "Morel",
        "SubjectNameID": "8" + rpps,
    }
    client.get(reverse("accounts:login"))
    session_before = client.session.session_key
    response = _sign_in(client, "prosanteconnect", providers, "psc-anne", claims)
    assert response.status_code == 302
    assert response["Location"] == reverse("derogations:pro_dashboard")
    user = User.objects.get(email="anne.morel@chu-exemple.example")
    assert (user.role, user.rpps, user.first_name, user.last_name) == (
        Role.PROFESSIONAL,
        rpps,
        "Anne",
        "Morel",
    )
    assert user.email_verified_at is not None and not user.has_usable_password()
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session.session_key != session_before  # rotated at login
    space = client.get(response["Location"])
    assert space.status_code == 200
    # Signing in again uses the same account (found by RPPS even if the email changed).
    claims["email"] = "a.morel@autre.example"
    other = Client()
    assert _sign_in(other, "prosanteconnect", providers, "psc-anne", claims).status_code == 302
    assert other.session[SESSION_KEY] == str(user.pk)
    assert User.objects.filter(role=Role.PROFESSIONAL).count() == 1


def test_existing_professional_is_linked_and_gets_the_rpps(client, providers, professional):
    rpps = valid_rpps("1000987654")
    claims = {"email": professional.email.upper(), "SubjectNameID": "8" + rpps}
    response = _sign_in(client, "prosanteconnect", providers, "psc-roux", claims)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(professional.pk)
    professional.refresh_from_db()
    assert professional.rpps == rpps
    assert User.objects.count() == 1


def test_pro_sante_connect_refuses_an_operator_email(client, providers, operator_a):
    response = _sign_in(
        client, "prosanteconnect", providers, "psc-op", {"email": operator_a.email}, follow=True
    )
    assert SESSION_KEY not in client.session
    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert "n'est pas un compte de professionnel de santé" in _messages(response)
    operator_a.refresh_from_db()
    assert operator_a.role == Role.OPERATOR


def test_staff_agent_signs_in_then_must_pass_the_second_factor(client, providers, evaluator):
    before = (evaluator.role, evaluator.is_staff, evaluator.first_name)
    claims = {
        "email": "EVALUATEUR@ansm.example",
        "given_name": "Autre",
        "role": "administrator",
        "acr": "eidas1",
    }
    response = _sign_in(client, "proconnect", providers, "pc-eval", claims)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(evaluator.pk)
    assert second_factor.is_mandatory_for(evaluator)
    queue = client.get(reverse("reviews:queue"))
    assert queue.status_code == 302
    assert queue["Location"].startswith(reverse("accounts:second_factor"))
    pass_second_factor(client, evaluator)
    assert client.get(reverse("reviews:queue")).status_code == 200
    evaluator.refresh_from_db()  # nothing taken from the claims
    assert (evaluator.role, evaluator.is_staff, evaluator.first_name) == before


def test_unknown_agent_is_refused_with_a_french_message(client, providers, operator_a):
    for sub, email in (("pc-unknown", "inconnu@ansm.example"), ("pc-op", operator_a.email)):
        claims = {"email": email, "acr": "eidas1"}
        response = _sign_in(client, "proconnect", providers, sub, claims, follow=True)
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
        assert "oidc_id_token" not in client.session  # a refused sign-in keeps no token
        assert "Aucun compte d'agent de l'ANSM actif ne correspond" in _messages(response)
        assert email in _messages(response)
    assert not User.objects.filter(email="inconnu@ansm.example").exists()


def test_agent_without_the_requested_authentication_level_is_refused(client, providers, evaluator):
    for sub, acr in (("pc-noacr", None), ("pc-lowacr", "eidas0")):
        claims = {"email": evaluator.email} | ({"acr": acr} if acr else {})
        response = _sign_in(client, "proconnect", providers, sub, claims, follow=True)
        assert SESSION_KEY not in client.session
        assert "n'a pas confirmé le niveau d'authentification demandé" in _messages(response)


def test_altered_or_replayed_state_is_refused(client, providers, evaluator):
    claims = {"email": evaluator.email, "acr": "eidas1"}
    callback = _authorize(client, "proconnect", providers, "pc-eval2", claims)
    parts = urlparse(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    altered = urlunparse(parts._replace(query=urlencode({**query, "state": "forged"})))
    response = client.get(altered, follow=True)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "n'a pas pu être vérifiée" in _messages(response)
    # The genuine answer still works once, then not again (state used).
    assert client.get(callback).status_code == 302
    assert client.session[SESSION_KEY] == str(evaluator.pk)
    fresh = Client()
    replay = fresh.get(callback, follow=True)
    assert SESSION_KEY not in fresh.session
    assert "n'a pas pu être vérifiée" in _messages(replay)


def test_denied_consent_gives_a_french_message(client, providers):
    start = client.get(reverse("accounts:oidc_start_prosanteconnect"))
    answer = requests.post(
        start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    assert "error=access_denied" in answer.headers["Location"]
    response = client.get(answer.headers["Location"], follow=True)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "l'autorisation n'a pas été donnée" in _messages(response)


def test_provider_down_at_start_gives_a_french_message(client, settings):
    closed = f"http://127.0.0.1:{_free_port()}/.well-known/openid-configuration"
    settings.OIDC_PROVIDERS = providers_from_env(_env(closed))
    response = client.get(reverse("accounts:oidc_start_proconnect"), follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert "Le service ProConnect ne répond pas" in _messages(response)


def test_provider_down_at_token_exchange_gives_a_french_message(client, settings, provider_url):
    document = requests.get(f"{provider_url}/.well-known/openid-configuration", timeout=5).json()
    env = {
        "PROSANTECONNECT_CLIENT_ID": "portail-dmdiv-pro",
        "PROSANTECONNECT_CLIENT_SECRET": "secret-pro",
        "PROSANTECONNECT_SCOPES": "openid email",
        "PROSANTECONNECT_TIMEOUT": "3",
        "PROSANTECONNECT_AUTHORIZATION_ENDPOINT": document["authorization_endpoint"],
        # The token endpoint no longer answers when the browser comes back.
        "PROSANTECONNECT_TOKEN_ENDPOINT": f"http://127.0.0.1:{_free_port()}/oauth2/token",
        "PROSANTECONNECT_USERINFO_ENDPOINT": document["userinfo_endpoint"],
        "PROSANTECONNECT_JWKS_URI": document["jwks_uri"],
    }
    settings.OIDC_PROVIDERS = providers_from_env(env)
    response = _sign_in(
        client, "prosanteconnect", provider_url, "psc-down", {"email": "x@chu.example"}, True
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "Le service Pro Santé Connect ne répond pas" in _messages(response)
    assert not User.objects.filter(email="x@chu.example").exists()


def test_signing_out_also_ends_the_session_at_the_provider(client, providers, settings):
    claims = {"email": "paul.roux@chu-exemple.example", "SubjectNameID": "8" + valid_rpps()}
    assert _sign_in(client, "prosanteconnect", providers, "psc-paul", claims).status_code == 302
    id_token = client.session["oidc_id_token"]
    assert id_token.count(".") == 2  # the ID token the provider signed (a JWT)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session  # out of the portal already
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{providers}/oauth2/end_session"
    )
    query = parse_qs(location.query)
    assert query["id_token_hint"] == [id_token]
    home = settings.PORTAL_BASE_URL + reverse("home")
    assert query["post_logout_redirect_uri"] == [home]
    (state,) = query["state"]
    assert len(state) >= 16
    # The provider's page, confirmed as the person would: back to the portal, with the state.
    page = requests.get(response["Location"], timeout=5)
    assert page.status_code == 200
    back = re.search(r'name="redirect_uri" value="([^"]+)"', page.text)
    assert back, page.text
    answer = requests.post(
        f"{providers}/oauth2/end_session/confirm",
        data={"redirect_uri": html.unescape(back.group(1))},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    returned = urlparse(answer.headers["Location"])
    assert f"{returned.scheme}://{returned.netloc}{returned.path}" == home
    assert parse_qs(returned.query)["state"] == [state]


def test_signing_out_when_the_provider_is_down_still_signs_out(client, providers, settings):
    claims = {"email": "lea.petit@chu-exemple.example", "SubjectNameID": "8" + valid_rpps()}
    assert _sign_in(client, "prosanteconnect", providers, "psc-lea", claims).status_code == 302
    closed = f"http://127.0.0.1:{_free_port()}/.well-known/openid-configuration"
    settings.OIDC_PROVIDERS = providers_from_env(_env(closed))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert SESSION_KEY not in client.session


def test_signing_out_after_a_password_sign_in_stays_on_the_portal(client, providers, operator_a):
    client.force_login(operator_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert SESSION_KEY not in client.session
