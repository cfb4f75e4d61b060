"""Sign-up in a real headless Chromium: the form, the emailed link, the organisation, the dashboard."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Organisation, User
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "trousse-PCR-variant-rare"


def test_operator_signs_up_confirms_creates_organisation_and_lands_on_dashboard(page, live_server):
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_role("link", name="Créer un compte opérateur").click()
    page.get_by_label("Adresse électronique").fill("lea.fontaine@labo.example")
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_last_name").fill("Fontaine")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill("pas le même mot de passe")
    page.get_by_role("button", name="Créer mon compte").click()
    # Refused in French; what was typed is still there.
    expect(
        page.get_by_text("Les deux mots de passe ne sont pas identiques.", exact=True)
    ).to_be_visible()
    assert page.get_by_label("Prénom").input_value() == "Léa"
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Confirmez votre adresse électronique")).to_be_visible()
    assert not User.objects.get().is_active

    # The link from the email.
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/compte/confirmation/\S+)", message.body).group(1)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirmer mon adresse et activer mon compte").click()
    expect(page.get_by_text("Votre adresse électronique est confirmée")).to_be_visible()
    page.get_by_label("Adresse électronique").fill("lea.fontaine@labo.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # No organisation yet: create it.
    expect(page.get_by_role("heading", name="Votre organisation")).to_be_visible()
    page.get_by_role("link", name="Créer mon organisation").click()
    page.get_by_label("Raison sociale").fill("Diagnostica Nova SAS")
    page.get_by_label("SIREN ou SIRET").fill("812 345 677")
    page.locator("label", has_text="Fabricant").click()  # DSFR radios: the label is the target
    page.get_by_role("button", name="Créer l'organisation").click()
    expect(page.locator(".fr-error-text", has_text="clé de contrôle incorrecte")).to_be_visible()
    assert page.get_by_label("Raison sociale").input_value() == "Diagnostica Nova SAS"
    page.get_by_label("SIREN ou SIRET").fill("812 345 676 00017")
    page.get_by_role("button", name="Créer l'organisation").click()

    expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    expect(page.get_by_text("L'organisation Diagnostica Nova SAS est créée")).to_be_visible()
    expect(page.get_by_role("link", name="Nouvelle demande individuelle")).to_be_visible()
    organisation = Organisation.objects.get()
    assert organisation.siret == "81234567600017"
    assert organisation.memberships.get().user.email == "lea.fontaine@labo.example"


def test_an_operator_without_organisation_is_offered_to_create_or_join_one(page, live_server):
    User.objects.create_user("a@b.example", PASSWORD)
    login(page, live_server, "A@B.example", PASSWORD)  # addresses are not case-sensitive
    expect(page.get_by_role("heading", name="Votre organisation")).to_be_visible()
