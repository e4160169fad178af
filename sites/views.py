from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sites import selectors
from sites.access import can_write_capability, site_for, visible_sites, writable_categories
from sites.checklist import ChecklistItem, checklist_for, checklist_item, person
from sites.forms import CapabilityItemForm
from sites.models import Capability, EvidenceDocument, Site
from sites.services import Conflict, capability_update
from sites.uploads import evidence_store


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    sites = visible_sites(request.user).select_related("region").order_by("region__name", "name")
    page = Paginator(sites, 50).get_page(request.GET.get("page"))
    return render(request, "sites/site_list.html", {"page": page})


@login_required
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    return render(request, "sites/site_detail.html", selectors.site_overview(request.user, site))


def _prefix(capability: Capability) -> str:
    return f"cap{capability.pk}"


def _saved_values_form(item: ChecklistItem) -> CapabilityItemForm:
    """The item's form holding what is saved now (or the defaults of an unrecorded item)."""
    return CapabilityItemForm(
        prefix=_prefix(item.capability), initial=CapabilityItemForm.initial_for(item.site_capability)
    )


@login_required
def checklist(request: HttpRequest, site_id: int) -> HttpResponse:
    site = site_for(request.user, site_id)
    categories = checklist_for(site, writable_categories(request.user, site))
    for category in categories:
        for item in category.items:
            if item.writable:
                item.form = _saved_values_form(item)
    return render(request, "sites/checklist.html", {"site": site, "categories": categories})


def _pending_document(site: Site, user, pk: int | None) -> EvidenceDocument | None:
    """A file this user uploaded with a submission that could not be saved yet."""
    if not pk:
        return None
    return site.documents.filter(pk=pk, uploaded_by=user, capabilities__isnull=True).first()


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
            item.form = _saved_values_form(item)
        return _render_item(request, site, item)
    if not writable:
        raise Http404("No such checklist item.")

    form = CapabilityItemForm(request.POST, request.FILES, prefix=_prefix(capability))
    valid = form.is_valid()
    document = _pending_document(site, request.user, form.cleaned_data.get("pending_document"))
    upload = form.cleaned_data.get("evidence")
    if upload and "evidence" not in form.errors:
        # Keep a good file even when another field is wrong: browsers cannot refill file inputs.
        try:
            document = evidence_store(site=site, uploaded_file=upload, user=request.user)
        except ValidationError as exc:
            form.add_error("evidence", exc)
            valid = False
    conflict = None
    if valid:
        data = form.cleaned_data
        try:
            capability_update(
                site=site, capability=capability, user=request.user,
                status=data["status"], notes=data["notes"],
                not_applicable_reason=data["not_applicable_reason"],
                evidence_expires_on=data["evidence_expires_on"],
                expected_version=data["expected_version"], reason=data["reason"],
                new_document=document,
            )
        except Conflict as exc:
            conflict = exc.current
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _saved(request, site, capability)

    item = checklist_item(site, capability, writable=True)
    data = request.POST.copy()
    prefix = _prefix(capability)
    if conflict is not None:
        # Keep the editor's values; the next save knowingly replaces the other person's.
        data[f"{prefix}-expected_version"] = str(conflict.version)
        item.conflict = conflict
        item.conflict_by = _last_editor(conflict)
    data[f"{prefix}-pending_document"] = str(document.pk) if document else ""
    item.form = CapabilityItemForm(data, prefix=prefix)
    item.form.is_valid()
    if form.non_field_errors():
        for error in form.non_field_errors():
            item.form.add_error(None, error)
    if "evidence" in form.errors:
        item.form.add_error("evidence", form.errors["evidence"])
    item.pending = document
    return _render_item(request, site, item)


def _last_editor(site_capability) -> str:
    latest = site_capability.history.select_related("history_user").first()
    return person(latest.history_user) if latest else "someone"


def _render_item(request: HttpRequest, site: Site, item) -> HttpResponse:
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
    item.form = _saved_values_form(item)
    response = render(request, "sites/_capability_saved.html", {"site": site, "item": item})
    # Leave what the user is typing alone: only the version, evidence, status line and history change.
    response["HX-Reswap"] = "none"
    return response


@login_required
def evidence_download(request: HttpRequest, site_id: int, doc_id: int) -> FileResponse:
    """An evidence file, only to people who may read its site; never shown inline."""
    site = site_for(request.user, site_id)
    document = get_object_or_404(site.documents.all(), pk=doc_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such document.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
