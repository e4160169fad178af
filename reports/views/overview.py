"""The network coordinator's views of readiness across their scope: the national / regional
overview (map, regions, most common blockers, trend), its CSV exports, and the trial set-up
page's live preview. Same engine and access rules as the ranking, so the figures agree."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from reports import readiness
from reports.csvexport import csv_table
from reports.overview import MARK_SHAPES, build_overview, marks_svg, scope_summary
from reports.trendchart import trend_chart
from reports.views.readiness import (
    ReadinessQueryForm,
    SiteFilterForm,
    _as_of,
    _chosen_set,
    _querystring_without_page,
    narrowed,
)
from sites.access import visible_sites
from sites.selectors import SiteRef, site_refs
from trials.access import can_write_trials, trial_for, visible_trials
from trials.forms import CapabilityRequirementForm, OverrideForm, TrainingRequirementForm
from trials.models import RequirementProfile, TrainingRequirement, Trial
from trials.selectors import inherited_requirements

OVERVIEW_PAGE_SIZE = 50


def _proposed_change(request: HttpRequest, trial: Trial) -> dict:
    """The requirement or override being entered in one of the set-up page's forms (each
    form sends only its own fields); {} when none is complete enough to preview."""
    capability = CapabilityRequirementForm(request.GET, prefix="cap")
    if "cap-capabilities" in request.GET and capability.is_valid():
        return {
            "capabilities": list(capability.cleaned_data["capabilities"]),
            "capability_level": capability.cleaned_data["level"],
        }
    training = TrainingRequirementForm(request.GET, prefix="train")
    if "train-course" in request.GET and training.is_valid():
        data = training.cleaned_data
        return {
            "training": TrainingRequirement(
                course=data["course"],
                role=data["role"],
                min_staff=data["min_staff"],
                level=data["level"],
            )
        }
    if "ovr-requirement" in request.GET:
        override = OverrideForm(request.GET, prefix="ovr", inherited=inherited_requirements(trial))
        override.is_valid()  # the reason may still be empty while previewing
        data = override.cleaned_data
        if "requirement" in data and "level" in data:
            return {"override": (data["requirement"], data["level"])}
    return {}


@login_required
def trial_preview(request: HttpRequest, trial_id: int) -> HttpResponse:
    """htmx: the readiness summary of the trial as it would be with the change being entered."""
    trial = trial_for(request.user, trial_id, write=True)
    change = _proposed_change(request, trial)
    requirements = readiness.requirement_set_for_draft(trial, **change)
    sites = site_refs(visible_sites(request.user).order_by("name", "pk"))
    summary = scope_summary(sites=sites, requirements=requirements, on=timezone.localdate())
    return render(
        request,
        "reports/_readiness_summary.html",
        {
            "summary": summary,
            "trial": trial,
            "proposed": bool(change),
        },
    )


def _scope(request: HttpRequest):
    """(form, requirement set or None, the sites in scope and region, as-of date); 404 for
    a trial, profile or region the user may not see. Network coordinators only."""
    if not can_write_trials(request.user):
        raise Http404("No such page.")
    trials = list(visible_trials(request.user).order_by("short_title"))
    profiles = list(RequirementProfile.objects.order_by("name"))
    sites = site_refs(visible_sites(request.user).order_by("name", "pk"))
    regions = sorted({site.region for site in sites}, key=lambda r: r.name)
    form = ReadinessQueryForm(
        request.GET or None, trials=trials, profiles=profiles, regions=regions
    )
    if form.is_bound and (form.refers_to_unknown() or "region" in form.errors):
        raise Http404("No such trial, profile or region.")
    requirement_set = _chosen_set(form, trials, profiles)
    region_code = form.cleaned_data.get("region") if form.is_valid() else ""
    if region_code:
        sites = [s for s in sites if s.region.code == region_code]
    region = next((r for r in regions if r.code == region_code), None)
    return form, requirement_set, sites, region, _as_of(form)


@login_required
def national_overview(request: HttpRequest) -> HttpResponse:
    form, requirement_set, sites, region, on = _scope(request)
    context = {
        "form": form,
        "overview": None,
        "region": region,
        "on": on,
        "querystring": _querystring_without_page(request),
    }
    if requirement_set is not None:
        overview = build_overview(sites=sites, requirements=requirement_set, on=on)
        context |= {
            "overview": overview,
            "chart": trend_chart(overview.trend),
            # The table beside the map, a page at a time (every site is on the map).
            "sites_page": Paginator(overview.assessments, OVERVIEW_PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "mark_shapes": mark_safe(MARK_SHAPES),  # noqa: S308 (a constant of ours)
            "marks_svg": marks_svg(overview.marks, context["querystring"]),
        }
    return render(request, "reports/overview.html", context)


def _csv(content: bytes, name: str, on: dt.date) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{on:%Y-%m-%d}.csv"'
    return response


def _required(requirement_set) -> readiness.RequirementSet:
    if requirement_set is None:
        raise Http404("Choose a trial or a requirement profile.")
    return requirement_set


@login_required
def blockers_csv(request: HttpRequest) -> HttpResponse:
    """The most-common-blockers table as the overview shows it."""
    _, requirement_set, sites, _, on = _scope(request)
    summary = scope_summary(sites=sites, requirements=_required(requirement_set), on=on)
    rows = [
        (b.requirement, b.kind, b.sites_blocked, b.sites_assessed, on) for b in summary.blockers
    ]
    content = csv_table(["requirement", "kind", "sites_blocked", "sites_assessed", "as_of"], rows)
    return _csv(content, "blockers", on)


def _ranking_rows(request: HttpRequest, sites: list[SiteRef], requirement_set, on: dt.date):
    ranked = readiness.rank(
        readiness.assess(sites=sites, requirements=requirement_set, on=on, summary_only=True)
    )
    ranked = narrowed(ranked, SiteFilterForm(request.GET))
    for position, a in enumerate(ranked, start=1):
        score = "" if a.score is None else a.score_percent
        yield (
            position,
            a.site.name,
            a.site.ods_code,
            a.site.region.name,
            "ready" if a.ready else "not ready",
            score,
            a.blockers,
            a.warnings,
            a.expiring,
            on,
        )


@login_required
def ranking_csv(request: HttpRequest) -> HttpResponse:
    """The ranking page's table as shown: the same trial or profile, region, date, filters
    and order."""
    _, requirement_set, sites, _, on = _scope(request)
    columns = [
        "rank",
        "site",
        "ods_code",
        "region",
        "ready",
        "score_percent",
        "blockers",
        "warnings",
        "expiring",
        "as_of",
    ]
    return _csv(
        csv_table(columns, _ranking_rows(request, sites, _required(requirement_set), on)),
        "ranking",
        on,
    )
