"""Embedded defaults for the demo: SQLite, inline tasks, emails to files, DEBUG on."""

from config.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
PORTAL_DEMO = env_bool("PORTAL_DEMO", DEBUG)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "dev-only-insecure-key-never-used-in-production"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Serve static files straight from the apps in the demo; make the local folders exist.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
for _folder in (VAR_DIR, STATIC_ROOT, MEDIA_ROOT):  # noqa: F405
    _folder.mkdir(parents=True, exist_ok=True)
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", True)  # a local receiver
