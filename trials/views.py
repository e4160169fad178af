from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trials.access import trial_for, visible_trial_sites, visible_trials


@login_required
def trial_list(request: HttpRequest) -> HttpResponse:
    trials = visible_trials(request.user).prefetch_related("profiles").order_by("short_title")
    return render(request, "trials/trial_list.html", {"trials": trials})


@login_required
def trial_detail(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = trial_for(request.user, trial_id)
    context = {
        "trial": trial,
        "trial_sites": visible_trial_sites(request.user, trial),
        "profiles": trial.profiles.all(),
        "capability_requirements": trial.capability_requirements.prefetch_related("capabilities"),
        "training_requirements": trial.training_requirements.select_related("course"),
    }
    return render(request, "trials/trial_detail.html", context)
