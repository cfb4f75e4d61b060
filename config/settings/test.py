"""Settings for the test suite: PostgreSQL when DATABASE_URL is set (CI), SQLite otherwise."""

import tempfile
from pathlib import Path

import jinja2
from django.template import TemplateSyntaxError

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (tests only)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="portal-static-"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True


class UndefinedTemplateVariable(str):
    """``string_if_invalid`` that fails the rendering test: Django formats it with the
    variable it could not resolve (``string_if_invalid % variable``), which raises here, so
    the page answers with an error naming the variable instead of printing a blank.

    ``{% if %}``, ``{% for %}`` and ``{% firstof %}`` test missing variables without
    formatting it, as in production; ``{{ missing|default:"…" }}`` does format it (the
    variable is resolved before the filter runs) and fails: pass the value, or test it with
    ``{% if %}``."""

    def __mod__(self, variable: object) -> str:
        raise TemplateSyntaxError(f"Undefined template variable: {variable}")


# Undefined template variables fail every test that renders them.
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = UndefinedTemplateVariable("%s")  # noqa: F405
TEMPLATES[1]["OPTIONS"]["undefined"] = jinja2.StrictUndefined  # noqa: F405
LANGUAGE_CODE = "fr"
WEBHOOK_ALLOW_LOOPBACK = True  # the tests' receiver listens on 127.0.0.1
