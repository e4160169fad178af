"""Writes to guidance: documents, drafts, publication, retirement and acknowledgements."""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from guidance import tasks
from guidance.models import Acknowledgement, GuidanceDocument, GuidanceVersion
from guidance.rendering import html_to_text, render_markdown

DRAFT_EXISTS = "This document already has a draft: edit that draft instead."
NO_DRAFT = "This document has no draft to edit."
NOT_A_DRAFT = "Only a draft can be published."
DOCUMENT_RETIRED = "This document has been retired: it can no longer be changed or published."
ALREADY_RETIRED = "This document has already been retired."
REVIEW_BEFORE_EFFECTIVE = "The review date must be after the effective date."
CHANGE_NOTE_REQUIRED = "Say what changed in this version."
TITLE_REQUIRED = "Enter a title."
SUMMARY_REQUIRED = "Enter a summary."
BODY_REQUIRED = "Enter the guidance text."
NOT_ACKNOWLEDGEABLE = "Only the current version of live guidance can be acknowledged."

SEARCH_CONFIG = "english"


def search_vector_expression() -> SearchVector:
    """Title weighs most (A), then summary (B), then body (C): see guidance.search."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body_text", weight="C", config=SEARCH_CONFIG)
    )


def search_vector_refresh(*, versions) -> int:
    """Recompute the stored vector of the given versions (PostgreSQL only; SQLite has none).

    Derived data: it may be rewritten on a published version, unlike the content it is built from.
    """
    if connection.vendor != "postgresql":
        return 0
    return versions.update_record_fields(search_vector=search_vector_expression())


def _text(value: str) -> str:
    # NUL is never meaningful in guidance and PostgreSQL text cannot hold it.
    return (value or "").replace("\x00", "")


def _check_content(*, title: str, summary: str, body_markdown: str) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = TITLE_REQUIRED
    if not (summary or "").strip():
        errors["summary"] = SUMMARY_REQUIRED
    if not (body_markdown or "").strip():
        errors["body_markdown"] = BODY_REQUIRED
    if errors:
        raise ValidationError(errors)


def _render_into(version: GuidanceVersion) -> None:
    version.body_html = render_markdown(version.body_markdown)
    version.body_text = html_to_text(version.body_html)


def _write_content(
    version: GuidanceVersion, *, title: str, summary: str, body_markdown: str
) -> None:
    """Check the draft's content, store it cleaned, and render it."""
    _check_content(title=title, summary=summary, body_markdown=body_markdown)
    version.title = _text(title).strip()
    version.summary = _text(summary).strip()
    version.body_markdown = _text(body_markdown)
    _render_into(version)


def _locked_live_document(document: GuidanceDocument) -> GuidanceDocument:
    """The document, locked against concurrent drafts and publication; refused once retired."""
    document = GuidanceDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_retired:
        raise ValidationError(DOCUMENT_RETIRED)
    return document


@transaction.atomic
def document_create(
    *,
    user: User,
    slug: str,
    title: str,
    section: str,
    topics: list[str],
    atmp_classes: list[str],
    product_statuses: list[str],
    source: str = "",
) -> GuidanceDocument:
    document = GuidanceDocument(
        slug=slug,
        title=title.strip(),
        section=section,
        topics=list(topics),
        atmp_classes=list(atmp_classes),
        product_statuses=list(product_statuses),
        source=source.strip(),
    )
    document.full_clean()
    document._change_reason = "Created"
    document.save()
    return document


def current_draft(document: GuidanceDocument) -> GuidanceVersion | None:
    return document.versions.filter(status=GuidanceVersion.Status.DRAFT).first()


def current_version(document: GuidanceDocument) -> GuidanceVersion | None:
    """The published version, if any: the one readers see and a new version supersedes."""
    return document.versions.filter(status=GuidanceVersion.Status.PUBLISHED).first()


@transaction.atomic
def draft_create(
    *, document: GuidanceDocument, user: User, title: str, summary: str, body_markdown: str
) -> GuidanceVersion:
    document = _locked_live_document(document)
    if current_draft(document) is not None:
        raise ValidationError(DRAFT_EXISTS)
    version = GuidanceVersion(document=document, created_by=user)
    _write_content(version, title=title, summary=summary, body_markdown=body_markdown)
    version._change_reason = "Draft created"
    version.save()
    return version


@transaction.atomic
def draft_update(
    *, document: GuidanceDocument, user: User, title: str, summary: str, body_markdown: str
) -> GuidanceVersion:
    version = current_draft(_locked_live_document(document))
    if version is None:
        raise ValidationError(NO_DRAFT)
    _write_content(version, title=title, summary=summary, body_markdown=body_markdown)
    version._change_reason = f"Draft edited by {user.email}"
    version.save()
    return version


@transaction.atomic
def version_publish(
    *,
    version: GuidanceVersion,
    user: User,
    change_note: str,
    effective_date: dt.date,
    review_due: dt.date,
    needs_reread: bool = True,
) -> GuidanceVersion:
    """Publish a draft as the next version; the version it replaces stays readable, superseded.

    `needs_reread`: the editor's choice for a version after the first. True (a change readers must
    know) asks everyone who read an earlier version to read this one: an e-mail, a home-page
    notice, and their earlier acknowledgement no longer counts. False (a typo fixed) tells nobody
    and earlier readers stay "read". The first version always needs reading.
    """
    document = GuidanceDocument.objects.select_for_update().get(pk=version.document_id)
    version = GuidanceVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != GuidanceVersion.Status.DRAFT:
        raise ValidationError(NOT_A_DRAFT)
    if document.is_retired:
        raise ValidationError(DOCUMENT_RETIRED)
    errors = {}
    if not (change_note or "").strip():
        errors["change_note"] = CHANGE_NOTE_REQUIRED
    if effective_date and review_due and review_due <= effective_date:
        errors["review_due"] = REVIEW_BEFORE_EFFECTIVE
    if errors:
        raise ValidationError(errors)

    previous = current_version(document)
    if previous is not None:
        # The one transition a record may make; done first so the one-published constraint holds.
        previous.status = GuidanceVersion.Status.SUPERSEDED
        previous._change_reason = f"Superseded by a new version published by {user.email}"
        previous.save(update_fields=["status"], _allow_status_change=True)
        # Only current versions are searched: dropping the old vector keeps the index small.
        GuidanceVersion.objects.filter(pk=previous.pk).update_record_fields(search_vector=None)

    highest = document.versions.aggregate(highest=Max("number"))["highest"] or 0
    version.number = highest + 1
    version.needs_reread = bool(needs_reread) or previous is None
    # The last version readers must have read: this one, or (no re-read) the one before's.
    version.reread_from = (
        version.number if version.needs_reread else (previous.reread_from or previous.number)
    )
    version.status = GuidanceVersion.Status.PUBLISHED
    version.change_note = _text(change_note).strip()
    version.effective_date = effective_date
    version.review_due = review_due
    version.published_by = user
    version.published_at = timezone.now()
    _render_into(version)
    version._change_reason = f"Published as version {version.number}" + (
        ""
        if previous is None
        else "; earlier readers must re-read it"
        if version.needs_reread
        else f"; no re-read needed (reading version {version.reread_from} or later counts)"
    )
    version.save()
    search_vector_refresh(versions=GuidanceVersion.objects.filter(pk=version.pk))
    if previous is not None and version.needs_reread:
        # Everyone who read an earlier version must read this one: tell them once it is stored.
        version_id = version.pk
        # robust: a broker outage must not fail a publication already stored; the hourly
        # sweep (tasks.sweep_reread_notices) sends what this message did not.
        transaction.on_commit(lambda: tasks.send_reread_notices.delay(version_id), robust=True)
    return version


@transaction.atomic
def document_links_update(
    *, document: GuidanceDocument, user: User, capabilities, courses
) -> GuidanceDocument:
    """Set the capabilities and courses a document supports; the history records the change."""
    document = _locked_live_document(document)
    document._change_reason = f"Capabilities and courses set by {user.email}"
    document.capabilities.set(capabilities)
    document.courses.set(courses)
    # simple-history records m2m changes with the next save of the document.
    document.save()
    return document


@transaction.atomic
def document_retire(*, document: GuidanceDocument, user: User) -> GuidanceDocument:
    """Take a document out of search and lists; its versions stay as records."""
    document = GuidanceDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_retired:
        raise ValidationError(ALREADY_RETIRED)
    document.retired_at = timezone.now()
    document._change_reason = f"Retired by {user.email}"
    document.save()
    return document


@transaction.atomic
def acknowledgement_record(*, version: GuidanceVersion, user: User) -> Acknowledgement:
    """Record that the user read this version. Idempotent: reading twice keeps the first record."""
    # Read the status afresh: the page the user read may be older than the latest publication.
    version = GuidanceVersion.objects.select_related("document").get(pk=version.pk)
    if version.status != GuidanceVersion.Status.PUBLISHED or version.document.is_retired:
        raise ValidationError(NOT_ACKNOWLEDGEABLE)
    acknowledgement, _ = Acknowledgement.objects.get_or_create(user=user, version=version)
    return acknowledgement
