from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from sites import selectors
from sites.access import site_for
from sites.uploads import evidence_response


@login_required
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    return render(request, "sites/site_detail.html", selectors.site_overview(request.user, site))


@login_required
def evidence_download(request: HttpRequest, site_id: int, doc_id: int) -> FileResponse:
    """An evidence file, only to people who may read its site; never shown inline."""
    site = site_for(request.user, site_id)
    return evidence_response(get_object_or_404(site.documents.all(), pk=doc_id))
