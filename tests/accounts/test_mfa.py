"""MFA: required by role, TOTP with a code computed here (RFC 6238), recovery codes once each."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from accounts.allauth_forms import WRONG_SECURITY_CODE
from accounts.mfa import MFA_SETUP_REQUIRED, roles_of
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.oidc import entra_claims, put_user, sso_sign_in

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
MFA_INDEX = "/accounts/2fa/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE = "/accounts/2fa/totp/activate/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for `secret` at time `at` (RFC 6238)."""
    counter = int((at if at is not None else time.time()) // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN_URL, {"username": email, "password": password})


@pytest.fixture
def mfa_roles(settings):
    settings.MFA_REQUIRED_ROLES = ["network", "editor", "admin"]


@pytest.fixture
def network_user(personas):
    return personas.network


def locked_in_urls(site_id: int) -> list[str]:
    return [
        "/",
        "/sites/",
        f"/sites/{site_id}/",
        "/trials/",
        "/guidance/",
        "/accounts/tokens/",
        "/admin/",
    ]


def activate_totp(client: Client) -> str:
    """Adding a factor asks for the password again first (allauth's re-authentication)."""
    first = client.get(TOTP_ACTIVATE)
    assert first.status_code == 302 and first["Location"].startswith(REAUTHENTICATE)
    assert client.get(first["Location"]).status_code == 200
    reauthenticated = client.post(first["Location"], {"password": PASSWORD})
    assert reauthenticated.status_code == 302, reauthenticated.content.decode()[:3000]
    page = client.get(TOTP_ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(TOTP_ACTIVATE, {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


# --- who must use MFA ---------------------------------------------------------------------


def test_it_reads_roles_from_the_account(mfa_roles, network_user):
    assert roles_of(network_user) == {"network"}
    assert roles_of(UserFactory(is_guidance_editor=True, is_staff=True)) == {"editor", "admin"}
    assert roles_of(UserFactory()) == set()


def test_it_can_require_mfa_of_site_roles_too(settings, personas):
    settings.MFA_REQUIRED_ROLES = ["coordinator"]
    coordinator, pharmacist = Client(), Client()
    sign_in(coordinator, personas.coordinator_a.email)
    sign_in(pharmacist, personas.pharmacist_a.email)
    assert coordinator.get("/")["Location"] == MFA_INDEX
    assert pharmacist.get("/").status_code == 200


def test_it_keeps_a_network_coordinator_without_mfa_to_the_set_up_pages(
    mfa_roles, network_user, personas
):
    client = Client()
    response = sign_in(client, network_user.email)
    assert response.status_code == 302
    for url in locked_in_urls(personas.site_a.pk):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == MFA_INDEX, url
    api = client.get("/api/v1/sites/")
    assert api.status_code == 403 and api.json() == {"detail": MFA_SETUP_REQUIRED}
    page = client.get(MFA_INDEX, follow=True)
    assert page.status_code == 200
    assert "Your role needs two-factor authentication" in page.content.decode()


def test_it_does_not_ask_a_site_coordinator_by_default(mfa_roles, personas):
    client = Client()
    sign_in(client, personas.coordinator_a.email)
    assert client.get("/").status_code == 200


def test_it_keeps_an_administrator_without_mfa_out_of_the_admin(mfa_roles):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    sign_in(client, admin.email)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == MFA_INDEX


def test_it_asks_no_one_when_no_role_needs_it(settings, network_user):
    settings.MFA_REQUIRED_ROLES = []
    client = Client()
    sign_in(client, network_user.email)
    assert client.get("/").status_code == 200


# --- TOTP and recovery codes ----------------------------------------------------------------


def test_it_sets_up_totp_with_a_code_from_the_app_and_then_lets_the_user_in(
    mfa_roles, network_user
):
    client = Client()
    sign_in(client, network_user.email)
    activate_totp(client)
    assert Authenticator.objects.filter(user=network_user, type="totp").exists()
    assert Authenticator.objects.filter(user=network_user, type="recovery_codes").exists()
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/sites/").status_code == 200


def _sign_in_to_second_factor(email: str) -> Client:
    client = Client()
    response = sign_in(client, email)
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE
    return client


def test_a_password_alone_reaches_nothing_once_mfa_is_set_up(mfa_roles, network_user, personas):
    setup = Client()
    sign_in(setup, network_user.email)
    secret = activate_totp(setup)

    with time_machine.travel(time.time() + 60, tick=False):
        client = _sign_in_to_second_factor(network_user.email)
        for url in locked_in_urls(personas.site_a.pk):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), url
        assert client.get("/api/v1/sites/").status_code in (401, 403)

        wrong = client.post(MFA_AUTHENTICATE, {"code": "000000"})
        assert wrong.status_code == 200 and WRONG_SECURITY_CODE in wrong.content.decode()
        assert client.get("/").status_code == 302

        right = client.post(MFA_AUTHENTICATE, {"code": totp(secret)})
        assert right.status_code == 302 and right["Location"] == "/"
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/sites/").status_code == 200


def test_a_recovery_code_works_once(mfa_roles, network_user):
    setup = Client()
    sign_in(setup, network_user.email)
    activate_totp(setup)
    codes = Authenticator.objects.get(user=network_user, type="recovery_codes").wrap()
    code = codes.get_unused_codes()[0]

    client = _sign_in_to_second_factor(network_user.email)
    assert client.post(MFA_AUTHENTICATE, {"code": code}).status_code == 302
    assert client.get("/").status_code == 200

    again = _sign_in_to_second_factor(network_user.email)
    response = again.post(MFA_AUTHENTICATE, {"code": code})
    assert response.status_code == 200 and WRONG_SECURITY_CODE in response.content.decode()
    assert again.get("/").status_code == 302


def test_it_asks_an_sso_user_with_totp_for_the_second_factor_too(mfa_roles, sso, network_user):
    setup = Client()
    sign_in(setup, network_user.email)
    activate_totp(setup)
    put_user(sso, "sub-network", entra_claims(network_user.email))
    client = Client()
    response = sso_sign_in(client, sso, "sub-network")
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE
    assert client.get("/").status_code == 302
