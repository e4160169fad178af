"""The "expiring" window: how soon a valid item's end makes it worth a warning.

The one reader of the READINESS_EXPIRING_DAYS setting. It lives here, below every app,
because the readiness engine (reports), the training matrix and a training record's own
status (training) and the site dashboard must all draw the same line (docs/readiness.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def expiring_days() -> int:
    return settings.READINESS_EXPIRING_DAYS


def is_expiring(expires_on: dt.date | None, on: dt.date) -> bool:
    """Still valid on `on`, but ends within the window: 0..89 days left with the default 90.

    Evidence expiring today is valid today, so it is expiring; one expiring exactly 90 days
    away is not yet.
    """
    if expires_on is None:
        return False
    return 0 <= (expires_on - on).days < expiring_days()


def horizon(on: dt.date) -> dt.date:
    """The first day that is no longer "expiring": validity ending before it is."""
    return on + dt.timedelta(days=expiring_days())
