"""The production switch: refuses to start half-configured, passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k3y-" + "x9Qz_7pL" * 8


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "PARLEY_ENV", "DEBUG"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", PARLEY_ENV="production", ALLOWED_HOSTS="chat.example.org")

    assert result.returncode != 0
    assert "PARLEY_ENV=production needs SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", PARLEY_ENV="production", SECRET_KEY=GOOD_KEY)

    assert result.returncode != 0
    assert "PARLEY_ENV=production needs ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        PARLEY_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="chat.example.org",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_unknown_parley_env_is_refused():
    result = manage("check", PARLEY_ENV="staging")

    assert result.returncode != 0
    assert "PARLEY_ENV must be one of development, production, test" in result.stderr


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
