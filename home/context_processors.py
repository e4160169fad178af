"""Navigation by role, shown in the NHS.UK header on every page.

It links to every app's pages, so it lives in the top app `home` (docs/architecture.md).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from sites.access import is_site_member


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", "Home")]
    # Network coordinators see sites without being members: ask the database only for others.
    if user.is_network_coordinator or is_site_member(user):
        items.append(("reports:site-list", "Sites"))
        items.append(("trials:list", "Trials"))
        items.append(("reports:ranking", "Readiness"))
        if user.is_network_coordinator:
            items.append(("reports:overview", "Overview"))
        items.append(("reports:list", "Reports"))
    items.append(("guidance:list", "Guidance"))
    path = request.path
    nav = []
    for name, label in items:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        nav.append({"url": url, "label": label, "active": active})
    return {"nav_items": nav}
