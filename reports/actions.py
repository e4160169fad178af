"""The action plan on the site's pages: which gaps an action may be planned for, and each
trial's forecast. Reports joins the readiness engine (gaps) with the actions app (plans)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accounts.models import User
from actions.selectors import Forecast, forecast, open_actions_by_key
from reports import readiness
from reports.selectors import site_trials_and_profiles
from sites.models import Site


@dataclass
class SiteGap:
    """One requirement the site misses, with every trial or profile it blocks or warns."""

    key: str
    label: str
    blocks: list[str] = field(default_factory=list)
    warns: list[str] = field(default_factory=list)


def site_gaps(site: Site, user: User, on: dt.date) -> dict[str, SiteGap]:
    """Blockers and warnings of every trial (the user may see) and profile, by requirement."""
    trials, profiles = site_trials_and_profiles(user, site)
    by_trial, by_profile = readiness.assess_site_for(
        site=site, trials=trials, profiles=profiles, on=on
    )
    gaps: dict[str, SiteGap] = {}
    for assessment in (*by_trial, *by_profile):
        for row in assessment.gaps:
            gap = gaps.setdefault(
                row.requirement.key, SiteGap(row.requirement.key, row.requirement.label)
            )
            (gap.blocks if row.is_blocker else gap.warns).append(assessment.requirement_set.label)
    return gaps


def trial_forecasts(site: Site, assessments) -> tuple[list[Forecast], dict]:
    """Each assessment's forecast from the site's open actions (one query), and those actions."""
    actions = open_actions_by_key(site)
    forecasts = [
        forecast((row.requirement.key for row in a.gaps if row.is_blocker), actions)
        for a in assessments
    ]
    return forecasts, actions
