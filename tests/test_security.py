"""Production settings, security headers, idle sessions and account lockout."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.views import LOCKOUT_MESSAGE
from tests.accounts.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
LOGIN_URL = "/accounts/login/"


def run_manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    """manage.py with production settings: DEBUG off, real secret, one public host name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="atmp_portal.settings",
        # Set, not just unset: a developer's .env may turn DEBUG on, and .env never overrides.
        DEBUG="false",
        SECRET_KEY="".join(
            secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)")
            for _ in range(60)
        ),
        ALLOWED_HOSTS="portal.example.nhs.uk",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/atmp-check-deploy.sqlite3"),
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- production settings ---------------------------------------------------------------------


def test_it_passes_check_deploy_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNING" not in result.stderr + result.stdout
    assert "?: (" not in result.stderr + result.stdout  # no check messages of any level
    assert "no issues" in result.stdout


def test_it_stops_in_one_line_without_a_secret_key():
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["nosuchdb://x", "postgres//missing-colon", "mysql://u@h/db"])
def test_it_stops_in_one_line_with_a_bad_database_url(url):
    result = run_manage("check", DATABASE_URL=url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_it_stops_in_one_line_without_allowed_hosts():
    result = run_manage("check", ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "atmp_portal: configuration error: ALLOWED_HOSTS must be set when DEBUG is off."
    ]


# --- headers ---------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert "'self'" in directives["script-src"]
    assert any(re.fullmatch(r"'nonce-[A-Za-z0-9+/=]+'", v) for v in directives["script-src"])
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_it_sends_security_headers_on_the_login_page():
    response = Client().get(LOGIN_URL)
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_it_tags_inline_scripts_with_the_nonce_of_the_policy(personas):
    response = personas.client_for(personas.coordinator_a).get("/")
    assert response.status_code == 200
    assert_security_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the base layout has inline scripts"
    for attributes in inline:
        assert f'nonce="{nonce}"' in attributes


@pytest.mark.django_db
def test_it_sends_a_fresh_nonce_each_time():
    first = Client().get(LOGIN_URL)["Content-Security-Policy"]
    second = Client().get(LOGIN_URL)["Content-Security-Policy"]
    assert re.search(r"'nonce-[^']+'", first).group() != re.search(r"'nonce-[^']+'", second).group()


@pytest.mark.django_db
def test_it_sends_security_headers_on_api_responses(personas):
    response = personas.client_for(personas.national).get("/api/v1/sites/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- sessions --------------------------------------------------------------------------------


def test_it_ends_sessions_after_30_minutes_idle_by_configuration():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "accounts.sessions.IdleSessionMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_it_signs_out_a_session_idle_for_more_than_30_minutes():
    user = UserFactory()
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(user)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.django_db
def test_it_keeps_an_active_session_alive_past_30_minutes():
    user = UserFactory()
    client = Client()
    start = timezone.now()
    for minutes in (0, 25, 50, 75):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            if minutes == 0:
                client.force_login(user)
            assert client.get("/").status_code == 200, f"signed out after {minutes} minutes"


# --- lockout ---------------------------------------------------------------------------------


def post_login(client: Client, email: str, password: str):
    return client.post(LOGIN_URL, {"username": email, "password": password})


@pytest.mark.django_db
def test_it_locks_an_account_after_five_failed_sign_ins_and_says_so():
    UserFactory(email="locked@nhs.example")
    client = Client()
    for attempt in range(4):
        response = post_login(client, "locked@nhs.example", "wrong-password")
        assert response.status_code == 200, f"attempt {attempt + 1}"
        assert "Enter a correct email address and password" in response.content.decode()
    response = post_login(client, "locked@nhs.example", "wrong-password")
    expected = LOCKOUT_MESSAGE.format(minutes=15, attempts=5)
    assert response.status_code == 429
    assert expected in response.content.decode()

    # The right password does not get in while the account is locked, in any letter case.
    for email in ("locked@nhs.example", "LOCKED@nhs.example"):
        other_client = Client()
        response = post_login(other_client, email, PASSWORD)
        assert response.status_code == 429
        assert expected in response.content.decode()
        assert other_client.get("/").status_code == 302, "the locked account was signed in"


@pytest.mark.django_db
def test_it_counts_failures_whatever_the_letter_case_of_the_address():
    UserFactory(email="locked@nhs.example")
    for email in (
        "locked@nhs.example",
        "Locked@nhs.example",
        "LOCKED@NHS.EXAMPLE",
        "locked@NHS.example",
        "lOcked@nhs.example",
    ):
        post_login(Client(), email, "wrong-password")
    assert post_login(Client(), "locked@nhs.example", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_it_leaves_other_accounts_unlocked():
    UserFactory(email="locked@nhs.example")
    UserFactory(email="fine@nhs.example")
    client = Client()
    for _ in range(5):
        post_login(client, "locked@nhs.example", "wrong-password")
    response = post_login(client, "fine@nhs.example", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_it_unlocks_after_the_cool_off_period():
    UserFactory(email="locked@nhs.example")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            post_login(Client(), "locked@nhs.example", "wrong-password")
        assert post_login(Client(), "locked@nhs.example", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert post_login(Client(), "locked@nhs.example", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_it_does_not_lock_after_four_failures_and_a_success_resets_the_count():
    UserFactory(email="careful@nhs.example")
    for _ in range(4):
        post_login(Client(), "careful@nhs.example", "wrong-password")
    assert post_login(Client(), "careful@nhs.example", PASSWORD).status_code == 302
    for _ in range(4):
        post_login(Client(), "careful@nhs.example", "wrong-password")
    assert post_login(Client(), "careful@nhs.example", PASSWORD).status_code == 302
