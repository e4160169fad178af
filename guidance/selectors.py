"""Reads for the guidance pages: versions, what changed, who has read what."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from guidance.models import Acknowledgement, GuidanceDocument, GuidanceVersion
from sites.models import Site, SiteMembership

READER_ROLES = (SiteMembership.Role.PHARMACIST, SiteMembership.Role.COORDINATOR)


def document_for(slug: str) -> GuidanceDocument:
    """Any document with a published or superseded version; drafts alone are invisible."""
    document = (
        GuidanceDocument.objects.filter(
            slug=slug,
            versions__status__in=[GuidanceVersion.Status.PUBLISHED,
                                  GuidanceVersion.Status.SUPERSEDED],
        )
        .distinct()
        .first()
    )
    if document is None:
        raise Http404("No such guidance.")
    return document


def version_history(document: GuidanceDocument) -> list[GuidanceVersion]:
    """Published and superseded versions, newest first (drafts are editors' business)."""
    return list(
        document.versions.exclude(status=GuidanceVersion.Status.DRAFT).order_by("-number")
    )


def readable_version(history: list[GuidanceVersion], number: int | None) -> GuidanceVersion:
    """The asked-for version number, or the newest one; 404 if there is no such version."""
    if not history:
        raise Http404("No such guidance.")
    if number is None:
        return history[0]
    for version in history:
        if version.number == number:
            return version
    raise Http404("No such version.")


def previous_in(history: list[GuidanceVersion], version: GuidanceVersion) -> GuidanceVersion | None:
    older = [v for v in history if v.number is not None and v.number < version.number]
    return older[0] if older else None


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added" or "removed"
    text: str


def markdown_diff(old: str, new: str) -> list[DiffLine]:
    """Lines removed from and added to the Markdown, in document order (blank lines skipped)."""
    lines = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        marker, text = line[:2], line[2:]
        if not text.strip():
            continue
        if marker == "+ ":
            lines.append(DiffLine("added", text))
        elif marker == "- ":
            lines.append(DiffLine("removed", text))
    return lines


class Reading(StrEnum):
    READ = "read"
    REREAD = "reread"
    UNREAD = "unread"


def reading_status(user: User, versions: list[GuidanceVersion]) -> dict[int, Reading]:
    """For each current version given: has the user read it, only an older one, or none?

    Keyed by document id. One query whatever the number of versions.
    """
    document_ids = {v.document_id for v in versions}
    read: dict[int, set[int]] = {}
    for document_id, version_id in Acknowledgement.objects.filter(
        user=user, version__document_id__in=document_ids
    ).values_list("version__document_id", "version_id"):
        read.setdefault(document_id, set()).add(version_id)
    status = {}
    for version in versions:
        seen = read.get(version.document_id, set())
        status[version.document_id] = (
            Reading.READ if version.pk in seen else Reading.REREAD if seen else Reading.UNREAD
        )
    return status


@dataclass
class DocumentReaders:
    version: GuidanceVersion
    read: list[User] = field(default_factory=list)
    reread: list[User] = field(default_factory=list)
    unread: list[User] = field(default_factory=list)


def site_readers(site: Site) -> list[User]:
    """The site's pharmacists and coordinators: the people who must keep up with guidance."""
    return list(
        User.objects.filter(
            is_active=True,
            site_memberships__site=site,
            site_memberships__role__in=READER_ROLES,
        ).distinct().order_by("full_name", "email")
    )


def current_versions() -> QuerySet[GuidanceVersion]:
    return GuidanceVersion.objects.filter(
        status=GuidanceVersion.Status.PUBLISHED, document__retired_at__isnull=True
    ).select_related("document").order_by("title")


def site_acknowledgements(site: Site) -> tuple[list[User], list[DocumentReaders]]:
    """Who at the site has read the current version of each live document.

    Three queries whatever the number of people, documents or acknowledgements.
    """
    readers = site_readers(site)
    versions = list(current_versions())
    by_user_document: dict[tuple[int, int], set[int]] = {}
    for user_id, document_id, version_id in Acknowledgement.objects.filter(
        user__in=[u.pk for u in readers],
        version__document_id__in=[v.document_id for v in versions],
    ).values_list("user_id", "version__document_id", "version_id"):
        by_user_document.setdefault((user_id, document_id), set()).add(version_id)
    rows = []
    for version in versions:
        row = DocumentReaders(version=version)
        for user in readers:
            seen = by_user_document.get((user.pk, version.document_id), set())
            bucket = row.read if version.pk in seen else row.reread if seen else row.unread
            bucket.append(user)
        rows.append(row)
    return readers, rows
