"""The readiness checklist pages: the list (one line per item, filters, search) and each item's
own page (its form, evidence, history and the trials and profiles that need it).

They live in reports because both show what the readiness engine says about each item; the
reads and writes of the checklist itself are sites' (`sites.checklist`, `sites.editing`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from reports.checklist import checklist_page, needs_by_capability
from sites.access import can_write_capability, site_for, writable_categories
from sites.checklist import ChecklistItem, checklist_item
from sites.editing import checklist_item_submit
from sites.forms import CapabilityItemForm
from sites.models import Capability, Site


@login_required
def checklist(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    page = checklist_page(site=site, user=request.user, params=request.GET, on=timezone.localdate())
    return render(
        request,
        "sites/checklist.html",
        {
            "site": site,
            "page": page,
            "writable": writable_categories(request.user, site),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def capability_item(request: HttpRequest, site_id: int, capability_id: int) -> HttpResponse:
    """One checklist item: its own page without JavaScript, a fragment for htmx (opened in the
    list, or an autosave answer)."""
    site = site_for(request.user, site_id)
    capability = get_object_or_404(Capability, pk=capability_id)
    writable = can_write_capability(request.user, site, capability)
    if request.method == "GET":
        item = checklist_item(site, capability, writable=writable)
        if writable:
            item.form = CapabilityItemForm.holding(capability, item.site_capability)
        needs, _ = needs_by_capability(site, request.user, timezone.localdate())
        item.needs = needs.get(capability.pk, [])
        return _render_item(request, site, item)
    if not writable:
        raise Http404("No such checklist item.")
    submission = checklist_item_submit(
        site=site,
        capability=capability,
        user=request.user,
        data=request.POST,
        files=request.FILES,
    )
    if submission.saved:
        return _saved(request, site, capability)
    return _render_item(request, site, submission.item)


def _render_item(request: HttpRequest, site: Site, item: ChecklistItem) -> HttpResponse:
    context = {"site": site, "item": item}
    if request.htmx:
        return render(request, "sites/_capability_item.html", context)
    return render(request, "sites/capability_item.html", context)


def _saved(request: HttpRequest, site: Site, capability: Capability) -> HttpResponse:
    saved_at = timezone.localtime()
    if not request.htmx:
        messages.success(request, f"{capability.name} saved at {saved_at:%H:%M}")
        return redirect(f"{reverse('reports:checklist', args=[site.pk])}#item-{capability.pk}")
    item = checklist_item(site, capability, writable=True)
    item.saved_at = saved_at
    item.form = CapabilityItemForm.holding(capability, item.site_capability)
    response = render(request, "sites/_capability_saved.html", {"site": site, "item": item})
    # Leave what the user is typing alone: only the version, evidence, status line, the list's
    # one-line summary and the history change.
    response["HX-Reswap"] = "none"
    return response
