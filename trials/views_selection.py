"""Site selection pages: network coordinators move a site along; the site's coordinator answers
an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sites.access import visible_sites
from trials import services
from trials.access import (
    can_move_trial_site,
    is_site_coordinator,
    trial_for,
    trial_site_for,
    visible_trial_sites,
)
from trials.forms import BulkSelectionForm, InvitationAnswerForm, TrialSiteMoveForm
from trials.models import SITE_ANSWERS, TRANSITIONS, TrialSite


def _network_trial(request: HttpRequest, trial_id: int):
    return trial_for(request.user, trial_id, write=True)


def _add_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def trial_sites(request: HttpRequest, trial_id: int) -> HttpResponse:
    trial = _network_trial(request, trial_id)
    rows = visible_trial_sites(request.user, trial).order_by("site__name")
    return render(request, "trials/trial_sites.html", {"trial": trial, "trial_sites": rows})


@login_required
@require_POST
def trial_sites_bulk(request: HttpRequest, trial_id: int) -> HttpResponse:
    """Shortlist or invite the sites ticked on the ranking page. A site outside the user's
    scope is not a choice: the whole request is a 404, as for any invisible site."""
    trial = _network_trial(request, trial_id)
    form = BulkSelectionForm(request.POST, sites=visible_sites(request.user))
    if not form.is_valid():
        if "sites" in form.errors and request.POST.getlist("sites"):
            raise Http404("No such site.")
        return render(
            request, "trials/trial_sites_bulk.html", {"trial": trial, "form": form}, status=400
        )
    data = form.cleaned_data
    try:
        changed, skipped = services.trial_sites_add(
            trial=trial,
            sites=list(data["sites"]),
            status=data["action"],
            user=request.user,
            respond_by=data["respond_by"],
            message=data["message"],
        )
    except ValidationError as error:
        _add_errors(form, error)
        return render(
            request, "trials/trial_sites_bulk.html", {"trial": trial, "form": form}, status=400
        )
    verb = dict(BulkSelectionForm.ACTIONS)[data["action"]].lower()
    messages.success(
        request,
        f"{len(changed)} sites {verb}d"
        + (f"; {len(skipped)} left as they were" if skipped else "")
        + ".",
    )
    return redirect("trials:sites", trial.pk)


def _site_history(trial_site: TrialSite) -> list:
    return list(trial_site.history.select_related("history_user").order_by("-history_date"))


@login_required
def trial_site(request: HttpRequest, trial_id: int, site_id: int) -> HttpResponse:
    """One site's place in the selection: its story, and the network coordinator's next step."""
    trial = _network_trial(request, trial_id)
    current = trial_site_for(request.user, trial, site_id)
    statuses = tuple(
        s
        for s in TRANSITIONS[current.status]
        if s not in SITE_ANSWERS and can_move_trial_site(request.user, current, s)
    )
    form = TrialSiteMoveForm(request.POST or None, statuses=statuses)
    if request.method == "POST" and form.is_valid():
        try:
            services.trial_site_move(
                trial_site=current,
                status=form.cleaned_data["status"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                respond_by=form.cleaned_data["respond_by"],
                message=form.cleaned_data["message"],
            )
            return redirect("trials:site", trial.pk, current.site_id)
        except ValidationError as error:
            _add_errors(form, error)
    return render(
        request,
        "trials/trial_site.html",
        {
            "trial": trial,
            "trial_site": current,
            "form": form if statuses else None,
            "history": _site_history(current),
            "can_invite": TrialSite.Status.INVITED in statuses,
        },
        status=400 if form.errors else 200,
    )


@login_required
def invitation_answer(request: HttpRequest, trial_id: int, site_id: int) -> HttpResponse:
    """The site coordinator's answer to an invitation (interested or declined, with why)."""
    trial = trial_for(request.user, trial_id)
    current = trial_site_for(request.user, trial, site_id)
    if not is_site_coordinator(request.user, current.site_id):
        raise Http404("No such invitation.")
    form = InvitationAnswerForm(request.POST or None)
    if request.method == "POST" and current.is_awaiting_answer and form.is_valid():
        try:
            services.trial_site_move(
                trial_site=current,
                status=form.cleaned_data["status"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Your answer has been sent to the network coordinator.")
            return redirect("trials:site_answer", trial.pk, current.site_id)
        except ValidationError as error:
            _add_errors(form, error)
    return render(
        request,
        "trials/invitation_answer.html",
        {
            "trial": trial,
            "trial_site": current,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
