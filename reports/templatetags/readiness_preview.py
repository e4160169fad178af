"""{% readiness_summary user=... trial=... %}: how many sites in the user's scope are ready for
a trial or profile, and what blocks the rest; {% draft_readiness_summary %}: the same for the
profiles chosen on the trial form, before it is saved. Lets trial and profile pages show
readiness without the trials app importing reports (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils import timezone

from accounts.models import User
from reports import readiness
from reports.overview import scope_summary
from sites.access import visible_sites
from sites.selectors import site_refs
from trials.models import RequirementProfile, Trial

register = template.Library()


def _summary(user: User, requirements: readiness.RequirementSet):
    sites = site_refs(visible_sites(user).order_by("name", "pk"))
    return scope_summary(sites=sites, requirements=requirements, on=timezone.localdate())


@register.inclusion_tag("reports/_readiness_summary.html")
def readiness_summary(*, user, trial=None, profile=None) -> dict:
    if trial is not None:
        requirements = readiness.requirement_set_for_trial(trial)
    else:
        requirements = readiness.requirement_set_for_profile(profile)
    return {
        "summary": _summary(user, requirements),
        "trial": trial,
        "profile": profile,
        "proposed": False,
    }


def profile_ids(values: Iterable) -> list[int]:
    """The profile ids among a form's values (the checkboxes send strings); others ignored:
    a profile that is not one is not a requirement."""
    return [int(v) for v in values or () if str(v).isdigit()]


def draft_summary(*, user: User, trial: Trial | None, profiles: Iterable) -> dict:
    """The summary card's context for a trial as the form stands: the chosen profiles, plus
    the trial's own requirements and overrides when it exists already. Six queries."""
    chosen = RequirementProfile.objects.filter(pk__in=profile_ids(profiles))
    requirements = readiness.requirement_set_for_draft(trial, profiles=chosen)
    return {
        "summary": _summary(user, requirements),
        "draft": True,
        "proposed": False,
        "chosen": len(requirements.requirements),
    }


@register.inclusion_tag("reports/_readiness_summary.html")
def draft_readiness_summary(*, user, trial=None, profiles=()) -> dict:
    return draft_summary(user=user, trial=trial, profiles=profiles)
