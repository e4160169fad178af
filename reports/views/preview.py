"""The trial form's live preview (htmx): sites ready with the profiles ticked so far, before
the trial is saved. The form's "Preview" button gives the same card without JavaScript
(trials.views renders it through the draft_readiness_summary template tag)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from reports.templatetags.readiness_preview import draft_summary
from trials.access import can_write_trials, trial_for


@login_required
def trial_form_preview(request: HttpRequest) -> HttpResponse:
    if not can_write_trials(request.user):
        raise Http404("No such page.")
    trial_id = request.GET.get("trial")
    trial = trial_for(request.user, trial_id, write=True) if trial_id else None
    context = draft_summary(
        user=request.user, trial=trial, profiles=request.GET.getlist("profiles")
    )
    return render(request, "reports/_readiness_summary.html", context)
