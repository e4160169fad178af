"""The site's action plan: plan an action from a gap row, change it, list them all."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from actions.forms import GapActionForm, GapActionUpdateForm, owner_value
from actions.selectors import HISTORY_FIELDS, action_history_rows, site_actions
from actions.services import action_create, action_update
from reports.actions import site_gaps
from sites.access import can_write_site, site_for
from sites.checklist import history_entries


def _back(request: HttpRequest, site) -> str:
    """Where the form returns: the page of this site it was opened from (`next`: the readiness
    page or the dashboard), else the dashboard's action plan. Never another site or host."""
    back = request.POST.get("next") or request.GET.get("next", "")
    if back.startswith(f"/sites/{site.pk}/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return f"{reverse('reports:site-dashboard', args=[site.pk])}#action-plan"


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, site_id: int) -> HttpResponse:
    """Plan an action on one of the site's gaps (`?gap=<requirement key>`; without one, choose
    the gap first), for coordinators."""
    site = site_for(request.user, site_id, write=True)
    key = request.POST.get("gap") or request.GET.get("gap", "")
    back = _back(request, site)
    gaps = site_gaps(site, request.user, timezone.localdate())
    if not key:
        return render(request, "actions/choose_gap.html", {"site": site, "gaps": gaps.values()})
    gap = gaps.get(key)
    if gap is None:
        raise Http404("No such gap at this site.")
    form = GapActionForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        action_create(
            site=site,
            requirement_key=gap.key,
            requirement_label=gap.label,
            owner=form.owner_object(),
            target_date=form.cleaned_data["target_date"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
        messages.success(request, f"Action added for {gap.label}")
        return redirect(back)
    return render(
        request,
        "actions/action_form.html",
        {
            "site": site,
            "gap": gap,
            "form": form,
            "back": back,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, site_id: int, action_id: int) -> HttpResponse:
    site = site_for(request.user, site_id, write=True)
    action = get_object_or_404(site_actions(site), pk=action_id)
    back = _back(request, site)
    initial = {
        "status": action.status,
        "owner": owner_value(action),
        "target_date": action.target_date,
        "note": action.note,
    }
    form = GapActionUpdateForm(request.POST or None, site=site, action=action, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action_update(
            action=action,
            owner=form.owner_object(),
            target_date=data["target_date"],
            status=data["status"],
            note=data["note"],
            reason=data["reason"],
            user=request.user,
        )
        messages.success(request, f"Action on {action.requirement_label} saved")
        return redirect(back)
    history = history_entries(list(action_history_rows(action.history.all())), HISTORY_FIELDS)
    return render(
        request,
        "actions/action_form.html",
        {
            "site": site,
            "action": action,
            "form": form,
            "history": history,
            "back": back,
        },
    )


@login_required
def action_list(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    actions = sorted(site_actions(site), key=lambda a: (not a.is_open, a.target_date, a.pk))
    return render(
        request,
        "actions/action_list.html",
        {
            "site": site,
            "actions": actions,
            "can_write": can_write_site(request.user, site),
        },
    )
