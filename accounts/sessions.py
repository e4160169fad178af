"""The idle timeout without a session write on every request.

A session ends SESSION_COOKIE_AGE (30 minutes) after the request that last saved it: the
database row's expiry is set at each save. `SESSION_SAVE_EVERY_REQUEST` kept that expiry 30
minutes after the *last* request, but at the cost of an UPDATE and a commit on every page and
API call. This middleware saves a signed-in session only when its expiry would move by at least
REFRESH_SECONDS (60): a session is ended between 29 and 30 minutes after its last
request, never later, and a user clicking through pages writes it once a minute.
"""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESH_SECONDS = 60
# When the session was last saved (seconds since the epoch), kept in the session itself.
SAVED_AT_KEY = "_saved_at"


class IdleSessionMiddleware:
    """After SessionMiddleware in MIDDLEWARE, so this runs before it saves the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # No cookie (anonymous, token API): nothing to keep alive, and no row to create.
        if session is None or session.session_key is None or response.status_code >= 500:
            return response
        now = int(time.time())
        saved_at = session.get(SAVED_AT_KEY)
        if session.session_key is None:  # it had expired or never existed: load() forgot it
            return response
        if session.modified or saved_at is None or now - saved_at >= REFRESH_SECONDS:
            session[SAVED_AT_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response


@receiver(user_logged_in)
def note_the_save_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in saves the session: the first pages after it need not save it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SAVED_AT_KEY] = int(time.time())
