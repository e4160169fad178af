from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from guidance.models import GuidanceDocument, GuidanceVersion


def _published():
    return GuidanceVersion.objects.filter(
        status=GuidanceVersion.Status.PUBLISHED, document__retired_at__isnull=True
    ).select_related("document")


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    versions = _published().order_by("document__section", "title")
    return render(request, "guidance/guidance_list.html", {"versions": versions})


@login_required
def guidance_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version = _published().filter(document__slug=slug).first()
    if version is None:
        raise Http404("No such guidance.")
    document: GuidanceDocument = version.document
    return render(request, "guidance/guidance_detail.html", {"version": version, "document": document})
