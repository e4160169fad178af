"""Pharmacist pages: search and browse, read a version, acknowledge it, see who has read what."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from guidance import search as guidance_search
from guidance import selectors, services
from guidance.diff import rendered_diff
from guidance.forms import SearchForm, search_params
from guidance.models import GuidanceVersion
from sites.access import site_for, visible_sites

RESULTS_PER_PAGE = 20
ACKNOWLEDGED = "You have confirmed that you read version {number}."
NEWER_VERSION = "A newer version has been published since you opened this page: read it first."


def _label_with_counts(form: SearchForm, facets: list) -> None:
    """Each filter option names how many results it would give with this query."""
    for facet in facets:
        counts = {option.code: option.count for option in facet.options}
        field = form.fields[facet.name]
        field.choices = [
            (code, f"{label} ({counts.get(code, 0)})" if code else label)
            for code, label in field.choices
        ]


@login_required
def guidance_list(request: HttpRequest) -> HttpResponse:
    """Search and browse: an empty query lists all live guidance (narrowed by the filters)."""
    form = SearchForm(search_params(request.GET) if request.GET else None)
    filters = {"q": "", "section": "", "topic": "", "atmp_class": ""}
    if form.is_bound and form.is_valid():
        filters.update(form.cleaned_data)
    found = guidance_search.find(
        user=request.user,
        q=filters["q"],
        section=filters["section"] or None,
        topic=filters["topic"] or None,
        atmp_class=filters["atmp_class"] or None,
    )
    results = found.results if not form.errors else GuidanceVersion.objects.none()
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    versions = list(page.object_list)
    status = selectors.reading_status(request.user, versions)
    rows = [
        {"version": v, "snippet": found.snippet(v), "reading": status[v.document_id]}
        for v in versions
    ]
    facets = found.facets() if not form.errors else []
    _label_with_counts(form, facets)
    few = bool(found.text) and not form.errors and (found.most_words or not page.paginator.count)
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "guidance/guidance_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "query": filters["q"],
            "most_words": found.most_words,
            "suggestion": found.suggestion if few else None,
            "suggestion_query": urlencode({**kept, "q": found.suggestion})
            if few and found.suggestion
            else "",
            "searching": any(filters.values()),
            "filtered": any(filters[k] for k in ("section", "topic", "atmp_class")),
            "querystring": urlencode(kept),
            "topic_facet": next((f for f in facets if f.name == "topic"), None),
            "topic_link": urlencode({k: v for k, v in kept.items() if k != "topic"}),
        },
    )


def _document_page(request: HttpRequest, slug: str, number: int | None) -> HttpResponse:
    document = selectors.document_for(slug)
    history = selectors.version_history(document)
    version = selectors.readable_version(history, number)
    previous = selectors.previous_in(history, version)
    current = history[0]
    reading = selectors.reading_status(request.user, [current])[document.pk]
    acknowledgement = (
        selectors.acknowledgement_counted(request.user, current)
        if reading == selectors.Reading.READ
        else None
    )
    return render(
        request,
        "guidance/guidance_detail.html",
        {
            "document": document,
            "version": version,
            "current": current,
            "previous": previous,
            "changes": rendered_diff(previous.body_html, version.body_html) if previous else [],
            "history": history,
            "reading": reading,
            "acknowledgement": acknowledgement,
            "can_acknowledge": version.is_current and not document.is_retired,
            "capabilities": list(document.capabilities.order_by("name")),
            "courses": list(document.courses.order_by("title")),
        },
    )


@login_required
def guidance_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _document_page(request, slug, None)


@login_required
def guidance_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _document_page(request, slug, number)


@login_required
@require_POST
def guidance_acknowledge(request: HttpRequest, slug: str) -> HttpResponse:
    """ "I have read this version": idempotent, and only for the version the reader was shown."""
    document = selectors.document_for(slug)
    current = selectors.readable_version(selectors.version_history(document), None)
    if request.POST.get("version") != str(current.number):
        messages.error(request, NEWER_VERSION)
        return redirect("guidance:detail", slug=slug)
    try:
        services.acknowledgement_record(version=current, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, ACKNOWLEDGED.format(number=current.number))
    return redirect("guidance:detail", slug=slug)


@login_required
def acknowledgements_index(request: HttpRequest) -> HttpResponse:
    sites = list(visible_sites(request.user).order_by("name"))
    if len(sites) == 1:
        return redirect("guidance:acknowledgements_site", site_id=sites[0].pk)
    return render(request, "guidance/acknowledgements_index.html", {"sites": sites})


@login_required
def acknowledgements_site(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    readers, rows = selectors.site_acknowledgements(site)
    return render(
        request,
        "guidance/acknowledgements_site.html",
        {
            "site": site,
            "readers": readers,
            "rows": rows,
            "outstanding": sum(len(r.reread) + len(r.unread) for r in rows),
        },
    )
