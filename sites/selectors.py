"""Reads about sites, shared by their pages and API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

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
        "roles": sorted(SiteMembership.Role(role).label for role in roles),
        "catalogue_size": Capability.objects.count(),
        "status_counts": [
            (label, statuses.get(value, 0)) for value, label in SiteCapability.Status.choices
        ],
        "active_staff": site.staff.filter(active=True).count(),
        "trial_sites": site.trial_sites.select_related("trial").order_by("trial__short_title"),
    }


@dataclass(frozen=True, slots=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class SiteRef:
    """What a row of a long site list shows (the ranking), read without a model instance per
    site: building 555 Site and Region instances costs several times the query itself."""

    pk: int
    name: str
    ods_code: str
    region: RegionRef

    @property
    def id(self) -> int:
        return self.pk


def site_refs(sites: QuerySet[Site]) -> list[SiteRef]:
    """The sites of the queryset, in its order, as SiteRefs: one query."""
    regions: dict[str, RegionRef] = {}
    return [
        SiteRef(pk, name, ods_code, regions.setdefault(code, RegionRef(code, region_name)))
        for pk, name, ods_code, code, region_name in sites.values_list(
            "pk", "name", "ods_code", "region__code", "region__name"
        )
    ]
