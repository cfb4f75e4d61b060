"""Settings shared by every environment. Values come from environment variables.

With no variable set, the portal runs on embedded defaults: SQLite, Celery tasks run
inline, emails written to files under var/mail. See README.md for the real stack.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import email_settings_from_url, env_bool, env_int, env_list, env_str
from config.oidc import providers_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ""
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Absolute address of the portal, written in letters and emails (verification URL).
PORTAL_BASE_URL = (env_str("PORTAL_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "config.admin_site.PortalAdminConfig",  # django.contrib.admin, with our 403 page
    "django_celery_beat",
    "crispy_forms",
    "dsfr",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "accounts",
    "derogations",
    "reviews",
    "notifications",
    "collaboration",
    "file_exports",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "api",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # HEAD: GET's headers without the body (which gunicorn would drop with a warning).
    "config.middleware.HeadWithoutBodyMiddleware",
    # Permissions-Policy, Cross-Origin-Resource-Policy (static files included).
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the middleware below and the views wrote (WhiteNoise serves its own
    # compressed static files). Django >= 4.2 pads the gzip header at random (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    # Cache-Control: private, no-store on anything a signed-in person sees (outside the
    # session and CSRF middleware, which add Vary: Cookie).
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ExplicitLanguageMiddleware",
    "config.url_input.BadUrlInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
    # The row partials of the long lists (each app's jinja2/ folder, config/jinja2.py):
    # autoescaped like the Django templates, several times faster for a loop of 50 rows.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment", "autoescape": True},
    },
]

# --- Database -------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
# The application's role (DATABASE_URL) may only INSERT and SELECT the audit table;
# migrations run with DATABASE_URL set to the tables' owner, then `manage.py grant_app_role`
# gives the application's role its privileges (scripts/stack.sh, MIGRATION_DATABASE_URL).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:start"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lifetimes of the links we email, in seconds: email verification at sign-up, invitation
# into an organisation, password reset (Django's setting).
ACCOUNT_VERIFICATION_MAX_AGE = env_int("ACCOUNT_VERIFICATION_MAX_AGE", 60 * 60 * 48)
# The emailed link that opens a staff account's second-factor enrolment (seconds).
SECOND_FACTOR_ENROLMENT_MAX_AGE = env_int("SECOND_FACTOR_ENROLMENT_MAX_AGE", 60 * 60)
ACCOUNT_INVITATION_MAX_AGE = env_int("ACCOUNT_INVITATION_MAX_AGE", 60 * 60 * 24 * 14)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 2)
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Second factor (TOTP) of staff accounts: see accounts/second_factor.py.
OTP_TOTP_ISSUER = "ANSM Dérogations DMDIV"
# Brute-force lockout of the sign-in and second-factor forms (accounts/throttle.py): after
# this many failures an account, or an address, is refused for LOCKOUT_SECONDS.
LOGIN_THROTTLE_LIMITS = {
    # Failures of one client on one account before that pair is locked out.
    "account-address": env_int("LOGIN_THROTTLE_ACCOUNT_ADDRESS_LIMIT", 5),
    # Failures on one account from all clients before each attempt waits (back-off).
    "account": env_int("LOGIN_THROTTLE_ACCOUNT_LIMIT", 20),
    # Failures of one client on any accounts before it is locked out.
    "address": env_int("LOGIN_THROTTLE_ADDRESS_LIMIT", 30),
}
# Longest wait between two attempts on an account past its limit (1, 2, 4 ... seconds).
LOGIN_THROTTLE_ACCOUNT_BACKOFF_MAX_SECONDS = env_int(
    "LOGIN_THROTTLE_ACCOUNT_BACKOFF_MAX_SECONDS", 60
)
LOGIN_THROTTLE_LOCKOUT_SECONDS = env_int("LOGIN_THROTTLE_LOCKOUT_SECONDS", 15 * 60)
# Sessions in the database; an anonymous visitor's session is stored only under this size
# (accounts/sessions.py): no request without an account can make the portal keep large data.
SESSION_ENGINE = "accounts.sessions"
SESSION_ANONYMOUS_MAX_BYTES = env_int("SESSION_ANONYMOUS_MAX_BYTES", 4096)
# Emails a visitor can make the portal send (sign-up, verification again, password reset,
# invitations): at most so many per recipient and per client address in each window
# (accounts/throttle.py). Over the recipient's quota nothing is sent and nothing is said.
EMAIL_THROTTLE_LIMITS = {
    "mail-recipient": env_int("EMAIL_THROTTLE_RECIPIENT_LIMIT", 5),
    "mail-client": env_int("EMAIL_THROTTLE_CLIENT_LIMIT", 20),
}
EMAIL_THROTTLE_WINDOW_SECONDS = env_int("EMAIL_THROTTLE_WINDOW_SECONDS", 60 * 60)
# Sign-in through the State's OpenID Connect providers (accounts/oidc.py, config/oidc.py):
# ProConnect for ANSM agents, Pro Santé Connect for health professionals, each enabled only
# when its PROCONNECT_* / PROSANTECONNECT_* variables are set.
OIDC_PROVIDERS = providers_from_env(os.environ)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "accounts.oidc.ProviderBackend",
]
# Demo conveniences (the current code of the demo staff accounts on the code page).
# Never in production: config/settings/production.py refuses it.
PORTAL_DEMO = env_bool("PORTAL_DEMO", False)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files and uploaded files --------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic leaves out the parts of the DSFR distribution no page loads (config/staticfiles.py).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfiles.PortalAppDirectoriesFinder",
]
# Uploaded files and letters live outside the web root and are served by views that
# check permissions; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media-not-served/"

_storage = (env_str("DJANGO_STORAGE") or "file").lower()
if _storage == "file":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
elif _storage == "s3":
    _bucket = env_str("AWS_STORAGE_BUCKET_NAME")
    if not _bucket:
        raise ImproperlyConfigured("DJANGO_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"DJANGO_STORAGE must be 'file' or 's3', got {_storage!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = (
    env_str("DEFAULT_FROM_EMAIL") or "ANSM - Dérogations DMDIV <derogations-dmdiv@ansm.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env_str("EMAIL_URL")
if _email_url:
    globals().update(email_settings_from_url(_email_url))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# Seconds before each new attempt of a failed letter or email (SMTP or storage errors).
NOTIFICATION_RETRY_DELAYS = [10, 30, 60, 300, 900, 1800, 3600]
# The sweep (celery beat, every NOTIFICATION_SWEEP_INTERVAL seconds) queues again each
# copy, reminder or account email still unsent NOTIFICATION_SWEEP_AGE seconds after it was
# written or last queued: what a worker crash, a broker or database outage or an SMTP
# server down left behind goes out within about their sum once the fault ends. A row
# refused NOTIFICATION_SWEEP_FAST_ATTEMPTS times (about five minutes of an SMTP server
# down, or a mailbox that refuses for good) is queued again every
# NOTIFICATION_SWEEP_SLOW_AGE seconds only.
NOTIFICATION_SWEEP_INTERVAL = env_int("NOTIFICATION_SWEEP_INTERVAL", 5)
NOTIFICATION_SWEEP_AGE = env_int("NOTIFICATION_SWEEP_AGE", 15)
NOTIFICATION_SWEEP_FAST_ATTEMPTS = env_int("NOTIFICATION_SWEEP_FAST_ATTEMPTS", 20)
NOTIFICATION_SWEEP_SLOW_AGE = env_int("NOTIFICATION_SWEEP_SLOW_AGE", 300)

# Webhooks (notifications.webhooks, docs/api.md): HTTPS only, to public addresses; loopback
# (http://127.0.0.1, localhost) only where WEBHOOK_ALLOW_LOOPBACK says so (tests, demo).
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_CONNECT_TIMEOUT = 3  # seconds
WEBHOOK_TOTAL_TIMEOUT = 10  # seconds, connection, request and answer together
WEBHOOK_RESPONSE_KEPT = 1024  # bytes of the receiver's answer kept in the delivery log
# Working days from submission to the target date, per request kind and urgency (a global
# request uses "standard"). Our service standard, not a statutory limit: see README.
PORTAL_TARGET_WORKING_DAYS = {
    "individual": {"vital": 2, "urgent": 5, "standard": 30},
    "global": {"standard": 60},
}
# Largest attachment accepted, in bytes (each file of an upload; see derogations/uploads.py).
PORTAL_MAX_UPLOAD_BYTES = env_int("PORTAL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# At most this many files in one form submission, and this many bytes of files in all
# (checked before any file is read; the form is shown again with what was typed).
PORTAL_MAX_FILES_PER_POST = env_int("PORTAL_MAX_FILES_PER_POST", 10)
PORTAL_MAX_UPLOAD_BYTES_PER_POST = env_int("PORTAL_MAX_UPLOAD_BYTES_PER_POST", 60 * 1024 * 1024)
# At most this many bytes of documents on one draft (all its attachments).
PORTAL_MAX_DRAFT_ATTACHMENT_BYTES = env_int("PORTAL_MAX_DRAFT_ATTACHMENT_BYTES", 200 * 1024 * 1024)
# Uploads above this size are written to a temporary file as they arrive (Django's
# TemporaryFileUploadHandler), never kept in memory; the checks map that file.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
# Django refuses (400) a request with more files than this: a backstop far above the
# form's limit, which answers in French.
DATA_UPLOAD_MAX_NUMBER_FILES = 4 * PORTAL_MAX_FILES_PER_POST
# ClamAV daemon that scans every upload before it is accepted: tcp://host:port or
# unix:///path/to/clamd.ctl. Empty: no antivirus scan. When set, a daemon that does not
# answer (or a file above its StreamMaxLength) refuses the upload: it fails closed.
CLAMAV_URL = env_str("CLAMAV_URL") or ""
CLAMAV_TIMEOUT_SECONDS = env_int("CLAMAV_TIMEOUT_SECONDS", 30)
# Domain used in the Message-ID of letters' emails: a retried send keeps the same id.
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN") or "derogations-dmdiv.ansm.example"
# Emails Django writes itself (errors to ADMINS) are dated in Paris time, like ours
# (config/mail.py sets Date with the Europe/Paris offset and Auto-Submitted on every email).
EMAIL_USE_LOCALTIME = True

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker: tasks run inline in the web process, after the transaction commits.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task killed with its worker is redelivered, never lost: acknowledged after it ran
# (acks_late), handed back at once when its pool child dies (reject_on_worker_lost), and
# each process reserves one task at a time (prefetch 1).
# Hard and soft time limits of a task (a letter render and a few SMTP sends take seconds).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# Redis (kombu) hands an unacknowledged task to another worker after visibility_timeout
# seconds: longer than any task plus the longest countdown (a task waiting for its ETA is
# reserved, unacknowledged, by a worker), so that a task is redelivered only when its
# worker is really gone (tests/notifications/test_celery_settings.py checks it). Every
# unacked_restore_interval seconds each worker looks for such tasks (throttle 1: every
# time), and once when it starts; the sweep of pending copies (below) is the other path.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int(
        "CELERY_VISIBILITY_TIMEOUT",
        2 * (max(NOTIFICATION_RETRY_DELAYS) + CELERY_TASK_TIME_LIMIT),
    ),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 5),
    "unacked_restore_throttle": 1,
    # A worker killed while it restores holds kombu's restore mutex until it expires.
    "unacked_mutex_expire": env_int("CELERY_UNACKED_MUTEX_EXPIRE", 300),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "requeue-pending-deliveries": {
        "task": "notifications.tasks.sweep_pending",
        "schedule": timedelta(seconds=NOTIFICATION_SWEEP_INTERVAL),
        # Sweeps piled up while no worker ran are dropped: the next one does their work
        # (django_celery_beat's name of the option; it sends each as `expires`).
        "options": {"expire_seconds": NOTIFICATION_SWEEP_INTERVAL},
    },
    # Operators whose complements are due within three days get one reminder.
    "remind-complements-due": {
        "task": "reviews.tasks.remind_complements_due",
        "schedule": crontab(hour=7, minute=30),
    },
    # Global derogations ending in 30 and 7 days; digest of overdue files. Idempotent.
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Each staff member's daily digest of their inbox (issue 17). Once per person and day.
    "send-inbox-digests": {
        "task": "notifications.tasks.send_inbox_digests",
        "schedule": crontab(hour=7, minute=45),
    },
    # Experts asked for an opinion: one reminder 7 and 2 days before the due date.
    "remind-experts-due": {
        "task": "collaboration.tasks.remind_experts_due",
        "schedule": crontab(hour=7, minute=45),
    },
    # Global derogations whose end date has passed: their expiry act, once. Idempotent.
    "issue-expiry-acts": {
        "task": "derogations.tasks.issue_expiry_acts",
        "schedule": crontab(hour=0, minute=20),
    },
    # Expired sessions (anonymous visitors' included) are deleted every night.
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Whole-file downloads past their availability: files and rows (issue 19).
    "purge-expired-file-exports": {
        "task": "file_exports.tasks.purge_expired_exports",
        "schedule": crontab(hour=3, minute=30),
    },
    # The retention policy (RETENTION below): anonymises or deletes what expired. Idempotent.
    "apply-retention": {
        "task": "retention.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=40),
    },
}
# Seconds the worker waits before rendering a letter: 0 except in the integration test
# that kills a worker in the middle of a render (set through config.settings.test_worker).
PORTAL_TEST_RENDER_DELAY = 0
# Directory of the fault-injection checkpoints (config/faults.py): empty, so inert, except
# in the worker of the crash tests (config.settings.test_worker).
PORTAL_FAULT_CHECKPOINT_DIR = ""

# --- Portal ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr_crispy",)
CRISPY_TEMPLATE_PACK = "dsfr_crispy"
CRISPY_FAIL_SILENTLY = False
# DSFR's stylesheets and scripts carry integrity hashes computed from the files we serve
# (templates/dsfr/global_*.html, accounts/templatetags/static_integrity.py): django-dsfr's own
# hashes are those of the shipped files, which the manifest storage rewrites (issue 14).
DSFR_USE_INTEGRITY_CHECKSUMS = True
# Réactovigilance team: every incident declared on a derogation is emailed there at once.
PORTAL_VIGILANCE_EMAIL = env_str("PORTAL_VIGILANCE_EMAIL") or "reactovigilance@ansm.example"
# Days a professional's signed link (sent with the copy of a decision) stays valid.
PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS = env_int("PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS", 30)
# Hours a whole file's ZIP (file_exports) stays downloadable once built; then deleted.
PORTAL_FILE_EXPORT_HOURS = env_int("PORTAL_FILE_EXPORT_HOURS", 24)
# Days the signed link sent to an outside expert (asked for an opinion) stays valid.
PORTAL_EXPERT_LINK_MAX_AGE_DAYS = env_int("PORTAL_EXPERT_LINK_MAX_AGE_DAYS", 30)
# Seconds a web process keeps the registry's version (registry.current_change) before
# asking the database again; a change made by this process is seen at once, one made by
# another process within these seconds. 0: ask on every answer.
PORTAL_REGISTRY_VERSION_SECONDS = env_int("PORTAL_REGISTRY_VERSION_SECONDS", 2)
# Seconds any cache (browser, proxy, CDN) may keep the registry's open data (exports and
# Atom feed: Cache-Control public, max-age; docs/open-data.md) before asking again.
PORTAL_OPEN_DATA_MAX_AGE = env_int("PORTAL_OPEN_DATA_MAX_AGE", 300)
# Long lists (queue, "Mes demandes") count their rows up to this many past the page shown;
# beyond, they say "plus de 1 000" (derogations.paging, issue 8).
PORTAL_LIST_COUNT_CAP = env_int("PORTAL_LIST_COUNT_CAP", 1000)
# A search counts its matches up to this many ("plus de 200": refine the search). A word
# found in one file in ten is tested on ten files per match: counting to 1,000 of them cost
# 7.8 ms at 1,000,000 requests, to 200 1.0 ms (bench, issue 18); its next pages stay
# reachable, each counting as far as itself.
PORTAL_SEARCH_COUNT_CAP = env_int("PORTAL_SEARCH_COUNT_CAP", 200)
# Long lists show this many pages at most: a deeper page walks every row before it (page
# 500 of the queue cost 19 times a trivial page); the last one asks to refine the search.
PORTAL_LIST_MAX_PAGES = env_int("PORTAL_LIST_MAX_PAGES", 20)
# Seconds a web process keeps the queue filter's lists of evaluators and operators
# (reviews.queue.filter_choices); a change made by this process is seen at once.
PORTAL_FILTER_CHOICES_SECONDS = env_int("PORTAL_FILTER_CHOICES_SECONDS", 5)

X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): no inline script or style, no eval, no nonce needed:
# scripts are files from our origin only (DSFR's module and nomodule files, base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# A form posted with a missing or stale CSRF token: a French page saying to reload it.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"
# Django's default, said here: no other site's window keeps a handle on the portal's.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Permissions-Policy and Cross-Origin-Resource-Policy: config.middleware.SecurityHeadersMiddleware.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Its DEBUG records ("Exception while resolving variable") carry the template
        # context, patient data included, in their tracebacks: never below INFO.
        "django.template": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


# --- API (api/, docs/api.md) ---------------------------------------------------------------
# Personal access tokens only (no session, so no CSRF-able write under /api/); errors as
# RFC 9457 problem details; rate limits per token, or per address without one.
API_RATE_PER_TOKEN = f"{env_int('API_RATE_PER_TOKEN_PER_MINUTE', 600)}/min"
API_RATE_ANONYMOUS = f"{env_int('API_RATE_ANONYMOUS_PER_MINUTE', 120)}/min"
REST_FRAMEWORK = {
    # Personal tokens (dmdiv_…) first; any other bearer token is an agency system's OAuth2
    # access token (api/oauth.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.TokenAuthentication",
        "api.oauth.AgencySystemAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.auth.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.problems.ProblemRenderer",  # refusals: application/problem+json
    ],
    # JSON; the endpoints that take documents declare multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The rate limits' counters (api.auth.TokenRateThrottle) in their own cache, shared by every
# process: Redis (the broker's server, keys prefixed) where REDIS_URL is set, or
# API_THROTTLE_REDIS_URL; the process's memory otherwise (demo, tests: per process). Short timeouts: if
# Redis is down the throttle lets requests through (logged) rather than fail them.
_THROTTLE_REDIS_URL = env_str("API_THROTTLE_REDIS_URL") or REDIS_URL
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api_throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _THROTTLE_REDIS_URL,
            "KEY_PREFIX": "api-throttle",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if _THROTTLE_REDIS_URL
        # The same memory as "default" (same LOCATION): cleared with it.
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}
# Agency systems (docs/api.md, api/oauth.py): OAuth2 client credentials only, read only,
# tokens for an hour, no refresh token; client secrets stored hashed (the toolkit's default).
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Lecture", "write": "Écriture"},
    "DEFAULT_SCOPES": ["read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.AgencyValidator",
    "APPLICATION_ADMIN_CLASS": "api.admin_oauth.AgencyApplicationAdmin",
    # The OAuth 2.0 Security BCP (RFC 9700) behaviours, the toolkit's future defaults:
    # only client credentials are used here, and `check --deploy` fails on its warnings.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Portail Dérogations DMDIV — API",
    "DESCRIPTION": "Operators file and follow their requests; agency systems read the queue, "
    "decisions and follow-up; anyone reads the public registry. See docs/api.md.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RequestKindEnum": "derogations.enums.Kind",
        "ActKindEnum": "derogations.enums.DecisionKind",
    },
}

# --- Retention of personal data (issue 19, docs/retention.md) -------------------------
# Days each kind of data is kept after the event that starts its clock; the nightly task
# retention.tasks.apply_retention anonymises or deletes what expired. Sessions expire after
# SESSION_COOKIE_AGE and are deleted by the same run.
RETENTION = {
    # Personal data in a file (patient, prescriber, user, director, contacts) after the end of
    # the file (refusal, withdrawal, inadmissibility, or end of the derogation): anonymised,
    # the decision and the device data kept.
    "request_content": env_int("RETENTION_REQUEST_CONTENT_DAYS", 3650),
    # Documents of a request refused, withdrawn or inadmissible, after that decision: deleted.
    "closed_documents": env_int("RETENTION_CLOSED_DOCUMENTS_DAYS", 1825),
    # Patients' pseudonymous codes in consent records after the end of the derogation.
    "patient_codes": env_int("RETENTION_PATIENT_CODES_DAYS", 730),
    # Drafts never submitted, after their last change: deleted with their documents (the
    # operator is warned RETENTION_DRAFT_WARNING_DAYS before).
    "drafts": env_int("RETENTION_DRAFTS_DAYS", 365),
    # Texts of the emails sent (body, error message) after sending: blanked, the record kept.
    "email_texts": env_int("RETENTION_EMAIL_TEXTS_DAYS", 365),
    # The audit trail: append-only in the database, kept; past this age it is reported.
    "audit_trail": env_int("RETENTION_AUDIT_TRAIL_DAYS", 3650),
}
RETENTION_DRAFT_WARNING_DAYS = env_int("RETENTION_DRAFT_WARNING_DAYS", 30)
# Rows handled per transaction by a retention run.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 200)
