"""In Chromium: a network coordinator who must use MFA sets it up, signs in with it, makes a token."""

from __future__ import annotations

import pytest

from accounts.allauth_forms import WRONG_APP_CODE
from tests.accounts.factories import PASSWORD
from tests.accounts.oidc import entra_claims, put_user
from tests.accounts.test_mfa import totp
from tests.e2e.conftest import assert_accessible, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/atmp-identity-shots"


def shoot(page, name: str) -> None:
    """Screenshots at desktop and phone widths, for looking at the pages by eye."""
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_network_coordinator_sets_up_totp_then_signs_in_with_it(
    page, live_server, personas, settings
):
    settings.MFA_REQUIRED_ROLES = ["network"]
    user = personas.network
    login(page, live_server, user)
    assert page.url.endswith("/accounts/2fa/")
    assert "Your role needs two-factor authentication" in page.content()
    assert_accessible(page)
    shoot(page, "mfa-index")

    page.goto(f"{live_server.url}/trials/")
    assert page.url.endswith("/accounts/2fa/"), "nothing else is reachable before set-up"

    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    assert "/accounts/reauthenticate/" in page.url
    assert_accessible(page)
    shoot(page, "reauthenticate")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    assert "/accounts/2fa/totp/activate/" in page.url
    assert_accessible(page)
    shoot(page, "totp-activate")
    secret = page.locator("#authenticator_secret").input_value()
    # A wrong code: the message names the field, by the field and in the summary (NHS.UK).
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Set up").click()
    page.wait_for_load_state()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.get_by_role("link", name=WRONG_APP_CODE).get_attribute("href") == "#id_code"
    assert WRONG_APP_CODE in page.locator("#id_code-error").inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    shoot(page, "totp-activate-wrong-code")
    summary.get_by_role("link", name=WRONG_APP_CODE).click()
    assert page.evaluate("document.activeElement.id") == "id_code"
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Set up").click()
    page.wait_for_load_state()
    assert_accessible(page)
    shoot(page, "after-activation")

    page.goto(f"{live_server.url}/accounts/2fa/recovery-codes/")
    assert_accessible(page)
    shoot(page, "recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    login(page, live_server, user)
    assert "/accounts/2fa/authenticate/" in page.url
    assert_accessible(page)
    shoot(page, "mfa-authenticate")


def test_a_user_makes_a_read_only_token_on_the_tokens_page(page, live_server, personas):
    login(page, live_server, personas.coordinator_a)
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    assert "Enter a name for the token" in page.content()
    assert_accessible(page)
    page.get_by_label("Token name").fill("Learning system import")
    page.get_by_label("90 days").check()
    page.get_by_label("Read-only").check()
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    assert page.locator(".atmp-token-key").inner_text()
    assert "Read only" in page.content()
    assert_accessible(page)
    shoot(page, "api-tokens")


def test_single_sign_on_in_the_browser_lets_a_known_user_in_and_refuses_a_stranger(
    page, live_server, personas, sso
):
    put_user(sso, "sub-coord-a", entra_claims(personas.coordinator_a.email))
    put_user(sso, "sub-stranger", entra_claims("stranger@nhs.net"))
    for sub, lands_on in (("sub-coord-a", "Welcome"), ("sub-stranger", "You cannot sign in")):
        page.goto(f"{live_server.url}/accounts/login/")
        if sub == "sub-coord-a":
            assert_accessible(page)
            shoot(page, "login-with-sso")
        page.get_by_role("button", name="Sign in with NHSmail").click()
        page.wait_for_load_state()
        assert page.url.startswith(sso)
        page.locator("input[name=sub]").fill(sub)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_load_state()
        assert lands_on in page.content()
        assert_accessible(page)
        if sub == "sub-stranger":
            shoot(page, "sso-refused")
        else:
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_load_state()


def test_a_security_key_is_added_and_then_signs_the_user_in(page, live_server, personas, settings):
    """WebAuthn through allauth's own scripts under our CSP, with Chromium's virtual authenticator."""
    settings.MFA_REQUIRED_ROLES = ["network"]
    # The live server is plain http://localhost; production origins are https.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    user = personas.network
    login(page, live_server, user)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/webauthn/add/" in page.url
    assert_accessible(page)
    shoot(page, "webauthn-add")
    page.get_by_label("Name").fill("Desk key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert not errors, errors
    assert user.authenticator_set.filter(type="webauthn").exists()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    login(page, live_server, user)
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert not errors, errors
