"""Email addresses in one normal form (accounts/email_addresses.py): stored, looked up by
equality, counted by the lockout under it. Before: unique on lower(email), looked up with
UPPER() (``email__iexact``), and upper('ı') = 'I'."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services, throttle
from accounts.email_addresses import normalise_email
from accounts.forms import SignUpForm
from accounts.models import User
from tests import factories
from tests.accounts.conftest import html
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

REAL = "claire.martin@diagnostica-rara.example"
DOTLESS = "claire.martin@dıagnostica-rara.example"  # U+0131 in the domain
LOGIN = "/compte/connexion/"
SIGNUP = "/compte/inscription/"


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("  Claire.Martin@Diagnostica-Rara.EXAMPLE ", REAL),
        ("ｃｌａｉｒｅ.martin@ＤＩＡＧＮＯＳＴＩＣＡ-rara.example", REAL),  # full width
        (DOTLESS, "claire.martin@xn--dagnostica-rara-7kc.example"),
        ("x@Straße.de", "x@strasse.de"),
        ("x@café.fr", "x@xn--caf-dma.fr"),
        ("pas-une-adresse", "pas-une-adresse"),
    ],
)
def test_normal_form(typed, normal):
    assert normalise_email(typed) == normal
    assert normalise_email(normal) == normal  # idempotent


def test_a_dotless_sign_up_does_not_break_the_real_users_login(client, send):
    real = factories.UserFactory(email=REAL)
    send(
        SIGNUP,
        {
            "email": DOTLESS,
            "first_name": "Claire",
            "last_name": "Martin",
            "password1": "trousse-PCR-variant-rare",
            "password2": "trousse-PCR-variant-rare",
        },
    )
    response = Client().post(LOGIN, {"username": REAL, "password": factories.PASSWORD})
    assert response.status_code == 302  # signed in (was: MultipleObjectsReturned, a 500)
    assert User.objects.get(email=REAL) == real


def test_a_dotless_variant_never_signs_in_as_the_real_user():
    factories.UserFactory(email=REAL)
    response = Client().post(LOGIN, {"username": DOTLESS, "password": factories.PASSWORD})
    assert response.status_code == 200  # refused: another address (was: signed in)
    assert "Adresse électronique ou mot de passe incorrect" in html(response)


def test_lockout_counts_every_spelling_of_an_address_once():
    keys = dict(throttle.keys_for(None, " Claire.Martin@ＤＩＡＧＮＯＳＴＩＣＡ-rara.example"))
    assert keys[throttle.ACCOUNT] == REAL


def test_addresses_are_stored_in_normal_form_everywhere():
    user = User.objects.create_user("Claire.Martin@Diagnostica-Rara.Example", "x" * 20)
    assert user.email == REAL
    assert User.objects.get_by_natural_key("CLAIRE.MARTIN@diagnostica-rara.example") == user
    request = factories.RequestFactory(prescriber_email="Dr.Roux@CHU.example")
    request.refresh_from_db()
    assert request.prescriber_email == "dr.roux@chu.example"


def test_an_address_that_normalises_to_an_existing_account_is_refused_in_the_admin(
    administrator,
):
    factories.UserFactory(email=REAL)
    response = client_for(administrator).post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Claire.Martin@ＤＩＡＧＮＯＳＴＩＣＡ-Rara.example",
            "role": "operator",
            "password1": "trousse-PCR-variant-rare",
            "password2": "trousse-PCR-variant-rare",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "Un compte existe déjà pour cette adresse électronique" in html(response)
    assert User.objects.filter(email=REAL).count() == 1


def test_a_non_ascii_local_part_is_refused_with_a_french_message():
    form = SignUpForm(
        {
            "email": "clai\u0131re@diagnostica-rara.example",
            "first_name": "Claire",
            "last_name": "Martin",
            "password1": "trousse-PCR-variant-rare",
            "password2": "trousse-PCR-variant-rare",
        }
    )
    assert not form.is_valid()
    assert "lettres latines sans accent" in str(form.errors["email"])


def test_password_reset_reaches_only_the_exact_account(
    mailoutbox, django_capture_on_commit_callbacks
):
    factories.UserFactory(email=REAL)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/compte/mot-de-passe/oublie/", {"email": DOTLESS})
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/compte/mot-de-passe/oublie/", {"email": REAL.upper()})
    assert [m.to for m in mailoutbox] == [[REAL]]


def test_sign_up_service_with_an_equivalent_address_creates_no_second_account(mailoutbox):
    factories.UserFactory(email=REAL)
    services.sign_up(
        email="CLAIRE.martin@ＤＩＡＧＮＯＳＴＩＣＡ-rara.example",
        first_name="C",
        last_name="M",
        password="trousse-PCR-variant-rare",
    )
    assert User.objects.filter(email__startswith="claire.martin@").count() == 1
