"""Security headers on every page, and Django's deployment checklist with production
settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_the_other_headers(operator_a):
    client = Client()
    client.force_login(operator_a)
    for url in ("/", "/compte/connexion/", "/demandes/", "/compte/profil/"):
        response = Client().get(url) if url == "/" else client.get(url)
        assert response.status_code in {200, 302}, url
        policy = response["Content-Security-Policy"]
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
        )
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'self'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_scripts_are_files_of_our_origin_only():
    response = Client().get("/compte/connexion/")
    assert "script-src 'self';" in response["Content-Security-Policy"] + ";"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    assert len(scripts) == 2  # DSFR's module and nomodule files
    for attributes, body in scripts:
        assert 'src="/static/dsfr/' in attributes and body.strip() == ""
    assert not re.search(r"\son[a-z]+=", response.content.decode())  # no inline handler


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "PORTAL_", "CLAMAV_")
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="derogations.ansm.example",
        PORTAL_VAR_DIR=str(ROOT / "var" / "deploy-check"),
        CLAMAV_URL="tcp://clamav.example:3310",
        **extra,
    )
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = _check_deploy(_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_warn_without_https():
    """The check can fail: plain HTTP (DJANGO_HTTPS=0, the local stack) gives warnings."""
    result = _check_deploy(_production_env(DJANGO_HTTPS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


def test_production_settings_refuse_the_demo_mode():
    result = _check_deploy(_production_env(PORTAL_DEMO="1"))
    assert result.returncode != 0
    assert "PORTAL_DEMO must not be true" in result.stderr
