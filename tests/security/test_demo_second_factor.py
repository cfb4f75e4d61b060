"""The demo's staff accounts have a published TOTP secret; the code page shows the current
code only when PORTAL_DEMO is on."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import second_factor
from derogations.management.commands.seed_demo import DEMO_TOTP_SECRET
from tests import factories
from tests.second_factor import code_for_secret

pytestmark = pytest.mark.django_db


def _code_page(user) -> tuple[Client, str]:
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.email, "password": factories.PASSWORD})
    return client, client.get(reverse("accounts:second_factor")).content.decode()


def test_demo_code_is_shown_in_the_demo_and_works(settings, evaluator):
    settings.PORTAL_DEMO = True
    second_factor.set_demo_device(evaluator, DEMO_TOTP_SECRET)
    client, page = _code_page(evaluator)
    code = code_for_secret(DEMO_TOTP_SECRET)  # what `oathtool --totp -b SECRET` prints
    assert f"le code du moment est {code}" in page
    response = client.post(reverse("accounts:second_factor"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("reviews:queue")).status_code == 200


def test_demo_code_is_never_shown_outside_the_demo(settings, evaluator):
    settings.PORTAL_DEMO = False
    second_factor.set_demo_device(evaluator, DEMO_TOTP_SECRET)
    _client, page = _code_page(evaluator)
    assert "code du moment" not in page
    assert code_for_secret(DEMO_TOTP_SECRET) not in page
