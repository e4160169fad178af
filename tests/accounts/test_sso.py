"""Single sign-on against a real OpenID Connect provider, with Entra ID's claims."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from accounts.sso import (
    REFUSED_INACTIVE,
    REFUSED_NO_EMAIL,
    REFUSED_TENANT,
    REFUSED_UNKNOWN,
    REFUSED_UNVERIFIED,
)
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.oidc import TENANT_ID, entra_claims, put_user, sso_sign_in

pytestmark = pytest.mark.django_db


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def test_it_signs_in_a_known_user_by_their_verified_email(sso):
    user = UserFactory(email="jo.bloggs@nhs.net", full_name="Jo Bloggs")
    put_user(sso, "sub-jo", entra_claims("Jo.Bloggs@nhs.net"))
    client = Client()
    response = sso_sign_in(client, sso, "sub-jo")
    assert response.status_code == 302 and response["Location"] == "/"
    assert int(signed_in_user_id(client)) == user.pk
    assert "Welcome, Jo Bloggs" in client.get("/").content.decode()


def test_it_accepts_the_standard_email_verified_claim_too(sso):
    user = UserFactory(email="sam@trust.example")
    put_user(
        sso, "sub-sam", {"email": "sam@trust.example", "email_verified": True, "tid": TENANT_ID}
    )
    client = Client()
    assert sso_sign_in(client, sso, "sub-sam").status_code == 302
    assert int(signed_in_user_id(client)) == user.pk


def test_it_refuses_someone_with_no_account_with_a_page_that_says_why(sso):
    put_user(sso, "sub-stranger", entra_claims("stranger@nhs.net"))
    client = Client()
    response = sso_sign_in(client, sso, "sub-stranger")
    html = response.content.decode()
    assert response.status_code == 403
    assert REFUSED_UNKNOWN.format(email="stranger@nhs.net") in html
    assert "<title>You cannot sign in" in html and "nhsuk-card--warning" in html
    assert signed_in_user_id(client) is None
    assert client.get("/").status_code == 302


def test_it_refuses_an_unverified_email_even_for_a_known_account(sso):
    UserFactory(email="jo.bloggs@nhs.net")
    claims = entra_claims("jo.bloggs@nhs.net")
    del claims["xms_edov"]
    put_user(sso, "sub-unverified", claims)
    client = Client()
    response = sso_sign_in(client, sso, "sub-unverified")
    assert response.status_code == 403
    assert REFUSED_UNVERIFIED.format(email="jo.bloggs@nhs.net") in response.content.decode()
    assert signed_in_user_id(client) is None


def test_it_never_matches_on_preferred_username(sso):
    """Entra's UPN is mutable and unverified: no e-mail claim means no match."""
    UserFactory(email="jo.bloggs@nhs.net")
    claims = entra_claims("jo.bloggs@nhs.net")
    del claims["email"]
    put_user(sso, "sub-upn-only", claims)
    client = Client()
    response = sso_sign_in(client, sso, "sub-upn-only")
    assert response.status_code == 403
    assert REFUSED_NO_EMAIL in response.content.decode()
    assert signed_in_user_id(client) is None


def test_it_refuses_a_token_from_another_entra_tenant(sso):
    UserFactory(email="jo.bloggs@nhs.net")
    put_user(sso, "sub-other-tenant", entra_claims("jo.bloggs@nhs.net", tid="another-tenant"))
    client = Client()
    response = sso_sign_in(client, sso, "sub-other-tenant")
    assert response.status_code == 403
    assert REFUSED_TENANT in response.content.decode()
    assert signed_in_user_id(client) is None


def test_it_refuses_a_closed_account(sso):
    UserFactory(email="left@nhs.net", is_active=False)
    put_user(sso, "sub-left", entra_claims("left@nhs.net"))
    client = Client()
    response = sso_sign_in(client, sso, "sub-left")
    assert response.status_code == 403
    assert REFUSED_INACTIVE in response.content.decode()


def test_it_keeps_the_link_when_the_email_changes_at_the_provider(sso):
    user = UserFactory(email="jo.bloggs@nhs.net")
    put_user(sso, "sub-jo", entra_claims("jo.bloggs@nhs.net"))
    assert sso_sign_in(Client(), sso, "sub-jo").status_code == 302
    put_user(sso, "sub-jo", entra_claims("jo.smith@nhs.net"))
    client = Client()
    assert sso_sign_in(client, sso, "sub-jo").status_code == 302
    assert int(signed_in_user_id(client)) == user.pk


def test_it_shows_the_sso_button_only_when_a_provider_is_configured(sso, settings):
    assert "Sign in with NHSmail" in Client().get("/accounts/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert "Sign in with NHSmail" not in Client().get("/accounts/login/").content.decode()


def test_password_sign_in_can_be_switched_off(sso, settings):
    settings.PASSWORD_LOGIN = False
    UserFactory(email="jo.bloggs@nhs.net")
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with NHSmail" in page and 'name="password"' not in page
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "jo.bloggs@nhs.net", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert signed_in_user_id(client) is None


def test_it_says_so_when_the_user_declines_at_the_provider(sso):
    client = Client()
    start = client.post("/accounts/oidc/sso/login/", {"next": "/"})
    denied = requests.post(
        start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10
    )
    callback = urlsplit(denied.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}", follow=True)
    html = response.content.decode()
    assert response.status_code in (200, 401)
    assert "Single sign-on did not work" in html or "Sign-in cancelled" in html
    assert signed_in_user_id(client) is None


def test_it_refuses_a_forged_callback(sso):
    client = Client()
    client.post("/accounts/oidc/sso/login/", {"next": "/"})
    response = client.get("/accounts/oidc/sso/login/callback/?code=forged&state=forged")
    assert response.status_code == 401
    assert "Single sign-on did not work" in response.content.decode()
    assert signed_in_user_id(client) is None
