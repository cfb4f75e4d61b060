"""Settings read from the environment fail loudly on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import email_settings_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_and_int(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    assert env_bool("X_BOOL", False) is True
    monkeypatch.setenv("X_BOOL", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "douze")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)


def test_email_url():
    settings = email_settings_from_url("smtp://user:p%40ss@mail.example:2525?tls=1")
    assert settings["EMAIL_HOST"] == "mail.example" and settings["EMAIL_PORT"] == 2525
    assert settings["EMAIL_HOST_PASSWORD"] == "p@ss" and settings["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url("http://mail.example")


def _load(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "CLAMAV_", "PORTAL_"))
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django.conf as c, os; os.environ['DJANGO_SETTINGS_MODULE']='{module}'; c.settings.INSTALLED_APPS"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_production_refuses_to_start_without_secret_key():
    result = _load("config.settings.production")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_secret_key_and_antivirus():
    result = _load(
        "config.settings.production", DJANGO_SECRET_KEY="k" * 60, CLAMAV_URL="tcp://clamav:3310"
    )
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_antivirus():
    result = _load("config.settings.production", DJANGO_SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "ImproperlyConfigured: CLAMAV_URL must name the ClamAV daemon" in result.stderr
    assert "PORTAL_ALLOW_NO_ANTIVIRUS=1" in result.stderr


def test_production_starts_without_antivirus_when_told_so():
    result = _load(
        "config.settings.production", DJANGO_SECRET_KEY="k" * 60, PORTAL_ALLOW_NO_ANTIVIRUS="1"
    )
    assert result.returncode == 0, result.stderr
    refused = _load(
        "config.settings.production", DJANGO_SECRET_KEY="k" * 60, PORTAL_ALLOW_NO_ANTIVIRUS="0"
    )
    assert refused.returncode != 0 and "CLAMAV_URL" in refused.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("EMAIL_URL", "ftp://x"),
        ("DJANGO_STORAGE", "cloud"),
    ],
)
def test_bad_values_stop_the_process(name, value):
    result = _load("config.settings.dev", **{name: value})
    assert result.returncode != 0 and name in result.stderr
