"""API rate limits (settings.API_THROTTLE_RATES), read when a request comes, not at import.

Over the limit the API answers 429 with Retry-After (DRF's Throttled).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)


class ApiUserThrottle(_SettingsRate, UserRateThrottle):
    """Per signed-in user (session or token); anonymous requests count per address."""

    scope = "user"


class ApiAnonThrottle(_SettingsRate, AnonRateThrottle):
    scope = "anon"


class TokenSignInThrottle(_SettingsRate, AnonRateThrottle):
    """Password sign-ins at POST /api/v1/auth/token/, per client address."""

    scope = "token_sign_in"
