"""Trial visibility (docs/architecture.md, "Access").

Network coordinators and pharmacists read every trial; site coordinators read the trials
their sites take part in; guidance editors see none. Only network coordinators change trials.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from sites.access import visible_sites
from sites.models import SiteMembership
from trials.models import SITE_ANSWERS, Trial, TrialSite


def visible_trials(user: User) -> QuerySet[Trial]:
    if not user.is_authenticated or not user.is_active:
        return Trial.objects.none()
    if user.is_network_coordinator or user.is_superuser:
        return Trial.objects.all()
    if SiteMembership.objects.filter(user=user, role=SiteMembership.Role.PHARMACIST).exists():
        return Trial.objects.all()
    own_sites = SiteMembership.objects.filter(
        user=user, role=SiteMembership.Role.COORDINATOR
    ).values("site")
    return Trial.objects.filter(
        pk__in=Trial.objects.filter(trial_sites__site__in=own_sites).values("pk")
    )


def trial_for(user: User, trial_id: int | str, *, write: bool = False) -> Trial:
    try:
        trial = visible_trials(user).get(pk=int(trial_id))
    except (Trial.DoesNotExist, ValueError, TypeError):
        raise Http404("No such trial.") from None
    if write and not can_write_trials(user):
        raise Http404("No such trial.")
    return trial


def can_write_trials(user: User) -> bool:
    return user.is_network_coordinator or user.is_superuser


def visible_trial_sites(user: User, trial: Trial):
    """The trial's participating sites that this user may see."""
    return trial.trial_sites.filter(site__in=visible_sites(user)).select_related("site__region")


def trial_site_for(user: User, trial: Trial, site_id: int | str) -> TrialSite:
    """One site's place in the trial's selection, if the user may see that site (else 404)."""
    try:
        return visible_trial_sites(user, trial).get(site_id=int(site_id))
    except (TrialSite.DoesNotExist, ValueError, TypeError):
        raise Http404("No such site in this trial.") from None


def is_site_coordinator(user: User, site_id: int) -> bool:
    return SiteMembership.objects.filter(
        user=user, site_id=site_id, role=SiteMembership.Role.COORDINATOR
    ).exists()


def can_move_trial_site(user: User, trial_site: TrialSite, status: str) -> bool:
    """The site's own coordinator answers an invitation; the network coordinator (with the site
    in scope) takes every other step."""
    if status in SITE_ANSWERS:
        return is_site_coordinator(user, trial_site.site_id)
    return can_write_trials(user) and visible_sites(user).filter(pk=trial_site.site_id).exists()


def can_edit_profiles(user: User) -> bool:
    """Profiles are shared by every region's trials: national coordinators keep them."""
    return user.is_superuser or user.network_scope == User.NetworkScope.NATIONAL
