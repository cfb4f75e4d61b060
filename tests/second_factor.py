"""Test helpers that pass the second factor for real: a TOTP device is created and its
current code is posted to the code page, as a person would type it.

tests/conftest.py makes Client.force_login use them for accounts that owe a second factor,
so staff clients in every test went through the real verification; a test that needs a
session that did not pass it uses Client.force_login_password_only.
"""

import base64
import re

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor

_original_force_login = Client.force_login


def code_for_secret(secret_base32: str) -> str:
    """The current code of a base32 secret, as an authenticator app computes it."""
    padded = secret_base32 + "=" * (-len(secret_base32) % 8)
    return f"{TOTP(base64.b32decode(padded)).token():06d}"


def enrolment_path(body: str) -> str:
    """The path of the enrolment link in the email that carries it."""
    match = re.search(r"https?://[^/\s]+(/compte/double-authentification/activer/\S+/)", body)
    assert match, body
    return match.group(1)


def new_device(user) -> TOTPDevice:
    """A fresh confirmed device: its own last used step, so its current code is unspent."""
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def pass_second_factor(client: Client, user) -> None:
    device = new_device(user)
    url = reverse("accounts:second_factor")
    data = {"code": second_factor.current_code(device)}
    if client.handler.enforce_csrf_checks:
        client.get(url)  # the page sets the CSRF cookie
        data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    response = client.post(url, data)
    assert response.status_code == 302, ("second factor not passed", response.status_code)


def force_login(self: Client, user, backend: str | None = None) -> None:
    _original_force_login(self, user, backend)
    if second_factor.is_mandatory_for(user) or second_factor.confirmed_devices(user).exists():
        pass_second_factor(self, user)


def install() -> None:
    Client.force_login_password_only = _original_force_login
    Client.force_login = force_login


def uninstall() -> None:
    Client.force_login = _original_force_login
    del Client.force_login_password_only
