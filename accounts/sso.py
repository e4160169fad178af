"""Single sign-on with OpenID Connect (Microsoft Entra ID for NHSmail) through django-allauth.

Nobody signs up: an SSO sign-in either belongs to an account an administrator made, matched by
a verified e-mail address, or it is refused with a page that says why. Entra ID conventions:
- `email` is an optional claim, and Entra does not send `email_verified` for work accounts; it
  sends `xms_edov` ("email domain owner verified") when asked. Either claim, true, verifies it.
- `preferred_username` (the UPN) is mutable and not verified: never used to match an account.
- `tid` is the directory (tenant); when OIDC_TENANT_ID is set every token must carry it.
- `sub` (unique per user and application) links the SSO identity to the account after the
  first sign-in, so a later change of e-mail address at the provider keeps the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render

from accounts.models import User

INVALID_LOGIN = "Enter a correct email address and password. Both are case-sensitive."
REFUSED_UNKNOWN = (
    "There is no ATMP Site Readiness account for {email}. Accounts are set up by your portal "
    "administrator: ask them to add you, using this address."
)
REFUSED_NO_EMAIL = (
    "Your NHS account did not send an email address, so we cannot tell which ATMP Site "
    "Readiness account is yours. Ask your portal administrator to check the single sign-on set-up."
)
REFUSED_UNVERIFIED = (
    "Your NHS account did not confirm that {email} is a verified address, so we cannot use it "
    "to sign you in. Ask your portal administrator to check the single sign-on set-up."
)
REFUSED_TENANT = (
    "You signed in with an account from an organisation this portal does not accept. Sign in "
    "with your NHSmail account."
)
REFUSED_INACTIVE = "Your ATMP Site Readiness account is closed. Ask your portal administrator."
REFUSED_CONNECT = "Single sign-on cannot be linked to an account from here."


class SignInRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdentityClaims:
    email: str
    email_verified: bool
    tenant: str


def _true(value: object) -> bool:
    """Providers send booleans, and some send the strings 'true' or '1'."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def claims_from(data: dict) -> IdentityClaims:
    """The claims this portal relies on, read from the ID token (or userinfo) of a sign-in."""
    data = data.get("id_token") or data.get("userinfo") or data
    return IdentityClaims(
        email=(data.get("email") or "").strip().lower(),
        email_verified=_true(data.get("email_verified")) or _true(data.get("xms_edov")),
        tenant=str(data.get("tid") or ""),
    )


def account_for(claims: IdentityClaims, *, linked: User | None) -> User:
    """The portal account this sign-in belongs to, or SignInRefused saying why not."""
    if settings.OIDC_TENANT_ID and claims.tenant != settings.OIDC_TENANT_ID:
        raise SignInRefused(REFUSED_TENANT)
    if linked is not None:
        user = linked
    else:
        if not claims.email:
            raise SignInRefused(REFUSED_NO_EMAIL)
        if not claims.email_verified:
            raise SignInRefused(REFUSED_UNVERIFIED.format(email=claims.email))
        user = User.objects.filter(email__iexact=claims.email).first()
        if user is None:
            raise SignInRefused(REFUSED_UNKNOWN.format(email=claims.email))
    if not user.is_active:
        raise SignInRefused(REFUSED_INACTIVE)
    return user


def refusal_page(request: HttpRequest, reason: str):
    context = {"reason": reason, "password_login": settings.PASSWORD_LOGIN}
    return render(request, "socialaccount/refused.html", context, status=403)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": INVALID_LOGIN,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Match the sign-in to its account, linking it on first use, or refuse it."""
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            raise ImmediateHttpResponse(refusal_page(request, REFUSED_CONNECT))
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            user = account_for(claims_from(sociallogin.account.extra_data), linked=linked)
        except SignInRefused as refused:
            raise ImmediateHttpResponse(refusal_page(request, refused.reason)) from None
        if not sociallogin.is_existing:
            sociallogin.user = user
            sociallogin.account.user = user
            sociallogin.account.save()
