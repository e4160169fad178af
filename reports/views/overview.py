"""The network coordinator's readiness previews (and, later, the national overview)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports import readiness
from reports.overview import scope_summary
from sites.access import visible_sites
from sites.selectors import site_refs
from trials.access import trial_for
from trials.forms import CapabilityRequirementForm, OverrideForm, TrainingRequirementForm
from trials.models import TrainingRequirement, Trial
from trials.selectors import inherited_requirements


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
        return {"training": TrainingRequirement(
            course=data["course"], role=data["role"], min_staff=data["min_staff"],
            level=data["level"],
        )}
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
    return render(request, "reports/_readiness_summary.html", {
        "summary": summary, "trial": trial, "proposed": bool(change),
    })
