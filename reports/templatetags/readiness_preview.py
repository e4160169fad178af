"""{% readiness_summary user=... trial=... %}: how many sites in the user's scope are ready for
a trial or profile, and what blocks the rest. Lets trial and profile pages show readiness
without the trials app importing reports (docs/architecture.md)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from reports import readiness
from reports.overview import scope_summary
from sites.access import visible_sites
from sites.selectors import site_refs

register = template.Library()


@register.inclusion_tag("reports/_readiness_summary.html")
def readiness_summary(*, user, trial=None, profile=None) -> dict:
    if trial is not None:
        requirements = readiness.requirement_set_for_trial(trial)
    else:
        requirements = readiness.requirement_set_for_profile(profile)
    sites = site_refs(visible_sites(user).order_by("name", "pk"))
    return {
        "summary": scope_summary(sites=sites, requirements=requirements, on=timezone.localdate()),
        "trial": trial,
        "profile": profile,
        "proposed": False,
    }
