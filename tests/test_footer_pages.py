"""The public pages of the footer: accessibility statement, legal notice, personal data and
site map, in French and in English."""

import pytest
from django.test import Client
from django.urls import reverse

from config.pages import SITE_MAP

pytestmark = pytest.mark.django_db

PAGES = {
    "pages:accessibility": [
        "Déclaration d'accessibilité",
        "<strong>partiellement conforme</strong>",
        "L'audit de conformité réalisé en interne révèle que",
        "RGAA), version 4.1",
        "Contenus non accessibles",
        "Dérogations pour charge disproportionnée",
        "Technologies utilisées",
        "aucune session avec un lecteur d'écran",
        "Pages du site ayant fait l'objet de la vérification de conformité",
        "09 69 39 00 00",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits — Libre réponse 71120 — 75342 Paris CEDEX 07",
    ],
    "pages:legal": [
        "143-147 boulevard Anatole France",
        "93285 Saint-Denis Cedex",
        "Directeur de la publication",
        "À compléter par l'équipe d'exploitation",
    ],
    "pages:privacy": [
        "Responsable du traitement",
        "mission d'intérêt public",
        "uniquement des données pseudonymisées",
        "Durées de conservation",
        "Destinataires",
        "délégué à la protection des données",
        "CNIL",
        "il n'y a donc pas de bandeau ni de page de gestion des cookies",
    ],
    "pages:sitemap": ["Plan du site", "Pour tous", "File d'instruction"],
}


def html_of(name: str, language: str = "fr") -> str:
    client = Client()
    if language != "fr":
        client.cookies["django_language"] = language
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_in_french(name):
    html = html_of(name)
    for text in PAGES[name]:
        assert text in html, text
    # The footer link of the page says it is the current one.
    assert f'href="{reverse(name)}" aria-current="page"' in html


def test_pages_in_english():
    assert "<strong>partially compliant</strong>" in html_of("pages:accessibility", "en")
    assert "Publication director" in html_of("pages:legal", "en")
    assert "Data controller" in html_of("pages:privacy", "en")
    assert "For everyone" in html_of("pages:sitemap", "en")


def test_site_map_links_every_entry_and_each_answers():
    html = html_of("pages:sitemap")
    for _title, entries in SITE_MAP:
        for entry in entries:
            assert f'href="{entry.url}"' in html
            # Public pages answer; the others send to the login page.
            assert Client().get(entry.url).status_code in (200, 302), entry.url
