"""A site's dashboard and training matrix: pages that need the readiness engine's requirement sets.

They live in reports because only reports may combine sites, training and trials
(docs/architecture.md, "The import graph"); each costs a fixed number of queries whatever the data size.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from reports import readiness, selectors
from reports.actions import trial_forecasts
from reports.csvexport import csv_table
from reports.expiry_list import expiry_lists
from reports.selectors import site_trials_and_profiles
from reports.site_history import recent_changes, site_history_csv
from sites.access import can_write_site, site_for
from sites.checklist import completion_by_category
from training.expiry import expiring_items


@login_required
def site_dashboard(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    today = timezone.localdate()
    trials, profiles = site_trials_and_profiles(request.user, site)
    by_trial, by_profile = readiness.assess_site_for(
        site=site, trials=trials, profiles=profiles, on=today
    )
    forecasts, open_actions = trial_forecasts(site, by_trial)
    readiness_rows = [
        {
            "kind": "Trial",
            "name": t.short_title,
            "query": f"trial={t.pk}",
            "assessment": a,
            "forecast": f,
            "blockers": [g for g in a.gaps if g.is_blocker],
        }
        for t, a, f in zip(trials, by_trial, forecasts, strict=True)
    ] + [
        {
            "kind": "Requirement profile",
            "name": p.name,
            "query": f"profile={p.code}",
            "assessment": a,
        }
        for p, a in zip(profiles, by_profile, strict=True)
    ]
    action_list = sorted(
        (a for group in open_actions.values() for a in group), key=lambda a: (a.target_date, a.pk)
    )
    expiry = expiry_lists(
        items=expiring_items(site_ids=[site.pk], on=today),
        trials=trials,
        trial_assessments=by_trial,
        params=request.GET,
        on=today,
    )
    return render(
        request,
        "reports/site_dashboard.html",
        {
            "site": site,
            "on": today,
            "readiness_rows": readiness_rows,
            "completion": completion_by_category(site),
            "expiry": expiry,
            "expiring_days": readiness.expiring_days(),
            "changes": recent_changes(site),
            "action_list": action_list,
            "open_actions": open_actions,
            "dashboard_path": request.path,
            # Reversed once for the readiness table's "See the gaps" links, one per trial and profile.
            "readiness_path": reverse("reports:site-readiness", args=[site.pk]),
            "overdue": sum(1 for a in action_list if a.is_overdue),
            "can_write": can_write_site(request.user, site),
        },
    )


@login_required
def site_training_matrix(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    today = timezone.localdate()
    courses, rows = selectors.site_training_matrix(request.user, site, today)
    return render(
        request,
        "training/matrix.html",
        {
            "site": site,
            "on": today,
            "courses": courses,
            "rows": rows,
        },
    )


@login_required
def site_training_matrix_csv(request: HttpRequest, site_id: int) -> HttpResponse:
    """The matrix as shown, for anyone who may see it."""
    site = site_for(request.user, site_id)
    today = timezone.localdate()
    courses, rows = selectors.site_training_matrix(request.user, site, today)
    columns = ["staff_member", "roles", *(f"{c.title} ({c.code})" for c in courses)]
    response = HttpResponse(
        csv_table(columns, selectors.training_matrix_csv_rows(courses, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="training-matrix-{site.ods_code}-{today:%Y-%m-%d}.csv"'
    )
    return response


@login_required
def site_history_download(request: HttpRequest, site_id: int) -> HttpResponse:
    """The whole change history of the site's records, for its coordinators (an inspection)."""
    site = site_for(request.user, site_id, write=True)
    today = timezone.localdate()
    response = HttpResponse(site_history_csv(site), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="change-history-{site.ods_code}-{today:%Y-%m-%d}.csv"'
    )
    return response
