"""Anonymous sessions stay small (accounts/sessions.py); expired sessions are deleted on a
schedule (accounts.tasks.clear_expired_sessions)."""

import datetime
import secrets

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string

from tests import factories

pytestmark = pytest.mark.django_db


def store():
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def test_an_anonymous_session_never_stores_large_data():
    session = store()()
    session["anything"] = secrets.token_hex(50_000)  # incompressible (data is compressed)
    session.save()
    row = Session.objects.get(session_key=session.session_key)
    assert len(row.session_data) < settings.SESSION_ANONYMOUS_MAX_BYTES
    assert "anything" not in store()(session.session_key).load()


def test_a_small_anonymous_session_and_a_signed_in_one_are_kept():
    session = store()()
    session["signup_email"] = "lea@example.org"
    session.save()
    assert store()(session.session_key).load() == {"signup_email": "lea@example.org"}
    client = Client()
    client.force_login(factories.UserFactory())
    signed_in = client.session
    signed_in["big"] = "y" * 10_000
    signed_in.save()
    assert store()(signed_in.session_key).load()["big"] == "y" * 10_000


def test_an_anonymous_post_with_a_huge_value_leaves_no_large_session():
    response = Client().post(
        "/compte/inscription/",
        {
            "email": secrets.token_hex(50_000) + "@example.org",
            "first_name": secrets.token_hex(50_000),
        },
    )
    assert response.status_code in (200, 400)
    assert all(
        len(data) < settings.SESSION_ANONYMOUS_MAX_BYTES
        for data in Session.objects.values_list("session_data", flat=True)
    )


def test_expired_sessions_are_cleared_on_a_schedule():
    from accounts.tasks import clear_expired_sessions

    assert any(
        entry["task"] == "accounts.tasks.clear_expired_sessions"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    old, current = store()(), store()()
    old["a"], current["b"] = 1, 2
    old.save()
    current.save()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
