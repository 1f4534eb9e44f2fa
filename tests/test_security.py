"""Logins lock after repeated failures, pages carry the security headers, deployment checks pass."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_username_from_that_address_only(client):
    user = factories.hr_user("locked_hr")
    statuses = [attempt(client, "locked_hr", "wrong-password-1", "10.0.0.1").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = attempt(client, "locked_hr", "Test-password-2018", "10.0.0.1")
    assert locked.status_code == 429 and "锁定30分钟" in locked.content.decode()
    other = attempt(client, "locked_hr", "Test-password-2018", "10.0.0.2")
    assert other.status_code == 302
    assert user.username == "locked_hr"


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError) as error:
        validate_password("Short-pw-1")
    assert "12" in error.value.messages[0]
    validate_password("Twelve-chars-ok-2018")


def test_pages_carry_csp_without_inline_scripts(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script and "unsafe-inline" not in script
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_deploy_checks_pass_with_production_settings():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(60),
           "ALLOWED_HOSTS": "skills.example.gov.cn", "SECURE_SSL_REDIRECT": "true"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
