"""A limit on failed sign-ins per client address, beside django-axes' per-account lockout.

Axes locks an account after AXES_FAILURE_LIMIT failures. That does not stop one machine from
trying one password against many accounts, so failures are also counted per address (in the
cache, for AXES_COOLOFF_TIME); past SIGNIN_ADDRESS_FAILURE_LIMIT the address is refused, through
the same lockout response as axes (AxesMiddleware renders accounts.views.lockout). The limit
is high because a whole NHS trust can reach us from one NAT address.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest


def _key(request: HttpRequest) -> str | None:
    address = get_client_ip_address(request)
    return f"signin-failures:{address}" if address else None


def address_failures(request: HttpRequest) -> int:
    key = _key(request)
    return int(cache.get(key, 0)) if key else 0


def address_blocked(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT


@receiver(user_login_failed)
def count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is None or getattr(request, "signin_blocked_address", False):
        return
    key = _key(request)
    if key is None:
        return
    timeout = int(settings.AXES_COOLOFF_TIME.total_seconds())
    # add() then incr(): the counter's window starts at the first failure.
    if not cache.add(key, 1, timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout)


class AddressLimitBackend:
    """First authentication backend: refuses every sign-in from an address over the limit."""

    def authenticate(self, request: HttpRequest | None, **credentials):
        if request is not None and address_blocked(request):
            request.signin_blocked_address = True
            # AxesMiddleware turns this flag into the lockout response.
            request.axes_locked_out = True
            raise PermissionDenied("Too many failed sign-ins from this address.")
        return None
