"""API tokens: the page, expiry, revocation, read-only, throttling and the failure counters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api import MFA_ACCOUNT, PASSWORD_SIGN_IN_OFF
from accounts.authentication import EXPIRED_TOKEN, READ_ONLY_TOKEN, REVOKED_TOKEN
from accounts.models import ApiToken
from accounts.services import api_token_create
from accounts.views import ADDRESS_LOCKOUT_MESSAGE, LOCKOUT_MESSAGE
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKENS_URL = "/accounts/tokens/"
TOKEN_URL = "/api/v1/auth/token/"
READ_URL = "/api/v1/courses/"
WRITE_URL = "/api/v1/reports/"


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_sign_in(email: str, password: str = PASSWORD, client: APIClient | None = None):
    return (client or APIClient()).post(
        TOKEN_URL, {"email": email, "password": password}, format="json"
    )


# --- the page -------------------------------------------------------------------------------


def test_it_creates_a_named_token_and_shows_its_key_once(personas):
    client = personas.client_for(personas.coordinator_a)
    response = client.post(TOKENS_URL, {"name": "Learning system", "days": "90"})
    assert response.status_code == 302
    page = client.get(TOKENS_URL).content.decode()
    key = re.search(r'<code class="atmp-token-key">([0-9a-f]{40})</code>', page).group(1)
    assert "Learning system" in page and "Never" in page and "Read and write" in page
    token = ApiToken.objects.get(user=personas.coordinator_a)
    assert token.expires_at.date() == (timezone.now() + timedelta(days=90)).date()
    assert key not in client.get(TOKENS_URL).content.decode(), "the key is shown only once"

    assert api(key).get(READ_URL).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_names_the_missing_field(personas):
    client = personas.client_for(personas.coordinator_a)
    response = client.post(TOKENS_URL, {"name": "", "days": "30"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a name for the token" in html and 'href="#id_name"' in html
    assert not ApiToken.objects.exists()


def test_it_refuses_an_expiry_longer_than_allowed(personas):
    client = personas.client_for(personas.coordinator_a)
    response = client.post(TOKENS_URL, {"name": "Forever", "days": "100000"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_it_shows_a_user_only_their_own_tokens_and_404s_revoking_anothers(personas):
    theirs = api_token_create(user=personas.coordinator_b, name="Site B import").token
    client = personas.client_for(personas.coordinator_a)
    assert "Site B import" not in client.get(TOKENS_URL).content.decode()
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- when tokens stop working ----------------------------------------------------------------


def test_it_revokes_a_token_from_the_page(personas):
    issued = api_token_create(user=personas.coordinator_a, name="Old script")
    client = personas.client_for(personas.coordinator_a)
    response = client.post(f"/accounts/tokens/{issued.token.pk}/revoke/", follow=True)
    assert "Token &#x27;Old script&#x27; revoked" in response.content.decode()
    answer = api(issued.key).get(READ_URL)
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate challenge.
    assert answer.status_code == 403 and answer.json()["detail"] == REVOKED_TOKEN


def test_a_token_stops_working_when_it_expires():
    issued = api_token_create(user=UserFactory(), name="Short", days=7)
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=-60)):
        assert api(issued.key).get(READ_URL).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        answer = api(issued.key).get(READ_URL)
        assert answer.status_code == 403 and answer.json()["detail"] == EXPIRED_TOKEN


def test_a_password_change_revokes_every_token():
    user = UserFactory()
    keys = [api_token_create(user=user, name=f"t{n}").key for n in range(2)]
    other = api_token_create(user=UserFactory(), name="someone else's").key
    user.set_password("a-brand-new-password-2026")
    user.save()
    for key in keys:
        assert api(key).get(READ_URL).json()["detail"] == REVOKED_TOKEN
    assert api(other).get(READ_URL).status_code == 200


def test_changing_the_password_on_the_portal_page_revokes_tokens():
    user = UserFactory()
    key = api_token_create(user=user, name="script").key
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-password-77",
            "password2": "another-long-password-77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api(key).get(READ_URL).json()["detail"] == REVOKED_TOKEN


def test_saving_without_a_password_change_keeps_tokens():
    user = UserFactory()
    key = api_token_create(user=user, name="script").key
    user.full_name = "New Name"
    user.save()
    assert api(key).get(READ_URL).status_code == 200


def test_deactivating_the_account_revokes_every_token():
    user = UserFactory()
    key = api_token_create(user=user, name="script").key
    user.is_active = False
    user.save()
    assert api(key).get(READ_URL).json()["detail"] == REVOKED_TOKEN


def test_a_read_only_token_reads_but_cannot_write(personas):
    key = api_token_create(user=personas.coordinator_a, name="reader", read_only=True).key
    assert api(key).get(READ_URL).status_code == 200
    body = {"kind": "site", "site": personas.site_a.pk}
    answer = api(key).post(WRITE_URL, body, format="json")
    assert answer.status_code == 403 and answer.json()["detail"] == READ_ONLY_TOKEN
    writer = api_token_create(user=personas.coordinator_a, name="writer").key
    assert api(writer).post(WRITE_URL, body, format="json").status_code != 403


def test_a_legacy_token_keeps_working_after_the_upgrade_with_an_expiry():
    """Migration 0002 moves DRF's plain tokens to named ones; clients keep their key."""
    import importlib

    from django.apps import apps
    from rest_framework.authtoken.models import Token

    user = UserFactory()
    legacy = Token.objects.create(user=user)
    migration = importlib.import_module("accounts.migrations.0002_api_tokens")
    migration.keep_legacy_tokens(apps, None)
    stored = ApiToken.objects.get(user=user)
    assert stored.expires_at > timezone.now()
    assert api(legacy.key).get(READ_URL).status_code == 200


# --- the token endpoint ----------------------------------------------------------------------


def test_a_successful_token_sign_in_resets_the_failure_count():
    """Reported: 4 bad, 1 good, 1 bad locked the account; the good one must reset the count."""
    UserFactory(email="careful@nhs.example")
    for _ in range(4):
        assert token_sign_in("careful@nhs.example", "wrong-password").status_code == 400
    assert token_sign_in("careful@nhs.example").status_code == 200
    assert token_sign_in("careful@nhs.example", "wrong-password").status_code == 400
    assert token_sign_in("careful@nhs.example").status_code == 200


def test_it_still_locks_after_five_failures_in_a_row():
    UserFactory(email="careless@nhs.example")
    for _ in range(5):
        token_sign_in("careless@nhs.example", "wrong-password")
    answer = token_sign_in("careless@nhs.example")
    assert answer.status_code == 429
    assert answer.json()["detail"] == LOCKOUT_MESSAGE.format(minutes=15, attempts=5)
    assert answer["Retry-After"] == "900"


def test_it_refuses_a_password_token_to_an_account_that_must_use_mfa(settings, personas):
    settings.MFA_REQUIRED_ROLES = ["network"]
    answer = token_sign_in(personas.network.email)
    assert answer.status_code == 403 and answer.json()["detail"] == MFA_ACCOUNT
    assert not ApiToken.objects.exists()


def test_it_refuses_a_password_token_when_password_sign_in_is_off(settings):
    settings.PASSWORD_LOGIN = False
    UserFactory(email="someone@nhs.example")
    answer = token_sign_in("someone@nhs.example")
    assert answer.status_code == 403 and answer.json()["detail"] == PASSWORD_SIGN_IN_OFF


def test_a_token_of_a_user_who_must_set_up_mfa_reaches_nothing(settings, personas):
    key = api_token_create(user=personas.network, name="made before the rule").key
    settings.MFA_REQUIRED_ROLES = ["network"]
    assert api(key).get(READ_URL).status_code == 403


# --- limits -----------------------------------------------------------------------------------


def test_it_throttles_the_api_per_user_with_retry_after(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/minute"}
    client = api(api_token_create(user=UserFactory(), name="busy").key)
    for _ in range(3):
        assert client.get(READ_URL).status_code == 200
    answer = client.get(READ_URL)
    assert answer.status_code == 429
    assert 0 < int(answer["Retry-After"]) <= 60
    # Another user has their own allowance.
    assert (
        api(api_token_create(user=UserFactory(), name="calm").key).get(READ_URL).status_code == 200
    )


def test_it_throttles_the_token_endpoint_per_address_with_retry_after(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token_sign_in": "3/minute"}
    UserFactory(email="someone@nhs.example")
    for _ in range(3):
        assert token_sign_in("someone@nhs.example").status_code == 200
    answer = token_sign_in("someone@nhs.example")
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0


def test_it_limits_failed_sign_ins_per_address_across_accounts(settings):
    """One machine guessing one password against many accounts: each account stays under
    its own limit, the address does not."""
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 3
    users = [UserFactory(email=f"user{n}@nhs.example") for n in range(4)]
    for user in users[:3]:
        assert token_sign_in(user.email, "Winter2026!").status_code == 400
    blocked = token_sign_in(users[3].email)
    assert blocked.status_code == 429
    assert blocked.json()["detail"] == ADDRESS_LOCKOUT_MESSAGE.format(minutes=15)
    page = Client().post("/accounts/login/", {"username": users[3].email, "password": PASSWORD})
    assert page.status_code == 429
    assert ADDRESS_LOCKOUT_MESSAGE.format(minutes=15) in page.content.decode()
    # Another address is not affected.
    elsewhere = APIClient(REMOTE_ADDR="10.0.0.9")
    assert token_sign_in(users[3].email, client=elsewhere).status_code == 200
