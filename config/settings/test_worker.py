"""Settings of the real Celery worker started by the integration tests.

Unlike config.settings.test it takes DATABASE_URL, REDIS_URL, EMAIL_URL and MEDIA_ROOT
from the environment as they are, like production, so the worker talks to the very
database, broker and SMTP sink of the test that started it.
"""

from config.env import env_int, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (tests only)
if not env_str("REDIS_URL") or not env_str("DATABASE_URL"):
    raise RuntimeError("test_worker settings need REDIS_URL and DATABASE_URL")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Short retry delays so that the fault tests see a retry within seconds.
NOTIFICATION_RETRY_DELAYS = [1, 1, 2, 2, 3, 3, 5]
# A slow render, so that a test can kill the worker in the middle of one.
PORTAL_TEST_RENDER_DELAY = env_int("PORTAL_TEST_RENDER_DELAY", 0)
# Fault-injection checkpoints (config/faults.py) of the crash tests.
PORTAL_FAULT_CHECKPOINT_DIR = env_str("PORTAL_FAULT_CHECKPOINT_DIR", "")
