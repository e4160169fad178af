"""allauth's pages use our forms (accounts/allauth_forms.py): each error names its field, by the
field and in the error summary (NHS.UK), like every other form of the portal."""

from __future__ import annotations

import html
import re
import time

import pytest
import time_machine
from allauth.socialaccount.forms import SignupForm as SocialSignupForm
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.allauth_forms import (
    PASSWORDS_DIFFER,
    WRONG_APP_CODE,
    WRONG_CURRENT_PASSWORD,
    WRONG_PASSWORD,
    WRONG_SECURITY_CODE,
)
from accounts.sso import SocialAccountAdapter
from atmp_portal.forms import NamedErrors
from tests.accounts.factories import PASSWORD
from tests.accounts.test_mfa import (
    MFA_AUTHENTICATE,
    REAUTHENTICATE,
    TOTP_ACTIVATE,
    activate_totp,
    sign_in,
)

pytestmark = pytest.mark.django_db


def _view_classes(resolver: URLResolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _view_classes(pattern)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "view_class"):
            yield pattern.callback.view_class


def _form_classes_of(view_class) -> list[type]:
    """The form classes a view builds (allauth's views ask its FORMS settings through these)."""
    view = view_class()
    return [
        getattr(view, name)()
        for name in ("get_form_class", "get_webauthn_form_class")
        if getattr(view_class, "form_class", None) and hasattr(view, name)
    ]


def test_every_allauth_page_with_a_form_uses_one_whose_errors_name_the_field(rf):
    allauth_views = [
        cls for cls in _view_classes(get_resolver()) if cls.__module__.startswith("allauth.")
    ]
    forms = {form for cls in allauth_views for form in _form_classes_of(cls)}
    with_fields = {form for form in forms if form.base_fields}
    # Single sign-on's sign-up form is never shown: nobody signs up (the page says it is closed).
    assert not SocialAccountAdapter().is_open_for_signup(rf.get("/"), None)
    with_fields.discard(SocialSignupForm)
    assert len(with_fields) >= 9, with_fields  # passwords, codes, TOTP, security keys
    for form in with_fields:
        assert issubclass(form, NamedErrors), f"{form.__module__}.{form.__name__}"


def _assert_shown_by_the_field_and_in_the_summary(response, field: str, message: str) -> None:
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert page.index('class="nhsuk-error-summary"') < page.index("<h1")
    assert page.count('class="nhsuk-error-summary"') == 1
    assert re.search(r"<title>\s*Error: ", page)
    summary = re.search(r'nhsuk-error-summary__list">(.*?)</ul>', page, re.S).group(1)
    assert f'<a href="#id_{field}">{message}</a>' in summary
    error = re.search(
        rf'id="id_{field}-error">\s*<span[^>]*>Error: </span>(.*?)\s*</span>', page, re.S
    )
    assert error.group(1) == message
    assert re.search(rf'id="id_{field}"[^>]*aria-describedby="[^"]*id_{field}-error', page)


def test_a_wrong_password_on_reauthentication_says_so_by_the_field(personas):
    client = Client()
    sign_in(client, personas.network.email)
    first = client.get(TOTP_ACTIVATE)
    assert first["Location"].startswith(REAUTHENTICATE)
    empty = client.post(first["Location"], {"password": ""})
    _assert_shown_by_the_field_and_in_the_summary(empty, "password", "Enter your password")
    wrong = client.post(first["Location"], {"password": "not-the-password"})
    _assert_shown_by_the_field_and_in_the_summary(wrong, "password", WRONG_PASSWORD)


def test_a_wrong_code_when_setting_up_the_app_names_the_authenticator_code(personas):
    client = Client()
    sign_in(client, personas.network.email)
    reauthenticate = client.get(TOTP_ACTIVATE)["Location"]
    client.post(reauthenticate, {"password": PASSWORD})
    page = client.get(TOTP_ACTIVATE)
    assert page.status_code == 200 and 'placeholder="' not in page.content.decode()
    empty = client.post(TOTP_ACTIVATE, {"code": ""})
    _assert_shown_by_the_field_and_in_the_summary(empty, "code", "Enter the authenticator code")
    wrong = client.post(TOTP_ACTIVATE, {"code": "000000"})
    _assert_shown_by_the_field_and_in_the_summary(wrong, "code", WRONG_APP_CODE)


def test_a_wrong_security_code_at_sign_in_names_the_security_code(settings, personas):
    settings.MFA_REQUIRED_ROLES = ["network"]
    setup = Client()
    sign_in(setup, personas.network.email)
    activate_totp(setup)
    with time_machine.travel(time.time() + 60, tick=False):
        client = Client()
        assert sign_in(client, personas.network.email)["Location"] == MFA_AUTHENTICATE
        empty = client.post(MFA_AUTHENTICATE, {"code": ""})
        _assert_shown_by_the_field_and_in_the_summary(empty, "code", "Enter your security code")
        wrong = client.post(MFA_AUTHENTICATE, {"code": "000000"})
        _assert_shown_by_the_field_and_in_the_summary(wrong, "code", WRONG_SECURITY_CODE)
        assert "Incorrect code" not in wrong.content.decode()


def test_changing_the_password_names_each_password_in_its_errors(personas):
    client = Client()
    sign_in(client, personas.coordinator_a.email)
    url = "/accounts/password/change/"
    empty = client.post(url, {})
    for field, message in (
        ("oldpassword", "Enter your current password"),
        ("password1", "Enter your new password"),
        ("password2", "Enter your new password again"),
    ):
        _assert_shown_by_the_field_and_in_the_summary(empty, field, message)
    wrong = client.post(
        url,
        {
            "oldpassword": "not-it",
            "password1": "a-new-long-passphrase-1",
            "password2": "a-new-long-passphrase-2",
        },
    )
    _assert_shown_by_the_field_and_in_the_summary(wrong, "oldpassword", WRONG_CURRENT_PASSWORD)
    _assert_shown_by_the_field_and_in_the_summary(wrong, "password2", PASSWORDS_DIFFER)
