"""Logins lock after repeated failures, pages carry the security headers, deployment checks pass."""

import datetime
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age

from skills_program.log_filters import RedactPersonalData, redact
from tests import factories
from tests.ids import make_id_number
from tests.urlwalk import routes
from trainees.models import Trainee

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


def login(client, username, password="Test-password-2018", ip="10.0.0.9"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_signing_in_issues_a_new_session_key(client):
    factories.township_user(factories.TownshipFactory(), username="official_rekey")
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key
    assert login(client, "official_rekey").status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before and not Session.objects.filter(session_key=before).exists()


def test_signing_out_ends_the_session(client):
    factories.township_user(factories.TownshipFactory(), username="official_out")
    login(client, "official_out")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("trainees:home")).status_code == 200
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # replaying the old cookie gets nothing
    assert client.get(reverse("trainees:home"))["Location"].startswith("/accounts/login/")


def test_deactivating_an_account_ends_its_sessions(client):
    official = factories.township_user(factories.TownshipFactory(), username="official_gone")
    login(client, "official_gone")
    assert client.get(reverse("trainees:home")).status_code == 200
    official.is_active = False
    official.save()
    assert client.get(reverse("trainees:home"))["Location"].startswith("/accounts/login/")


def test_sessions_end_after_thirty_minutes_idle_and_each_request_extends_them(client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    factories.township_user(factories.TownshipFactory(), username="official_idle")
    login(client, "official_idle")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get(reverse("trainees:home")).status_code == 200
    extended = Session.objects.get(session_key=key).expire_date
    assert extended > timezone.now() + datetime.timedelta(minutes=29)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("trainees:home"))["Location"].startswith("/accounts/login/")


def test_sign_ins_failures_lockouts_and_refusals_are_logged(client, caplog):
    caplog.set_level("INFO", logger="skills_program.security")
    factories.township_user(factories.TownshipFactory(), username="official_log")
    login(client, "official_log")
    assert client.get(reverse("courses:class-list")).status_code == 403  # an institution page
    client.post(reverse("logout"))
    for _ in range(5):
        login(client, "official_log", password="Wrong-password-1", ip="10.0.0.7")
    lines = [record.getMessage() for record in caplog.records if record.name == "skills_program.security"]
    assert any(line.startswith("login succeeded") and "official_log" in line and "role=township" in line
               for line in lines)
    assert any(line.startswith("permission denied") and "GET /institution/classes/" in line for line in lines)
    assert any(line.startswith("logout") for line in lines)
    assert sum(line.startswith("login failed username='official_log' ip=10.0.0.7") for line in lines) == 5
    assert any(line.startswith("login locked out username='official_log' ip=10.0.0.7") for line in lines)
    assert not any("Wrong-password" in line or "Test-password" in line for line in lines)


def test_pages_with_personal_data_are_never_cached(client):
    trainee = factories.TraineeFactory()
    official = factories.township_user(trainee.township)
    client.force_login(official)
    for url in (reverse("trainees:trainee-detail", args=[trainee.pk]), reverse("trainees:trainee-list"),
                reverse("trainees:export", args=["trainees"])):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and get_max_age(response) == 0, url
    client.force_login(factories.hr_user())
    response = client.get(reverse("admin:trainees_trainee_change", args=[trainee.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    client.logout()
    assert "no-store" not in client.get(reverse("public-home")).get("Cache-Control", "")


def test_every_state_changing_request_needs_the_csrf_token(client):
    """With CSRF checks on (as in production), a POST without the token changes nothing."""

    trainee = factories.TraineeFactory()
    official = factories.township_user(trainee.township)
    hr = factories.hr_user("hr_csrf")
    strict = Client(enforce_csrf_checks=True)
    refused = 0
    for user, prefix in ((official, "/township/"), (hr, "/admin/")):
        strict.force_login(user)
        for route in routes():
            url = route.url(pk=trainee.pk, object_id=trainee.pk)
            if not url.startswith(prefix):
                continue
            response = strict.post(url, {"name": "改名", "id_number": "", "category": "rural_labour"})
            assert response.status_code in (403, 405), url
            refused += response.status_code == 403
    trainee.refresh_from_db()
    assert trainee.name != "改名" and Trainee.objects.count() == 1
    assert refused > 100
    # The same form with its token is accepted: the refusal above was the token, not the form.
    strict.force_login(official)
    page = strict.get(reverse("trainees:trainee-detail", args=[trainee.pk]))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value if settings.CSRF_COOKIE_NAME in page.cookies else \
        strict.cookies[settings.CSRF_COOKIE_NAME].value
    response = strict.post(reverse("trainees:categories", args=[trainee.pk]),
                           {"csrfmiddlewaretoken": token, "category": "rural_labour"})
    assert response.status_code in (200, 302)


def test_a_crash_shows_a_generic_page_and_logs_no_personal_data(monkeypatch, caplog):
    """An unexpected error answers 500 with a page that names nothing internal; the log keeps the
    traceback with ID numbers and phones masked."""

    factories.PolicyYearFactory(year=2018)
    number = make_id_number()

    def crash(*args, **kwargs):
        raise RuntimeError(f"unexpected state for {number} 13912345678")

    monkeypatch.setattr("reporting.public.notices", crash)
    response = Client(raise_request_exception=False).get(reverse("public-home"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "系统暂时无法处理您的请求" in content
    assert "RuntimeError" not in content and "Traceback" not in content and number not in content

    redact = RedactPersonalData()
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name == "django.request"]
    assert errors
    for record in errors:
        redact.filter(record)
        assert number not in record.getMessage() + (record.exc_text or "")
        assert "13912345678" not in (record.exc_text or "") and "139****5678" in record.exc_text


def test_the_log_filter_masks_phones_as_people_type_them():
    for typed in ("13812345678", "+8613812345678", "8613812345678", "138-1234-5678", "+86 138 1234 5678"):
        assert redact(f"phone {typed} refused") == "phone 138****5678 refused", typed
    assert redact("110105194912310021") == "110105********0021"


def test_odd_year_parameters_are_ignored_not_crashes(client):
    factories.PolicyYearFactory(year=2018)
    for value in ("²", "2018x", "", "99999999999999999999"):
        assert client.get(reverse("public-home"), {"year": value}).status_code == 200, value
