"""Emails anyone can make the portal send are rate-limited per recipient and per client
address (accounts/throttle.py); an invitation's subject carries no text the inviter chose."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

RESET = "/compte/mot-de-passe/oublie/"
SIGNUP = "/compte/inscription/"
RESEND = reverse("accounts:resend_verification")
TOO_MANY = "Trop de demandes d&#x27;envoi de courriel depuis votre connexion"


def post(path, data, address, capture):
    with capture(execute=True):
        return Client(REMOTE_ADDR=address).post(path, data)


def test_one_address_gets_at_most_its_quota_of_reset_links(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_THROTTLE_LIMITS = {"mail-recipient": 3, "mail-client": 100}
    user = factories.UserFactory(email="cible@example.org")
    for index in range(6):  # from six different clients
        response = post(
            RESET, {"email": user.email}, f"198.51.100.{index}", django_capture_on_commit_callbacks
        )
        assert response.status_code == 302  # the page says the same either way
    assert len(mailoutbox) == 3


def test_sign_ups_on_an_existing_address_send_at_most_its_quota(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_THROTTLE_LIMITS = {"mail-recipient": 2, "mail-client": 100}
    factories.UserFactory(email="cible@example.org")
    data = {
        "email": "cible@example.org",
        "first_name": "A",
        "last_name": "B",
        "password1": "trousse-PCR-variant-rare",
        "password2": "trousse-PCR-variant-rare",
    }
    for index in range(4):
        response = post(SIGNUP, data, f"198.51.100.{index}", django_capture_on_commit_callbacks)
        assert response.status_code == 302
    assert len(mailoutbox) == 2
    resend = post(
        RESEND, {"email": "cible@example.org"}, "198.51.100.9", django_capture_on_commit_callbacks
    )
    assert resend.status_code == 302 and len(mailoutbox) == 2


def test_one_client_is_told_to_wait_in_french_and_keeps_what_it_typed(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_THROTTLE_LIMITS = {"mail-recipient": 100, "mail-client": 3}
    for index in range(3):
        post(
            RESET,
            {"email": f"p{index}@example.org"},
            "203.0.113.7",
            django_capture_on_commit_callbacks,
        )
    response = post(
        RESET, {"email": "encore@example.org"}, "203.0.113.7", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert TOO_MANY in page and "Réessayez dans 60 minutes" in page
    assert 'value="encore@example.org"' in page
    # Sign-up and "resend" count on the same client quota.
    signup = post(
        SIGNUP,
        {
            "email": "new@example.org",
            "first_name": "A",
            "last_name": "B",
            "password1": "trousse-PCR-variant-rare",
            "password2": "trousse-PCR-variant-rare",
        },
        "203.0.113.7",
        django_capture_on_commit_callbacks,
    )
    assert signup.status_code == 200 and TOO_MANY in signup.content.decode()
    # Another client is not affected.
    other = post(
        RESET, {"email": "encore@example.org"}, "203.0.113.8", django_capture_on_commit_callbacks
    )
    assert other.status_code == 302


def test_invitations_are_limited_and_their_subject_carries_no_chosen_text(
    settings, org_a, operator_a, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_THROTTLE_LIMITS = {"mail-recipient": 2, "mail-client": 100}
    Organisation.objects.filter(pk=org_a.pk).update(name="GAGNEZ 1000 EUR http://arnaque.example")
    operator_a.memberships.update(is_admin=True)
    client = client_for(operator_a)
    url = reverse("accounts:invite", args=[org_a.pk])
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"email": "victime@example.org"})
    assert len(mailoutbox) == 2
    mail = mailoutbox[0]
    assert "GAGNEZ" not in mail.subject and "arnaque" not in mail.subject
    assert "« GAGNEZ 1000 EUR http://arnaque.example »" in mail.body
