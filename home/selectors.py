"""What each role's home page shows: what the user can reach, with counts.

A top app (docs/architecture.md): it reads accounts, sites, trials and guidance, and nothing
below it imports it.
"""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import User
from guidance.models import GuidanceDocument, GuidanceVersion
from sites.access import visible_sites
from sites.models import SiteMembership
from trials.access import visible_trials


def home_for(user: User) -> dict:
    memberships = list(
        SiteMembership.objects.filter(user=user)
        .select_related("site__region")
        .order_by("site__name")
    )
    member_site_ids = [m.site_id for m in memberships]
    sites = (
        visible_sites(user)
        .filter(pk__in=member_site_ids)
        .annotate(
            active_staff=Count("staff", filter=Q(staff__active=True), distinct=True),
            trial_count=Count("trial_sites", distinct=True),
        )
    )
    site_rows = {s.pk: s for s in sites}
    my_sites = [
        {"site": site_rows[m.site_id], "role": m.get_role_display()}
        for m in memberships
        if m.site_id in site_rows
    ]
    context: dict = {
        "my_sites": my_sites,
        "trials": list(visible_trials(user).order_by("short_title")[:20]),
        "trial_count": visible_trials(user).count(),
    }
    if user.is_network_coordinator:
        scope_sites = visible_sites(user)
        context["network"] = {
            "national": user.network_scope == User.NetworkScope.NATIONAL,
            "regions": list(user.network_regions.values_list("region__name", flat=True)),
            "site_count": scope_sites.count(),
            "region_count": scope_sites.values("region").distinct().count(),
        }
    if user.is_guidance_editor:
        context["editor"] = {
            "documents": GuidanceDocument.objects.filter(retired_at__isnull=True).count(),
            "drafts": GuidanceVersion.objects.filter(status=GuidanceVersion.Status.DRAFT).count(),
        }
    context["guidance_count"] = GuidanceDocument.objects.filter(
        retired_at__isnull=True, versions__status=GuidanceVersion.Status.PUBLISHED
    ).count()
    return context
