"""Account emails (verification, already registered, invitation, password reset,
second-factor enrolment link): Date in Paris time, Auto-Submitted, text then HTML with
the same content and links, user text escaped in the HTML, in the language of the person
who triggers them; the outbox keeps the HTML until the email is sent."""

import pytest
from django.core import mail
from django.utils import translation

from accounts import emails, services
from notifications.models import AccountEmail, DeliveryStatus
from notifications.tasks import send_account_email
from tests import factories
from tests.email_checks import check_email
from tests.security.test_second_factor import enrolment_link_sent, password_login

pytestmark = pytest.mark.django_db

NAME = "Zoé <b>gras</b>"
ORG = "Labo <i>penché</i> & fils"


def _sent(on_commit, action):
    """Run ``action``, commit, and return the one email it sent."""
    sent = len(mail.outbox)
    with on_commit(execute=True):
        action()
    (message,) = mail.outbox[sent:]
    return message


def test_verification(django_capture_on_commit_callbacks):
    def sign_up():
        services.sign_up(
            email="zoe@labo.example", first_name=NAME, last_name="L", password="x" * 20
        )

    message = _sent(django_capture_on_commit_callbacks, sign_up)
    checked = check_email(message, hostile=(NAME,))
    assert any("/compte/" in href for href, _label in checked.links)


def test_verification_in_english(django_capture_on_commit_callbacks):
    def sign_up():
        with translation.override("en"):
            services.sign_up(
                email="zoe@labo.example", first_name=NAME, last_name="L", password="x" * 20
            )

    message = _sent(django_capture_on_commit_callbacks, sign_up)
    checked = check_email(message, language="en", hostile=(NAME,))
    assert "Confirm my email address" in checked.html


def test_already_registered(operator_a, django_capture_on_commit_callbacks):
    def sign_up_again():
        services.sign_up(email=operator_a.email, first_name="A", last_name="B", password="x" * 20)

    message = _sent(django_capture_on_commit_callbacks, sign_up_again)
    assert len(check_email(message).links) == 2


def test_invitation(operator_a, django_capture_on_commit_callbacks):
    org = factories.OrganisationFactory(name=ORG)
    inviter = factories.operator_of(org, first_name=NAME, last_name="L")

    def invite():
        services.invite(org, inviter, "nouveau@labo.example", as_admin=False)

    message = _sent(django_capture_on_commit_callbacks, invite)
    check_email(message, hostile=(ORG,))


def test_password_reset(send, operator_a):
    send("/compte/mot-de-passe/oublie/", {"email": operator_a.email})
    (message,) = mail.outbox
    checked = check_email(message)
    assert any("/mot-de-passe/reinitialiser/" in href for href, _label in checked.links)


def test_second_factor_enrolment_link(django_capture_on_commit_callbacks):
    staff = factories.UserFactory(evaluator=True, first_name=NAME)
    client = password_login(staff)
    enrolment_link_sent(client, staff, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    check_email(message, hostile=(NAME,))


def test_the_outbox_keeps_the_html_until_sent(operator_a, django_capture_on_commit_callbacks):
    message = emails.render_email(
        "verification",
        {"user": operator_a, "url": "https://portail.example/v/1/", "hours": 1},
        operator_a.email,
    )
    with django_capture_on_commit_callbacks(execute=False):
        emails.send_on_commit(message)
    row = AccountEmail.objects.get()
    assert "https://portail.example/v/1/" in row.html_body
    send_account_email.delay(row.pk)
    (sent,) = mail.outbox
    assert sent.alternatives[0].content == message.alternatives[0].content
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert row.body == row.html_body == ""  # the token is not kept
