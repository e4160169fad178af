"""API authentication by named, expiring, revocable tokens (accounts.models.ApiToken)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from accounts.mfa import MFA_SETUP_REQUIRED, needs_mfa_setup
from accounts.models import ApiToken
from accounts.services import token_digest

INVALID_TOKEN = "Invalid token."
EXPIRED_TOKEN = "This token has expired. Create a new one on your API tokens page."
REVOKED_TOKEN = "This token has been revoked."
INACTIVE_ACCOUNT = "User inactive or deleted."
READ_ONLY_TOKEN = "This token is read-only: it cannot change anything."
# Record use at most once a minute, so reading the API is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        now = timezone.now()
        self._check(token, now)
        if request.method not in SAFE_METHODS and token.read_only:
            raise exceptions.PermissionDenied(READ_ONLY_TOKEN)
        if needs_mfa_setup(token.user):
            raise exceptions.PermissionDenied(MFA_SETUP_REQUIRED)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    @staticmethod
    def _check(token: ApiToken | None, now) -> None:
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED_TOKEN)
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(EXPIRED_TOKEN)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_ACCOUNT)

    def authenticate_header(self, request) -> str:
        return self.keyword
