"""The portal layout (templates/base.html) and the sign-in page."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.enums import Role
from accounts.models import User

LOGIN_URL = "/compte/connexion/"
PASSWORD = "un-mot-de-passe-assez-long"


@pytest.fixture(autouse=True)
def restore_language():
    """A request switched to English must not leave English active for the next tests."""
    with translation.override("fr"):
        yield


def assert_clean_page(html: str) -> None:
    # Ready for a strict CSP: no inline script, no inline style attribute.
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, script
    assert not re.search(r"\sstyle=", html)


def render_base(path: str, user=None, add_messages=()) -> str:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    for level, text in add_messages:
        messages.add_message(request, level, text)
    return render_to_string("base.html", request=request)


def test_login_page_layout():
    response = Client().get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert_clean_page(html)

    assert '<html lang="fr"' in html
    assert "<title>Se connecter — Portail Dérogations DMDIV</title>" in html
    # Skip links and their targets.
    for target in ("contenu", "navigation-principale", "pied-de-page"):
        assert f'href="#{target}"' in html
        assert html.count(f'id="{target}"') == 1
    assert '<main id="contenu" role="main" tabindex="-1"' in html
    # Header: brand, service title and tagline, sign-in link, main navigation.
    assert '<p class="fr-logo">République<br>Française</p>' in html
    assert '<p class="fr-header__service-title">Portail Dérogations DMDIV</p>' in html
    assert "article 54 du règlement (UE) 2017/746" in html
    assert 'href="/compte/connexion/">Se connecter</a>' in html
    assert 'aria-label="Menu principal"' in html
    assert 'href="/verifier/">Vérifier un courrier</a>' in html
    assert "Mes demandes" not in html
    assert "Se déconnecter" not in html
    # Language switch: a POST form (works without JavaScript) with one button per language.
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    assert '<input type="hidden" name="next" value="/compte/connexion/">' in form.group(0)
    assert re.search(r'value="fr" lang="fr"[^>]*aria-current="true"', form.group(0))
    assert re.search(r'value="en" lang="en"[^>]*class="[^"]*">EN', form.group(0))
    # Footer.
    assert '<footer class="fr-footer" role="contentinfo" id="pied-de-page">' in html
    assert "Agence nationale de sécurité du médicament et des produits de santé" in html
    for path, text in (
        ("/accessibilite/", "Accessibilité : partiellement conforme"),
        ("/mentions-legales/", "Mentions légales"),
        ("/donnees-personnelles/", "Données personnelles"),
        ("/plan-du-site/", "Plan du site"),
    ):
        assert f'href="{path}">{text}</a>' in html
    assert 'rel="noopener"' in html and "nouvelle fenêtre" in html
    # The sign-in form, rendered by the dsfr_crispy pack.
    assert "<h1>Se connecter</h1>" in html
    assert 'class="fr-input" id="id_username"' in html
    assert '<label class="fr-label" for="id_password">' in html
    assert 'class="fr-btn" id="submit-id-login"' in html
    assert html.count("<form") == 2  # language switch + sign-in, never nested
    assert 'type="email"' in html and 'type="text"' not in html


def test_login_page_keeps_next():
    html = Client().get(LOGIN_URL + "?next=/demandes/").content.decode()
    assert '<input type="hidden" name="next" value="/demandes/">' in html
    assert_clean_page(html)


@pytest.mark.django_db
def test_bad_credentials_rerender_with_french_error_and_typed_email():
    User.objects.create_user("operateur@example.org", PASSWORD)
    response = Client().post(
        LOGIN_URL, {"username": "operateur@example.org", "password": "mauvais-mot-de-passe"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert_clean_page(html)
    assert "Adresse électronique ou mot de passe incorrect." in html
    assert re.search(r'<div class="fr-alert fr-alert--error[^"]*" role="alert">', html)
    assert 'value="operateur@example.org"' in html
    assert "mauvais-mot-de-passe" not in html  # the password is never sent back
    assert "<title>Erreur — Se connecter — Portail Dérogations DMDIV</title>" in html


@pytest.mark.django_db
def test_good_credentials_follow_next():
    User.objects.create_user("operateur@example.org", PASSWORD)
    response = Client().post(
        LOGIN_URL,
        {"username": "operateur@example.org", "password": PASSWORD, "next": "/verifier/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/verifier/"


def test_language_switch_without_javascript():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    html = client.get(LOGIN_URL).content.decode()
    assert '<html lang="en"' in html
    assert re.search(r'value="en" lang="en"[^>]*aria-current="true"', html)
    assert not re.search(r'value="fr" lang="fr"[^>]*aria-current', html)
    assert_clean_page(html)


def test_anonymous_menu_marks_home_as_current():
    html = render_base("/")
    assert_clean_page(html)
    assert 'href="/" aria-current="page">Accueil</a>' in html
    assert 'href="/verifier/">Vérifier un courrier</a>' in html
    html = render_base("/verifier/")
    assert 'href="/">Accueil</a>' in html
    assert 'href="/verifier/" aria-current="page">Vérifier un courrier</a>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PROFESSIONAL])
def test_operator_and_professional_header(role):
    user = User.objects.create_user("camille@example.org", PASSWORD, role=role)
    html = render_base("/demandes/12/", user=user)
    assert_clean_page(html)
    if role == Role.OPERATOR:
        assert 'href="/demandes/" aria-current="page">Mes demandes</a>' in html
    else:  # a professional's own space, not an operator's list (issue 17)
        assert "Mes demandes" not in html and 'href="/professionnels/"' in html
    assert "Vérifier un courrier" in html
    assert "File d&#x27;instruction" not in html and "File d'instruction" not in html
    assert ">Accueil</a>" not in html
    assert "camille@example.org" in html
    logout = re.search(r'<form method="post" action="/compte/deconnexion/".*?</form>', html, re.S)
    assert logout is not None
    assert 'name="csrfmiddlewaretoken"' in logout.group(0)
    assert "Se déconnecter</button>" in logout.group(0)
    assert 'href="/compte/connexion/"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.SENIOR_EVALUATOR, Role.ADMINISTRATOR])
def test_ansm_staff_header(role):
    user = User.objects.create_user("eval@ansm.example", PASSWORD, role=role)
    html = render_base("/instruction/dossiers/3/", user=user)
    assert_clean_page(html)
    assert re.search(
        r'href="/instruction/" aria-current="page">File d(\'|&#x27;)instruction</a>', html
    )
    assert "Mes demandes" not in html
    assert 'href="/verifier/">Vérifier un courrier</a>' in html


@pytest.mark.django_db
def test_logout_is_a_post():
    user = User.objects.create_user("camille@example.org", PASSWORD)
    client = Client()
    client.force_login(user)
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_messages_are_dsfr_alerts():
    html = render_base(
        "/",
        add_messages=[
            (messages.SUCCESS, "Demande enregistrée."),
            (messages.ERROR, "Action impossible."),
            (messages.INFO, "Pour information."),
        ],
    )
    assert_clean_page(html)
    assert re.search(
        r'class="fr-alert fr-alert--success fr-alert--sm[^"]*" role="status">'
        r"\s*<p>Demande enregistrée.</p>",
        html,
    )
    assert re.search(
        r'class="fr-alert fr-alert--error fr-alert--sm[^"]*" role="alert">'
        r"\s*<p>Action impossible.</p>",
        html,
    )
    assert 'class="fr-alert fr-alert--info fr-alert--sm' in html
    # Messages sit at the top of the main content, reached by the "Contenu" skip link.
    assert html.index('id="contenu"') < html.index("Demande enregistrée.")


def test_browser_language_does_not_override_french(client):
    response = client.get("/compte/connexion/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="fr"' in response.content.decode()
    assert response["Content-Language"] == "fr"


def test_english_is_available_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/compte/connexion/"})
    html = client.get("/compte/connexion/").content.decode()
    assert 'lang="en"' in html and "Sign in" in html and "Email address" in html
    main = html.split('id="contenu"', 1)[1]
    assert "Se connecter" not in main and "Mot de passe" not in main
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})


def test_every_message_has_its_english_translation():
    import shutil
    import subprocess
    from pathlib import Path

    if not shutil.which("msgfmt"):
        pytest.skip("gettext is not installed (scripts/bootstrap.sh installs it)")
    po = Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
