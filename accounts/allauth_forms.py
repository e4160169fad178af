"""django-allauth's forms that have fields, as the portal's: every error names its field.

allauth builds its pages (re-authentication, two-factor set-up and sign-in, security keys) from
its own form classes, whose messages are Django's defaults ("This field is required.") and
allauth's own ("Incorrect code."). These subclasses put `NamedErrors` first, like every form of
ours (atmp_portal/forms.py), and replace allauth's messages, by their code, with ones built from
the field's subject. allauth is told to use them by ACCOUNT_FORMS and MFA_FORMS
(atmp_portal/allauth_forms.py lists them for the settings).

Each constructor names the keyword argument allauth passes (`user`, `instance`), so that
tests/test_forms.py, which reads the signature, can build the form and walk its errors.

Forms with no fields (removing the app, new recovery codes) raise only form-wide messages,
which the error summary shows as they are.
"""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from atmp_portal.forms import NamedErrors

WRONG_PASSWORD = "Your password is not right: enter the password you sign in to the portal with"
WRONG_SECURITY_CODE = (
    "Your security code is not right: enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes you have not used"
)
WRONG_APP_CODE = (
    "The authenticator code is not right: enter the 6-digit code the app shows now (it changes "
    "every 30 seconds)"
)
WRONG_CURRENT_PASSWORD = (
    "Your current password is not right: enter the password you sign in to the portal with now"
)
PASSWORDS_DIFFER = "The passwords do not match: enter the same new password in both boxes"
KEY_NOT_ACCEPTED = (
    "Your security key's answer was not accepted: use the key again, or another way to confirm "
    "it is you"
)


class AllauthNamedErrors(NamedErrors):
    """First in the bases of a subclass of an allauth form: besides naming Django's messages
    (NamedErrors), `replaced` maps an allauth error code to our message for it."""

    replaced: dict[str, str] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # NHS.UK: labels, not placeholders (they vanish as you type and read as filled in).
            field.widget.attrs.pop("placeholder", None)

    def add_error(self, field, error) -> None:
        code = getattr(error, "code", None)
        if isinstance(error, ValidationError) and code in self.replaced:
            error = ValidationError(self.replaced[code], code=code)
        super().add_error(field, error)


class ReauthenticateForm(AllauthNamedErrors, account_forms.ReauthenticateForm):
    """The password again, before a change to how the user signs in."""

    error_subjects = {"password": "your password"}
    replaced = {"incorrect_password": WRONG_PASSWORD}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)


_ALLAUTH_DIFFER = "You must type the same password each time."  # allauth's, with no code


class _NewPassword(AllauthNamedErrors):
    """A new password typed twice (allauth's check of the two adds a message with no code)."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)

    def add_error(self, field, error) -> None:
        if field == "password2" and str(error) == gettext(_ALLAUTH_DIFFER):
            error = PASSWORDS_DIFFER
        super().add_error(field, error)


class ChangePasswordForm(_NewPassword, account_forms.ChangePasswordForm):
    error_subjects = {
        "oldpassword": "your current password",
        "password1": "your new password",
        "password2": "your new password again",
    }
    replaced = {"enter_current_password": WRONG_CURRENT_PASSWORD}


class SetPasswordForm(_NewPassword, account_forms.SetPasswordForm):
    """A password for an account that has none (one that signs in with single sign-on)."""

    error_subjects = {"password1": "a password", "password2": "the password again"}


class _SecurityCode(AllauthNamedErrors):
    """The code of the second step of sign-in: from the app, or a recovery code."""

    error_subjects = {"code": "your security code"}
    replaced = {"incorrect_code": WRONG_SECURITY_CODE}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["code"].label = "Security code"


class AuthenticateForm(_SecurityCode, mfa_forms.AuthenticateForm):
    """Sign-in's second step."""


class ReauthenticateCodeForm(_SecurityCode, mfa_forms.ReauthenticateForm):
    """The security code again, before a change to how the user signs in."""


class ActivateTOTPForm(AllauthNamedErrors, totp_forms.ActivateTOTPForm):
    """Setting up an authenticator app: the code it shows proves it holds the secret."""

    replaced = {"incorrect_code": WRONG_APP_CODE}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)


class _SecurityKey(AllauthNamedErrors):
    """A security key's answer arrives in a hidden field that allauth's script fills in."""

    error_subjects = {
        "credential": "your security key's answer",
        "name": "a name for the security key",
    }
    replaced = {"incorrect_code": KEY_NOT_ACCEPTED}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["credential"].label = "Security key"
        self.fields["credential"].error_messages["invalid"] = KEY_NOT_ACCEPTED


class AuthenticateWebAuthnForm(_SecurityKey, webauthn_forms.AuthenticateWebAuthnForm):
    """Sign-in's second step with a security key."""


class ReauthenticateWebAuthnForm(_SecurityKey, webauthn_forms.ReauthenticateWebAuthnForm):
    """A security key again, before a change to how the user signs in."""


class AddWebAuthnForm(_SecurityKey, webauthn_forms.AddWebAuthnForm):
    """Adding a security key: its name (optional) and its answer."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["name"].label = "Name"


class EditWebAuthnForm(AllauthNamedErrors, webauthn_forms.EditWebAuthnForm):
    """Renaming a security key."""

    error_subjects = {"name": "a name for the security key"}

    def __init__(self, *args, instance, **kwargs) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["name"].label = "Name"
