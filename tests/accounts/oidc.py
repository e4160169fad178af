"""A real OpenID Connect provider for tests (oidc-provider-mock), and a browser-like sign-in.

The provider runs in a thread on a free port the OS picks at run time (no fixed port, so
parallel CI runs cannot collide). Each test puts its users with their claims, then
`sso_sign_in` drives the whole authorisation-code flow: the portal's SSO button, the provider's
consent form, and the callback the portal completes by calling the provider's token endpoint.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "atmp-portal-test"
CLIENT_SECRET = "test-secret"
TENANT_ID = "aaaaaaaa-1111-2222-3333-444444444444"  # an Entra ID directory (tenant) id


@pytest.fixture(scope="session")
def oidc_issuer() -> str:
    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(settings, oidc_issuer, monkeypatch):
    """The portal configured for the test provider, as OIDC_* settings would configure it."""
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    settings.OIDC_TENANT_ID = TENANT_ID
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "NHSmail",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {
                        "server_url": oidc_issuer,
                        "fetch_userinfo": False,
                        "token_auth_method": "client_secret_post",
                    },
                }
            ],
        }
    }
    # As settings.py does for OIDC_ISSUER: the browser may follow the SSO form to the provider.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", oidc_issuer]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return oidc_issuer


def entra_claims(email: str, **extra) -> dict:
    """Claims as Entra ID sends them for a work account: no email_verified, but xms_edov."""
    return {
        "email": email,
        "xms_edov": True,
        "tid": TENANT_ID,
        "oid": "0b9f0c2e-0000-4000-8000-000000000001",
        "preferred_username": email,
        "name": "Test User",
        **extra,
    }


def put_user(issuer: str, sub: str, claims: dict) -> None:
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()


def sso_sign_in(client: Client, issuer: str, sub: str, next_url: str = "/"):
    """Press 'Sign in with NHSmail', consent at the provider as `sub`, come back: the response."""
    start = client.post("/accounts/oidc/sso/login/", {"next": next_url})
    assert start.status_code == 302, start
    authorize = start["Location"]
    assert authorize.startswith(issuer), authorize
    consent = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    callback = urlsplit(consent.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
