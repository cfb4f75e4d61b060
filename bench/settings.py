"""Settings of the benchmarks: the demo's, on the PostgreSQL of DATABASE_URL, DEBUG off
(DEBUG would keep every SQL query in memory), plus two pages that exist only here."""

from config.settings.dev import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405  (the in-process test client)
# The copy of the base data for the measures at two sizes (bench/sizes.py).
DATABASES["small"] = {**DATABASES["default"], "NAME": DATABASES["default"]["NAME"] + "_small"}  # noqa: F405
