"""A site's dashboard and training matrix: pages that need the readiness engine's requirement sets.

They live in reports because only reports may combine sites, training and trials
(docs/architecture.md, "The import graph"); each costs a fixed number of queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports import readiness
from sites.access import can_write_site, site_for
from sites.checklist import completion_by_category, person
from sites.models import Site, SiteCapability
from training.expiry import expiring_items
from training.matrix import training_matrix
from training.models import StaffMember, TrainingRecord
from trials.access import visible_trials
from trials.models import RequirementProfile

RECENT_CHANGES = 10
_ACTIONS = {"+": "added", "~": "changed", "-": "removed"}


@dataclass
class RecentChange:
    when: dt.datetime
    who: str
    what: str
    reason: str


def _trials_and_profiles(user, site: Site):
    """The trials the site takes part in (those the user may see) and every profile."""
    trials = list(visible_trials(user).filter(trial_sites__site=site).order_by("short_title"))
    return trials, list(RequirementProfile.objects.order_by("name"))


def recent_changes(site: Site, limit: int = RECENT_CHANGES) -> list[RecentChange]:
    """The latest changes across the site's checklist, staff and training: three queries."""
    changes = [
        RecentChange(h.history_date, person(h.history_user),
                     f"Checklist: {h.capability.name} {_ACTIONS[h.history_type]}",
                     h.history_change_reason or "")
        for h in SiteCapability.history.filter(site_id=site.pk)
        .select_related("history_user", "capability").order_by("-history_date")[:limit]
    ]
    changes += [
        RecentChange(h.history_date, person(h.history_user),
                     f"Staff: {h.full_name} {_ACTIONS[h.history_type]}",
                     h.history_change_reason or "")
        for h in StaffMember.history.filter(site_id=site.pk)
        .select_related("history_user").order_by("-history_date")[:limit]
    ]
    changes += [
        RecentChange(h.history_date, person(h.history_user),
                     f"Training: {h.staff.full_name}, {h.course.title} {_ACTIONS[h.history_type]}",
                     h.history_change_reason or "")
        for h in TrainingRecord.history.filter(staff__site_id=site.pk)
        .select_related("history_user", "staff", "course").order_by("-history_date")[:limit]
    ]
    return sorted(changes, key=lambda c: c.when, reverse=True)[:limit]


@login_required
def site_dashboard(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    today = timezone.localdate()
    trials, profiles = _trials_and_profiles(request.user, site)
    by_trial, by_profile = readiness.assess_site_for(
        site=site, trials=trials, profiles=profiles, on=today
    )
    readiness_rows = [
        {"kind": "Trial", "name": t.short_title, "query": f"trial={t.pk}", "assessment": a}
        for t, a in zip(trials, by_trial, strict=True)
    ] + [
        {"kind": "Requirement profile", "name": p.name, "query": f"profile={p.code}",
         "assessment": a}
        for p, a in zip(profiles, by_profile, strict=True)
    ]
    expiring = expiring_items(site_ids=[site.pk], on=today)
    return render(request, "reports/site_dashboard.html", {
        "site": site,
        "on": today,
        "readiness_rows": readiness_rows,
        "completion": completion_by_category(site),
        "expiring": [(item, item.days_left(today)) for item in expiring],
        "changes": recent_changes(site),
        "can_write": can_write_site(request.user, site),
    })


@login_required
def site_training_matrix(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    today = timezone.localdate()
    trials, profiles = _trials_and_profiles(request.user, site)
    trial_sets, profile_sets = readiness.requirement_sets(trials=trials, profiles=profiles)
    course_ids = set().union(
        *(s.course_ids for s in (*trial_sets.values(), *profile_sets.values()))
    )
    courses, rows = training_matrix(site=site, course_ids=course_ids, on=today)
    return render(request, "training/matrix.html", {
        "site": site, "on": today, "courses": courses, "rows": rows,
    })
