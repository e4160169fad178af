from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from sites import selectors
from sites.access import site_for, visible_sites
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
def evidence_download(request: HttpRequest, site_id: int, doc_id: int) -> FileResponse:
    """An evidence file, only to people who may read its site; never shown inline."""
    site = site_for(request.user, site_id)
    return evidence_response(get_object_or_404(site.documents.all(), pk=doc_id))
