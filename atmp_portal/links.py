"""Absolute links, for what is read outside the portal (e-mails, PDF reports, API bodies)."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on the portal's public address (the PORTAL_BASE_URL setting)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path
