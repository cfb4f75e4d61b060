"""Production: refuses to start without a real secret key or without an antivirus (unless
said on purpose); secure cookies and HSTS."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int

from .base import *  # noqa: F403

if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-"):  # noqa: F405
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production"
    )
if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must not be true with production settings")
if PORTAL_DEMO:  # noqa: F405
    raise ImproperlyConfigured("PORTAL_DEMO must not be true with production settings")
# Every upload is scanned by ClamAV (derogations/uploads.py): a deployment that forgot
# CLAMAV_URL would accept files unscanned without anyone noticing. Running without an
# antivirus must be said explicitly.
if not CLAMAV_URL and not env_bool("PORTAL_ALLOW_NO_ANTIVIRUS", False):  # noqa: F405
    raise ImproperlyConfigured(
        "CLAMAV_URL must name the ClamAV daemon that scans uploads in production "
        "(tcp://host:3310 or unix:///run/clamav/clamd.ctl); set PORTAL_ALLOW_NO_ANTIVIRUS=1 "
        "to run without an antivirus on purpose"
    )

_https = env_bool("DJANGO_HTTPS", True)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", _https)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
