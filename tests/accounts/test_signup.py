"""Self sign-up of an operator account and the verification of its email address."""

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse

from accounts import tokens
from accounts.enums import Role
from accounts.models import User
from tests import factories
from tests.accounts.conftest import html, link_in

pytestmark = pytest.mark.django_db

SIGNUP = "/compte/inscription/"
GOOD = {
    "email": "Lea.Fontaine@Labo-Exemple.fr",
    "first_name": "Léa",
    "last_name": "Fontaine",
    "password1": "trousse-PCR-variant-rare",
    "password2": "trousse-PCR-variant-rare",
}


def test_signup_page_is_french_and_linked_from_login(client):
    assert SIGNUP in html(client.get("/compte/connexion/"))
    page = html(client.get(SIGNUP))
    assert "Créer un compte opérateur" in page
    assert "Confirmation du mot de passe" in page


def test_signup_creates_an_inactive_account_and_emails_a_link(client, send, mailoutbox):
    response = send(SIGNUP, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get()
    assert user.email == "lea.fontaine@labo-exemple.fr"
    assert user.role == Role.OPERATOR
    assert not user.is_active and user.email_verified_at is None
    assert user.check_password(GOOD["password1"])
    (mail,) = mailoutbox
    assert mail.to == ["lea.fontaine@labo-exemple.fr"]
    assert mail.subject == "[ANSM] Confirmez votre adresse électronique"
    assert "Bonjour Léa" in mail.body and "48 heures" in mail.body
    assert link_in(mail, "/compte/confirmation/")
    page = html(client.get(response["Location"]))
    assert "lea.fontaine@labo-exemple.fr" in page
    # The account cannot be used before the address is confirmed.
    assert not client.login(email=user.email, password=GOOD["password1"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "autre-chose-encore-12"}, "Les deux mots de passe ne sont pas identiques."),
        ({"password1": "court", "password2": "court"}, "Ce mot de passe est trop court"),
        ({"password1": "123456789012345", "password2": "123456789012345"}, "entièrement numérique"),
        ({"password1": "telechargement", "password2": "telechargement"}, "trop courant"),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse de courriel valide."),
        ({"last_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_input_is_reported_in_french_and_typed_values_kept(
    client, send, mailoutbox, changes, message
):
    data = {**GOOD, **changes}
    response = send(SIGNUP, data)
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert page.startswith("<!DOCTYPE html>") or "<title>Erreur" in page
    assert "<title>Erreur" in page
    for field in ("email", "first_name"):
        assert f'value="{data[field]}"' in page
    assert GOOD["password1"] not in page  # passwords are never sent back
    assert not User.objects.exists() and not mailoutbox


def test_password_similar_to_the_name_is_refused(send):
    response = send(SIGNUP, {**GOOD, "password1": "fontainelea12", "password2": "fontainelea12"})
    assert "trop semblable" in html(response)


def test_signup_with_a_confirmed_address_says_nothing_and_reminds_the_owner(send, mailoutbox):
    existing = factories.UserFactory(email="lea.fontaine@labo-exemple.fr")
    existing.email_verified_at = existing.date_joined
    existing.save()
    response = send(SIGNUP, GOOD)
    assert response["Location"] == reverse("accounts:signup_done")  # same answer as a new address
    assert User.objects.count() == 1
    existing.refresh_from_db()
    assert existing.check_password(factories.PASSWORD)  # untouched
    (mail,) = mailoutbox
    assert mail.subject == "[ANSM] Vous avez déjà un compte"
    assert "/compte/mot-de-passe/oublie/" in mail.body


def test_signup_again_while_unconfirmed_sends_a_new_link_without_changing_the_password(
    send, mailoutbox
):
    pending = factories.UserFactory(unverified=True, email="lea.fontaine@labo-exemple.fr")
    send(SIGNUP, GOOD)
    pending.refresh_from_db()
    assert pending.check_password(factories.PASSWORD)
    (mail,) = mailoutbox
    # The token is signed with a timestamp: compare what it says, not its characters.
    link = link_in(mail, "/compte/confirmation/")
    assert link == reverse("accounts:verify_email", args=[link.split("/")[-2]])
    assert tokens.read_verification_token(link.split("/")[-2]).pk == pending.pk


def test_the_link_activates_on_confirmation_then_the_operator_logs_in_to_the_onboarding(
    client, send, mailoutbox
):
    send(SIGNUP, GOOD)
    link = link_in(mailoutbox[0], "/compte/confirmation/")
    page = html(client.get(link))
    assert "Confirmer mon adresse et activer mon compte" in page
    user = User.objects.get()
    assert not user.is_active  # GET never writes (link scanners open links too)
    response = send(link)
    assert response.status_code == 302
    assert response["Location"] == "/compte/connexion/?next=%2Fcompte%2F"
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at is not None
    assert "Votre adresse électronique est confirmée" in html(client.get(response["Location"]))
    response = client.post(
        response["Location"], {"username": GOOD["email"], "password": GOOD["password1"]}
    )
    assert response["Location"] == "/compte/"
    assert client.get("/compte/")["Location"] == reverse("accounts:onboarding")
    # The link is spent: it says so and changes nothing.
    page = html(client.get(link))
    assert "Votre adresse est déjà confirmée" in page
    assert send(link)["Location"] == reverse("accounts:login")


def test_an_expired_link_says_so_and_offers_a_new_one(client):
    user = factories.UserFactory(unverified=True)
    link = reverse("accounts:verify_email", args=[tokens.verification_token(user.pk)])
    with override_settings(ACCOUNT_VERIFICATION_MAX_AGE=-1):
        response = client.get(link)
        assert response.status_code == 410
        page = html(response)
        assert "Ce lien de confirmation a expiré" in page
        assert "Recevoir un nouveau lien" in page
        assert client.post(link).status_code == 410
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.parametrize(
    "token",
    [
        "n-importe-quoi",
        # Tampered: another user's number under the first one's signature.
        lambda pk: tokens.verification_token(pk)[:-1] + "x",
        # Signed for another purpose (an invitation link) with the same number.
        lambda pk: tokens.invitation_token(pk),
        # Signed right, for an account that does not exist.
        lambda pk: tokens.verification_token(pk + 1000),
        lambda pk: signing.dumps("1", salt=tokens.VERIFICATION_SALT),
    ],
)
def test_a_forged_link_activates_nothing(client, token):
    user = factories.UserFactory(unverified=True)
    token = token(user.pk) if callable(token) else token
    link = reverse("accounts:verify_email", args=[token])
    response = client.get(link)
    assert response.status_code == 400
    assert "Ce lien de confirmation n'est pas valide" in html(response)
    assert client.post(link).status_code == 400
    user.refresh_from_db()
    assert not user.is_active


@pytest.mark.parametrize(
    "email", ["inconnu@example.org", "actif@example.org", "attente@example.org"]
)
def test_resend_never_reveals_whether_an_account_exists(client, send, mailoutbox, email):
    factories.UserFactory(email="actif@example.org")
    waiting = factories.UserFactory(unverified=True, email="attente@example.org")
    response = send("/compte/confirmation/renvoyer/", {"email": email.upper()})
    assert response["Location"] == reverse("accounts:signup_done")
    page = html(client.get(response["Location"]))
    assert "Si aucun compte confirmé n'existe déjà pour" in page
    if email == "attente@example.org":
        (mail,) = mailoutbox
        assert mail.to == [waiting.email]
    else:
        assert mailoutbox == []


def test_resend_form_reports_a_malformed_address(send):
    response = send("/compte/confirmation/renvoyer/", {"email": "pas-une-adresse"})
    assert response.status_code == 200
    page = html(response)
    assert "Saisissez une adresse de courriel valide." in page and 'value="pas-une-adresse"' in page


def test_a_logged_in_person_is_sent_home_from_signup(client):
    client.force_login(factories.UserFactory())
    assert client.get(SIGNUP)["Location"] == reverse("home")


def test_the_english_version_of_the_verification_email(client, send, mailoutbox):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    send(SIGNUP, GOOD)
    (mail,) = mailoutbox
    assert mail.subject == "[ANSM] Confirm your email address"
    assert "Hello Léa" in mail.body


def test_the_expired_link_page_resends_through_the_resend_form(client, send, mailoutbox):
    user = factories.UserFactory(unverified=True)
    link = reverse("accounts:verify_email", args=[tokens.verification_token(user.pk)])
    with override_settings(ACCOUNT_VERIFICATION_MAX_AGE=-1):
        page = html(client.get(link))
    assert f'action="{reverse("accounts:resend_verification")}"' in page
    send(reverse("accounts:resend_verification"), {"email": user.email})
    assert mailoutbox[0].to == [user.email]


def test_an_address_has_one_account_whatever_its_case(send, mailoutbox):
    factories.UserFactory(email="Lea.Fontaine@labo-exemple.fr")  # e.g. created in the admin
    send(SIGNUP, GOOD)
    assert User.objects.count() == 1
    assert mailoutbox[0].subject == "[ANSM] Vous avez déjà un compte"
