"""Error pages: French, on the DSFR layout, with a way back, no inline style or script;
the 500 page without the database; the CSRF failure page; the Django admin refused."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config import errors
from tests.conftest import client_for
from tests.test_base_layout import assert_clean_page

HEADER = '<p class="fr-header__service-title">Portail Dérogations DMDIV</p>'
FOOTER = '<footer class="fr-footer" role="contentinfo" id="pied-de-page">'
HOME_BUTTON = re.compile(r'<a class="fr-btn[^"]*" href="/">Retour à l.accueil</a>')


def assert_error_page(html: str, title: str, code: int) -> None:
    assert_clean_page(html)
    assert '<html lang="fr"' in html
    assert f"<title>{title} — Portail Dérogations DMDIV</title>" in html
    assert f"<h1>{title}</h1>" in html and f"Erreur {code}" in html
    assert HEADER in html and FOOTER in html
    assert 'href="/static/dsfr/dist/dsfr/dsfr.min.css"' in html  # the DSFR stylesheet
    assert HOME_BUTTON.search(html), "no way back home"


def back_button(html: str) -> str | None:
    found = re.search(
        r'<a class="fr-btn" href="([^"]*)">(Retour à la page précédente|Recharger la page du formulaire)</a>',
        html,
    )
    return found.group(1) if found else None


@pytest.mark.django_db
def test_404_page(operator_a):
    response = Client().get("/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_error_page(html, "Page non trouvée", 404)
    assert back_button(html) is None  # no Referer: home only
    assert 'href="/compte/connexion/">Se connecter</a>' in html
    # A 404 of a view (another organisation's file), signed in, coming from a page of ours.
    response = client_for(operator_a).get(
        "/demandes/999999/", HTTP_REFERER="http://testserver/demandes/"
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert_error_page(html, "Page non trouvée", 404)
    assert back_button(html) == "http://testserver/demandes/"
    assert "Retour à la page précédente" in html
    assert operator_a.email in html  # the portal's header, signed in


@pytest.mark.django_db
def test_no_way_back_to_another_site():
    response = Client().get("/nulle-part/", HTTP_REFERER="https://ailleurs.example/piege/")
    assert back_button(response.content.decode()) is None


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.error_urls")
def test_403_page(operator_a):
    response = client_for(operator_a).get(
        "/essai/interdit/", HTTP_REFERER="http://testserver/demandes/"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert_error_page(html, "Accès refusé", 403)
    assert "not for you" not in html  # the exception's text is for the logs
    assert f"Vous êtes connecté avec le compte {operator_a.email}" in html
    assert back_button(html) == "http://testserver/demandes/"


@override_settings(ROOT_URLCONF="tests.error_urls")
def test_500_page_needs_no_database():
    """No django_db mark: any query would fail this test (pytest-django blocks them)."""
    client = Client(raise_request_exception=False)
    response = client.get("/essai/panne/")
    assert response.status_code == 500
    html = response.content.decode()
    assert_error_page(html, "Erreur inattendue", 500)
    assert "boom" not in html
    assert 'href="/accessibilite/">Accessibilité : partiellement conforme</a>' in html
    assert "<form" not in html  # no CSRF token, no session, no user
    assert 'aria-controls="menu-principal"' not in html  # no menu to open
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_500_template_renders_with_an_empty_context_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
        response = errors.server_error(RequestFactory().get("/"))
    assert_error_page(html, "Erreur inattendue", 500)
    assert response.status_code == 500 and response.content.decode() == html


@pytest.mark.django_db
def test_csrf_failure_page(operator_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"),
        {"username": "x@example.org", "password": "y"},
        HTTP_REFERER="http://testserver/compte/connexion/",
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert_error_page(html, "Formulaire expiré", 403)
    assert "Rechargez la page du formulaire" in html
    assert back_button(html) == "http://testserver/compte/connexion/"
    assert "Recharger la page du formulaire" in html
    # A fresh token comes with the page: reloading the form works.
    assert "csrftoken" in response.cookies
    # Signed in: the same page, with the portal's header.
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(operator_a)
    response = signed_in.post(reverse("accounts:logout"))
    assert response.status_code == 403
    assert_error_page(response.content.decode(), "Formulaire expiré", 403)


@pytest.mark.django_db
def test_the_admin_refuses_signed_in_accounts_without_admin_rights(
    operator_a, evaluator, senior, professional, administrator
):
    for user in (operator_a, evaluator, senior, professional):
        client = client_for(user)
        for url in ("/admin/", "/admin/accounts/user/", "/admin/login/?next=/admin/"):
            response = client.get(url, follow=True)
            assert response.status_code == 403, (user.role, url, response.redirect_chain)
            html = response.content.decode()
            assert_error_page(html, "Administration réservée", 403)
            assert f"Vous êtes connecté avec le compte {user.email}" in html
    # Anonymous: to the portal's sign-in page, then back to the admin.
    response = Client().get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/compte/connexion/?next=/admin/"
    # Administrators: the admin itself.
    assert client_for(administrator).get("/admin/").status_code == 200


@pytest.mark.django_db
def test_error_pages_in_english_when_chosen():
    from django.conf import settings
    from django.utils import translation

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/nulle-part/").content.decode()
    assert "<h1>Page not found</h1>" in html and "Error 404" in html
    assert "Back to the home page" in html and "Retour" not in html
    with translation.override("en"):
        html = render_to_string("500.html")
    assert '<html lang="en"' in html and "<h1>Unexpected error</h1>" in html
