"""Password reset (Django's views, our pages and emails) and password change."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests import factories
from tests.accounts.conftest import html, link_in
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

RESET = "/compte/mot-de-passe/oublie/"
NEW = "nouveau-mot-de-passe-2026"


def test_login_page_links_to_reset(client):
    assert RESET in html(client.get("/compte/connexion/"))
    assert "Mot de passe oublié" in html(client.get(RESET))


@pytest.mark.parametrize("email", ["inconnu@example.org", "attente@example.org"])
def test_reset_says_the_same_for_unknown_or_inactive_addresses(send, mailoutbox, email):
    factories.UserFactory(unverified=True, email="attente@example.org")
    response = send(RESET, {"email": email})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


@override_settings(PORTAL_BASE_URL="https://derogations.ansm.example")
def test_reset_by_email_link_once(send, mailoutbox, operator_a):
    visitor = Client()
    response = send(RESET, {"email": operator_a.email.upper()}, as_client=visitor)
    page = html(visitor.get(response["Location"]))
    assert "Consultez votre messagerie" in page and "2 heures" in page
    (mail,) = mailoutbox
    assert mail.subject == "[ANSM] Réinitialisation de votre mot de passe"
    # The link points at the portal's configured address, whatever the Host header said.
    assert "https://derogations.ansm.example/compte/mot-de-passe/reinitialiser/" in mail.body
    link = link_in(mail, "/compte/mot-de-passe/reinitialiser/")
    response = visitor.get(link)  # Django keeps the token in the session and hides it
    form_url = response["Location"]
    page = html(visitor.get(form_url))
    assert "Choisissez un nouveau mot de passe" in page
    response = send(form_url, {"new_password1": NEW, "new_password2": "autre"}, as_client=visitor)
    assert "Les deux mots de passe ne correspondent pas." in html(response)
    response = send(
        form_url, {"new_password1": "court", "new_password2": "court"}, as_client=visitor
    )
    assert "Ce mot de passe est trop court" in html(response)
    response = send(form_url, {"new_password1": NEW, "new_password2": NEW}, as_client=visitor)
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert "Votre nouveau mot de passe est enregistré" in html(visitor.get(response["Location"]))
    operator_a.refresh_from_db()
    assert operator_a.check_password(NEW)
    # Spent: the link no longer works.
    page = html(Client().get(link))
    assert "Ce lien de réinitialisation n'est plus valable" in page


def test_a_forged_reset_link_is_refused(client, operator_a):
    response = client.get("/compte/mot-de-passe/reinitialiser/MQ/abc-def/")
    assert "Ce lien de réinitialisation n'est plus valable" in html(response)


def test_reset_email_in_english_when_english_is_chosen(send, mailoutbox, operator_a):
    visitor = Client()
    visitor.post("/i18n/setlang/", {"language": "en", "next": "/"})
    send(RESET, {"email": operator_a.email}, as_client=visitor)
    (mail,) = mailoutbox
    assert mail.subject == "[ANSM] Reset your password"
    assert "Hello," in mail.body


def test_password_change(send, operator_a):
    client = client_for(operator_a)
    assert "Changer mon mot de passe" in html(client.get("/compte/profil/"))
    url = "/compte/mot-de-passe/modifier/"
    response = send(
        url, {"old_password": "faux", "new_password1": NEW, "new_password2": NEW}, as_client=client
    )
    assert "Votre ancien mot de passe est incorrect" in html(response)
    response = send(
        url,
        {"old_password": factories.PASSWORD, "new_password1": NEW, "new_password2": NEW},
        as_client=client,
    )
    assert response["Location"] == reverse("accounts:profile")
    assert "Votre mot de passe est changé." in html(client.get(response["Location"]))
    operator_a.refresh_from_db()
    assert operator_a.check_password(NEW)
