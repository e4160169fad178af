"""Reads shared by the site's pages in reports (dashboard, checklist, training matrix)."""

from __future__ import annotations

from accounts.models import User
from sites.models import Site
from trials.access import visible_trials
from trials.models import RequirementProfile, Trial


def site_trials_and_profiles(user: User, site: Site) -> tuple[list[Trial], list[RequirementProfile]]:
    """The trials the site takes part in (those the user may see) and every profile."""
    trials = list(visible_trials(user).filter(trial_sites__site=site).order_by("short_title"))
    return trials, list(RequirementProfile.objects.order_by("name"))
