"""Which of our forms allauth uses in place of its own (ACCOUNT_FORMS and MFA_FORMS): one per
allauth form that has fields, so every error names its field (accounts/allauth_forms.py).

Plain strings, read by the settings; allauth imports the classes when it first needs them.
"""

from __future__ import annotations

_OURS = "accounts.allauth_forms."

ACCOUNT_FORMS = {
    "login": "accounts.forms.EmailLoginForm",
    "reauthenticate": f"{_OURS}ReauthenticateForm",
    "change_password": f"{_OURS}ChangePasswordForm",
    "set_password": f"{_OURS}SetPasswordForm",
}
MFA_FORMS = {
    "authenticate": f"{_OURS}AuthenticateForm",
    "reauthenticate": f"{_OURS}ReauthenticateCodeForm",
    "activate_totp": f"{_OURS}ActivateTOTPForm",
    "authenticate_webauthn": f"{_OURS}AuthenticateWebAuthnForm",
    "reauthenticate_webauthn": f"{_OURS}ReauthenticateWebAuthnForm",
    "add_webauthn": f"{_OURS}AddWebAuthnForm",
    "edit_webauthn": f"{_OURS}EditWebAuthnForm",
}
