"""Reads about one site, shared by its pages and API."""

from __future__ import annotations

from django.db.models import Count

from accounts.models import User
from sites.access import site_roles
from sites.models import Capability, Site, SiteCapability, SiteMembership


def site_overview(user: User, site: Site) -> dict:
    statuses = dict(
        SiteCapability.objects.filter(site=site)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    roles = site_roles(user, site)
    return {
        "site": site,
        "roles": sorted(roles),
        "can_write": SiteMembership.Role.COORDINATOR in roles,
        "catalogue_size": Capability.objects.count(),
        "status_counts": [
            (label, statuses.get(value, 0)) for value, label in SiteCapability.Status.choices
        ],
        "active_staff": site.staff.filter(active=True).count(),
        "trial_sites": site.trial_sites.select_related("trial").order_by("trial__short_title"),
    }
