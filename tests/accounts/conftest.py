import html as html_module
import re

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_french():
    """A request in English leaves English active in this thread: not for the next test."""
    yield
    translation.deactivate()


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST like a browser and run what the request queued for after commit (emails)."""

    def post(url, data=None, as_client=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return (as_client or client).post(url, data or {}, **kwargs)

    return post


def link_in(message, path_start: str) -> str:
    """The path of the portal link in an email body that starts with path_start."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_start) + r"\S*)", message.body)
    assert match, message.body
    return match.group(1)


def html(response) -> str:
    """The page's text with entities decoded (Django escapes ' in variables, not in literals)."""
    text = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    return html_module.unescape(text)
