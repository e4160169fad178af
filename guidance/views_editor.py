"""Editor pages: documents and their review dates, drafts with preview, publish, retire.

Only guidance editors see these pages; for anyone else they do not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from atmp_portal.forms import Form
from guidance import selectors, services
from guidance.forms import DocumentForm, DraftForm, PublishForm, SupportsForm, supports_groups
from guidance.models import GuidanceDocument, GuidanceVersion
from guidance.rendering import raw_text_warnings, render_markdown

DRAFT_SAVED = "Draft saved."
PUBLISHED = "Version {number} published."
SUPPORTS_SAVED = "Capabilities and courses saved."
RETIRED = "“{title}” has been retired: it no longer appears in search."


def editor_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_guidance_editor:
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _form_errors_from(form: Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _document(slug: str) -> GuidanceDocument:
    return get_object_or_404(GuidanceDocument, slug=slug)


def _live_document(slug: str) -> GuidanceDocument:
    """A retired document is a record: it has no draft, publish or retire page."""
    document = _document(slug)
    if document.is_retired:
        raise Http404("This document has been retired.")
    return document


@editor_required
def document_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.editor_documents(today=timezone.localdate())
    return render(
        request,
        "guidance/editor/document_list.html",
        {
            "rows": rows,
            "due": [row for row in rows if row.review in selectors.REVIEW_DUE],
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    form = DocumentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                user=request.user,
                slug=data["slug"],
                title=data["title"],
                section=data["section"],
                topics=data["topics"],
                atmp_classes=data["atmp_classes"],
                product_statuses=data["product_statuses"],
                source=data["source"],
            )
            services.draft_create(
                document=document,
                user=request.user,
                title=data["title"],
                summary=data["summary"],
                body_markdown=data["body_markdown"],
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, DRAFT_SAVED)
            return redirect("guidance:editor_draft", slug=document.slug)
    return render(request, "guidance/editor/document_create.html", {"form": form})


@editor_required
def document_manage(request: HttpRequest, slug: str) -> HttpResponse:
    document = _document(slug)
    versions = list(document.versions.order_by("-number"))
    return render(
        request,
        "guidance/editor/document_manage.html",
        {
            "document": document,
            "versions": versions,
            "draft": next((v for v in versions if v.status == GuidanceVersion.Status.DRAFT), None),
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit the draft (started from the current version if there is none); Preview renders it."""
    document = _live_document(slug)
    draft = services.current_draft(document)
    start = draft or services.current_version(document)
    initial = (
        {"title": start.title, "summary": start.summary, "body_markdown": start.body_markdown}
        if start
        else {"title": document.title}
    )
    form = DraftForm(request.POST if request.method == "POST" else None, initial=initial)
    preview, warnings = None, []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = render_markdown(data["body_markdown"])
            warnings = raw_text_warnings(data["body_markdown"])
        else:
            action = services.draft_update if draft else services.draft_create
            try:
                action(
                    document=document,
                    user=request.user,
                    title=data["title"],
                    summary=data["summary"],
                    body_markdown=data["body_markdown"],
                )
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, DRAFT_SAVED)
                if "publish" in request.POST:
                    return redirect("guidance:editor_publish", slug=slug)
                return redirect("guidance:editor_draft", slug=slug)
    elif draft and request.method == "GET":
        preview, warnings = draft.body_html, raw_text_warnings(draft.body_markdown)
    return render(
        request,
        "guidance/editor/draft_edit.html",
        {
            "document": document,
            "form": form,
            "draft": draft,
            "preview": preview,
            "warnings": warnings,
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def draft_publish(request: HttpRequest, slug: str) -> HttpResponse:
    document = _live_document(slug)
    draft = services.current_draft(document)
    if draft is None:
        raise Http404("There is no draft to publish.")
    current = services.current_version(document)
    form = PublishForm(
        request.POST if request.method == "POST" else None, has_current=current is not None
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_publish(
                version=draft, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, PUBLISHED.format(number=version.number))
            return redirect("guidance:editor_document", slug=slug)
    return render(
        request,
        "guidance/editor/draft_publish.html",
        {
            "document": document,
            "draft": draft,
            "form": form,
            "current": current,
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def document_retire(request: HttpRequest, slug: str) -> HttpResponse:
    document = _live_document(slug)
    if request.method == "POST":
        services.document_retire(document=document, user=request.user)
        messages.success(request, RETIRED.format(title=document.title))
        return redirect("guidance:editor_list")
    return render(request, "guidance/editor/document_retire.html", {"document": document})


@editor_required
@require_http_methods(["GET", "POST"])
def document_supports(request: HttpRequest, slug: str) -> HttpResponse:
    """The capabilities and courses a document supports."""
    document = _live_document(slug)
    form = SupportsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.document_links_update(document=document, user=request.user, **form.cleaned_data)
        messages.success(request, SUPPORTS_SAVED)
        return redirect("guidance:editor_document", slug=slug)
    query = request.GET.get("q", "")[:100]
    if request.method == "POST" or "q" in request.GET:
        # Re-shown with errors, or filtered (without JavaScript the filter button sends the
        # ticks with it): what was ticked stays ticked.
        data = request.POST if request.method == "POST" else request.GET
        chosen = (set(data.getlist("capabilities")), set(data.getlist("courses")))
    else:
        chosen = (
            set(document.capabilities.values_list("code", flat=True)),
            set(document.courses.values_list("code", flat=True)),
        )
    capability_groups, course_groups = supports_groups(*chosen, query)
    return render(
        request,
        "guidance/editor/document_supports.html",
        {
            "document": document,
            "form": form,
            "query": query,
            "pickers": [
                (
                    form["capabilities"],
                    capability_groups,
                    "Capabilities this guidance helps a site put in place",
                    "No capability matches: try other words.",
                ),
                (
                    form["courses"],
                    course_groups,
                    "Courses this guidance supports",
                    "No course matches: try other words.",
                ),
            ],
        },
    )
