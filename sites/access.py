"""Who may see and change what (docs/architecture.md, "Access").

Every view, API endpoint and task asks these functions; none filters by site itself.
What a user may not see raises Http404, never 403, so ids cannot be probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from sites.models import Capability, NetworkRegion, Region, Site, SiteMembership


def visible_sites(user: User) -> QuerySet[Site]:
    """Sites the user may read: their memberships, plus network scope."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.network_scope == User.NetworkScope.NATIONAL or user.is_superuser:
        return Site.objects.all()
    condition = Q(memberships__user=user)
    if user.network_scope == User.NetworkScope.REGIONS:
        condition |= Q(region__in=NetworkRegion.objects.filter(user=user).values("region"))
    return Site.objects.filter(pk__in=Site.objects.filter(condition).values("pk"))


def visible_regions(user: User) -> QuerySet[Region]:
    if user.network_scope == User.NetworkScope.NATIONAL or user.is_superuser:
        return Region.objects.all()
    return Region.objects.filter(pk__in=visible_sites(user).values("region"))


def scoped_regions(user: User) -> QuerySet[Region]:
    """Regions a network coordinator covers in full (for region reports)."""
    if user.network_scope == User.NetworkScope.NATIONAL or user.is_superuser:
        return Region.objects.all()
    if user.network_scope == User.NetworkScope.REGIONS:
        return Region.objects.filter(
            pk__in=NetworkRegion.objects.filter(user=user).values("region")
        )
    return Region.objects.none()


def site_roles(user: User, site: Site) -> set[str]:
    return set(SiteMembership.objects.filter(user=user, site=site).values_list("role", flat=True))


def can_write_site(user: User, site: Site) -> bool:
    """Coordinators keep their site's records (checklist, staff, training)."""
    return SiteMembership.Role.COORDINATOR in site_roles(user, site)


def writable_categories(user: User, site: Site) -> set[str]:
    """Capability categories the user may edit at the site, in one query.

    Coordinators may edit every category; pharmacists only the pharmacy one.
    """
    roles = site_roles(user, site)
    if SiteMembership.Role.COORDINATOR in roles:
        return set(Capability.Category.values)
    if SiteMembership.Role.PHARMACIST in roles:
        return {Capability.Category.PHARMACY}
    return set()


def can_write_capability(user: User, site: Site, capability: Capability) -> bool:
    return capability.category in writable_categories(user, site)


def site_for(user: User, site_id: int | str, *, write: bool = False) -> Site:
    """The site if the user may read it (or write it, with write=True); otherwise 404.

    A member without write rights who asks to write also gets 404: the page they asked
    for (an edit form) does not exist for them.
    """
    try:
        site = visible_sites(user).select_related("region").get(pk=int(site_id))
    except (Site.DoesNotExist, ValueError, TypeError):
        raise Http404("No such site.") from None
    if write and not can_write_site(user, site):
        raise Http404("No such site.")
    return site


def is_site_member(user: User) -> bool:
    return SiteMembership.objects.filter(user=user).exists()
