from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sites import selectors
from sites.access import can_write_capability, site_for, visible_sites, writable_categories
from sites.checklist import ChecklistItem, checklist_for, checklist_item
from sites.editing import checklist_item_submit
from sites.forms import CapabilityItemForm
from sites.models import Capability, Site
from sites.uploads import evidence_response


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    sites = visible_sites(request.user).select_related("region").order_by("region__name", "name")
    page = Paginator(sites, 50).get_page(request.GET.get("page"))
    return render(request, "sites/site_list.html", {"page": page})


@login_required
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    return render(request, "sites/site_detail.html", selectors.site_overview(request.user, site))


@login_required
def checklist(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    categories = checklist_for(site, writable_categories(request.user, site))
    for category in categories:
        for item in category.items:
            if item.writable:
                item.form = CapabilityItemForm.holding(item.capability, item.site_capability)
    return render(request, "sites/checklist.html", {"site": site, "categories": categories})


@login_required
@require_http_methods(["GET", "POST"])
def capability_item(request: HttpRequest, site_id: int, capability_id: int) -> HttpResponse:
    """One checklist item: its own page without JavaScript, a fragment for htmx autosave."""
    site = site_for(request.user, site_id)
    capability = get_object_or_404(Capability, pk=capability_id)
    writable = can_write_capability(request.user, site, capability)
    if request.method == "GET":
        item = checklist_item(site, capability, writable=writable)
        if writable:
            item.form = CapabilityItemForm.holding(capability, item.site_capability)
        return _render_item(request, site, item)
    if not writable:
        raise Http404("No such checklist item.")
    submission = checklist_item_submit(
        site=site, capability=capability, user=request.user,
        data=request.POST, files=request.FILES,
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
        return redirect(f"{reverse('sites:checklist', args=[site.pk])}#cap-{capability.pk}")
    item = checklist_item(site, capability, writable=True)
    item.saved_at = saved_at
    item.form = CapabilityItemForm.holding(capability, item.site_capability)
    response = render(request, "sites/_capability_saved.html", {"site": site, "item": item})
    # Leave what the user is typing alone: only the version, evidence, status line and history change.
    response["HX-Reswap"] = "none"
    return response


@login_required
def evidence_download(request: HttpRequest, site_id: int, doc_id: int) -> FileResponse:
    """An evidence file, only to people who may read its site; never shown inline."""
    site = site_for(request.user, site_id)
    return evidence_response(get_object_or_404(site.documents.all(), pk=doc_id))
