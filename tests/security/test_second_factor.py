"""Second factor (TOTP) of staff accounts, optional for operators (accounts/second_factor.py)."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from tests import factories
from tests.second_factor import code_for_secret, enrolment_path, new_device
from tests.test_permission_matrix import (
    ADMIN_NAMESPACE,
    API_NAMESPACE,
    EXPECTED,
    discovered_url_names,
    url_for,
)

pytestmark = pytest.mark.django_db
VERIFY = "/compte/double-authentification/"
SETUP = "/compte/double-authentification/activer/"
ALLOWED_BEFORE_SECOND_FACTOR = {
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "accounts:second_factor_link",
    "accounts:logout",
    "set_language",
}


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client


def enrolment_link_sent(client: Client, user, on_commit) -> str:
    """Ask for the enrolment link and read it from the email sent to the account (sent once
    the request's transaction commits: on_commit is django_capture_on_commit_callbacks)."""
    sent = len(mail.outbox)
    with on_commit(execute=True):
        assert client.post(SETUP, {"send_link": ""}).status_code == 302
    (message,) = mail.outbox[sent:]
    assert message.to == [user.email]
    return enrolment_path(message.body)


def secret_on(page: str) -> str:
    match = re.search(r'<code class="portal-secret">([A-Z2-7]+)</code>', page)
    assert match, "the secret is shown on the enrolment page"
    return match.group(1)


@pytest.mark.parametrize("role", ["evaluator", "senior", "admin"])
def test_no_url_answers_a_staff_session_without_second_factor(world, role):
    user = world["users"][role]
    new_device(user)  # enrolled, but this session only gave the password
    client = Client()
    client.force_login_password_only(user)
    # The API's endpoints take no session (tests/api: a token, whose creation asked staff
    # for a code); the pages of its namespace are in EXPECTED like every page.
    names = [
        name
        for name, _ in discovered_url_names()
        if not name.startswith(ADMIN_NAMESPACE)
        and (not name.startswith(API_NAMESPACE) or name in EXPECTED)
    ]
    urls = [url_for(name, world) for name in names if name not in ALLOWED_BEFORE_SECOND_FACTOR]
    # The Django admin too: its index, a list and a change page.
    urls += [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[user.pk]),
    ]
    assert len(urls) > 40
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (url, method, response.status_code)
            assert response["Location"].startswith(VERIFY), (url, method, response["Location"])


def test_staff_password_login_leads_to_enrolment_then_to_the_queue(
    evaluator, django_capture_on_commit_callbacks
):
    client = password_login(evaluator)
    key_after_password = client.session.session_key
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == SETUP
    page = response.content.decode()
    # The password alone does not show the secret: the enrolment opens from a link emailed
    # to the account.
    assert "portal-secret" not in page and "Recevoir le lien d'activation" in page
    assert client.post(SETUP, {"code": "123456"}).status_code == 302  # no code taken yet
    assert not mail.outbox
    link = enrolment_link_sent(client, evaluator, django_capture_on_commit_callbacks)
    response = client.get(link, follow=True)
    assert response.redirect_chain[-1][0] == SETUP
    page = response.content.decode()
    assert "<svg" in page and "Activer la double authentification" in page
    secret = secret_on(page)

    wrong = client.post(SETUP, {"code": "000000" if code_for_secret(secret) != "000000" else "1"})
    assert wrong.status_code == 400
    assert "Ce code ne correspond pas" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=evaluator, confirmed=True).exists()

    # After a wrong code the device is throttled (django-otp, stored): even the right code
    # is refused for a second.
    assert client.post(SETUP, {"code": code_for_secret(secret)}).status_code == 400
    time.sleep(1.1)
    response = client.post(SETUP, {"code": code_for_secret(secret)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=evaluator, confirmed=True).count() == 1
    assert client.session.session_key != key_after_password  # rotated at the second factor
    assert client.get(reverse("reviews:queue")).status_code == 200


def test_enrolled_staff_gives_the_code_and_the_session_key_rotates(senior):
    device = new_device(senior)
    anonymous_key = None
    client = Client()
    client.get(reverse("accounts:login"))
    anonymous_key = client.session.session_key
    client.post(
        reverse("accounts:login"), {"username": senior.email, "password": factories.PASSWORD}
    )
    key_after_password = client.session.session_key
    assert key_after_password != anonymous_key  # rotated at login
    response = client.get(f"{VERIFY}?next=/instruction/")
    assert response.status_code == 200
    assert "Double authentification" in response.content.decode()

    response = client.post(VERIFY, {"code": "12 34", "next": "/instruction/"})  # not checked
    assert response.status_code == 400
    assert "Saisissez les 6 chiffres" in response.content.decode()
    assert 'value="12 34"' in response.content.decode()  # what was typed is kept

    response = client.post(
        VERIFY, {"code": second_factor.current_code(device), "next": "/instruction/"}
    )
    assert response.status_code == 302 and response["Location"] == "/instruction/"
    assert client.session.session_key != key_after_password  # rotated at the second factor
    assert client.get("/instruction/").status_code == 200


def test_a_code_is_accepted_once(senior):
    device = new_device(senior)
    code = second_factor.current_code(device)
    first, second = password_login(senior), password_login(senior)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    response = second.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "déjà servi" in response.content.decode()
    assert second.get("/instruction/").status_code == 302


def test_next_is_kept_on_this_site_only(senior):
    device = new_device(senior)
    client = password_login(senior)
    response = client.post(
        VERIFY, {"code": second_factor.current_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:start")


def test_a_password_alone_cannot_enrol_another_device(senior):
    new_device(senior)
    client = password_login(senior)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=senior).count() == 1


def test_operator_without_device_is_not_asked_then_enrols_from_my_account(operator_a):
    client = password_login(operator_a)
    profile = client.get(reverse("accounts:profile"))
    assert profile.status_code == 200
    assert "Inactive" in profile.content.decode()
    assert SETUP in profile.content.decode()
    page = client.get(SETUP).content.decode()
    response = client.post(SETUP, {"code": code_for_secret(secret_on(page))})
    assert response.status_code == 302
    assert "Active :" in client.get(reverse("accounts:profile")).content.decode()

    # From now on, the operator's next login owes the code.
    later = password_login(operator_a)
    response = later.get(reverse("derogations:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_django_admin_has_no_login_form_of_its_own():
    response = Client().get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_is_possible_before_the_second_factor(senior):
    new_device(senior)
    client = password_login(senior)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_enrolment_link_works_for_its_account_only_and_not_once_enrolled(
    evaluator, senior, django_capture_on_commit_callbacks
):
    client = password_login(evaluator)
    link = enrolment_link_sent(client, evaluator, django_capture_on_commit_callbacks)
    # Asked again at once: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(SETUP, {"send_link": ""}).status_code == 302
    assert len(mail.outbox) == 1

    # Another staff account (its own password) cannot use it.
    other = password_login(senior)
    response = other.get(link)
    assert response.status_code == 400
    assert "Ce lien d'activation n'est pas valide" in response.content.decode()
    assert "portal-secret" not in other.get(SETUP).content.decode()

    # A forged or altered link neither.
    assert client.get(link[:-3] + "xx/").status_code == 400

    # Its own account: the secret shows; once enrolled, the link is spent.
    secret = secret_on(client.get(link, follow=True).content.decode())
    assert client.post(SETUP, {"code": code_for_secret(secret)}).status_code == 302
    assert client.get(link).status_code == 400


def test_an_old_enrolment_link_has_expired(evaluator, settings, django_capture_on_commit_callbacks):
    settings.SECOND_FACTOR_ENROLMENT_MAX_AGE = -1
    client = password_login(evaluator)
    link = enrolment_link_sent(client, evaluator, django_capture_on_commit_callbacks)
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce lien d'activation a expiré" in response.content.decode()
