"""Reads for the guidance pages: versions, what changed, who has read what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Coalesce
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
            versions__status__in=[
                GuidanceVersion.Status.PUBLISHED,
                GuidanceVersion.Status.SUPERSEDED,
            ],
        )
        .distinct()
        .first()
    )
    if document is None:
        raise Http404("No such guidance.")
    return document


def version_history(document: GuidanceDocument) -> list[GuidanceVersion]:
    """Published and superseded versions, newest first (drafts are editors' business)."""
    return list(document.versions.exclude(status=GuidanceVersion.Status.DRAFT).order_by("-number"))


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


class Reading(StrEnum):
    READ = "read"
    REREAD = "reread"
    UNREAD = "unread"


def _versions_read(
    user_ids: Iterable[int], document_ids: Iterable[int]
) -> dict[tuple[int, int], set[int]]:
    """(user id, document id) -> the numbers of the document's versions that user has read."""
    read: dict[tuple[int, int], set[int]] = {}
    for user_id, document_id, number in Acknowledgement.objects.filter(
        user_id__in=user_ids, version__document_id__in=document_ids
    ).values_list("user_id", "version__document_id", "version__number"):
        read.setdefault((user_id, document_id), set()).add(number)
    return read


def must_have_read(version: GuidanceVersion) -> int:
    """The lowest version number whose acknowledgement still counts for this current version.

    A version published without a re-read (a typo fixed) keeps the one before's: who read that
    has read what matters.
    """
    return version.reread_from or version.number


def _reading(version: GuidanceVersion, read: set[int]) -> Reading:
    """Read this version (or one since the last that needed a re-read); read only an older one,
    so must re-read; or never read the document."""
    if any(number >= must_have_read(version) for number in read):
        return Reading.READ
    return Reading.REREAD if read else Reading.UNREAD


def acknowledgement_counted(user: User, version: GuidanceVersion) -> Acknowledgement | None:
    """The user's latest acknowledgement that counts for this current version, if any."""
    return (
        Acknowledgement.objects.filter(
            user=user,
            version__document_id=version.document_id,
            version__number__gte=must_have_read(version),
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def reading_status(user: User, versions: list[GuidanceVersion]) -> dict[int, Reading]:
    """For each current version given: has the user read it, only an older one, or none?

    Keyed by document id. One query whatever the number of versions.
    """
    read = _versions_read([user.pk], {v.document_id for v in versions})
    return {v.document_id: _reading(v, read.get((user.pk, v.document_id), set())) for v in versions}


@dataclass
class DocumentReaders:
    version: GuidanceVersion
    read: list[User] = field(default_factory=list)
    reread: list[User] = field(default_factory=list)
    unread: list[User] = field(default_factory=list)

    def add(self, user: User, reading: Reading) -> None:
        buckets = {
            Reading.READ: self.read,
            Reading.REREAD: self.reread,
            Reading.UNREAD: self.unread,
        }
        buckets[reading].append(user)


def site_readers(site: Site) -> list[User]:
    """The site's pharmacists and coordinators: the people who must keep up with guidance."""
    return list(
        User.objects.filter(
            is_active=True,
            site_memberships__site=site,
            site_memberships__role__in=READER_ROLES,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def current_versions() -> QuerySet[GuidanceVersion]:
    """The published version of every live (not retired) document, with its document."""
    # "Not retired" as an anti-join on the (few) retired documents rather than a join on every
    # document: search's ranking and count queries then need no join at all unless a facet is
    # given (guidance.search).
    retired = GuidanceDocument.objects.filter(pk=OuterRef("document_id"), retired_at__isnull=False)
    return GuidanceVersion.objects.filter(
        ~Exists(retired), status=GuidanceVersion.Status.PUBLISHED
    ).select_related("document")


def site_acknowledgements(site: Site) -> tuple[list[User], list[DocumentReaders]]:
    """Who at the site has read the current version of each live document.

    Three queries whatever the number of people, documents or acknowledgements.
    """
    readers = site_readers(site)
    versions = list(current_versions().order_by("title"))
    read = _versions_read([u.pk for u in readers], [v.document_id for v in versions])
    rows = []
    for version in versions:
        row = DocumentReaders(version=version)
        for user in readers:
            row.add(user, _reading(version, read.get((user.pk, version.document_id), set())))
        rows.append(row)
    return readers, rows


REVIEW_SOON_DAYS = 60


class ReviewStatus(StrEnum):
    RETIRED = "retired"
    UNPUBLISHED = "unpublished"
    OVERDUE = "overdue"
    SOON = "soon"
    OK = "ok"


# The statuses an editor must act on: the review list and the monthly reminder.
REVIEW_DUE = (ReviewStatus.OVERDUE, ReviewStatus.SOON)


def review_status(
    document: GuidanceDocument, current: GuidanceVersion | None, today: dt.date
) -> ReviewStatus:
    """Past its review date, within REVIEW_SOON_DAYS of it, fine, or not applicable."""
    if document.is_retired:
        return ReviewStatus.RETIRED
    if current is None or current.review_due is None:
        return ReviewStatus.UNPUBLISHED
    if current.is_review_overdue(today):
        return ReviewStatus.OVERDUE
    if (current.review_due - today).days <= REVIEW_SOON_DAYS:
        return ReviewStatus.SOON
    return ReviewStatus.OK


@dataclass
class EditorRow:
    document: GuidanceDocument
    current: GuidanceVersion | None
    draft: GuidanceVersion | None
    review: ReviewStatus


def editor_documents(*, today: dt.date) -> list[EditorRow]:
    """Every document with its current version, draft and review status (two queries)."""
    # The list shows numbers, statuses and dates: the versions' texts stay in the database.
    versions = GuidanceVersion.objects.defer(
        "summary", "body_markdown", "body_html", "body_text", "search_vector"
    ).order_by("-number")
    documents = GuidanceDocument.objects.prefetch_related(
        Prefetch("versions", queryset=versions)
    ).order_by("retired_at", "title")
    rows = []
    for document in documents:
        versions_ = list(document.versions.all())
        current = next((v for v in versions_ if v.is_current), None)
        draft = next((v for v in versions_ if v.status == GuidanceVersion.Status.DRAFT), None)
        rows.append(EditorRow(document, current, draft, review_status(document, current, today)))
    return rows


def rereads_for(user: User) -> list[GuidanceVersion]:
    """Current versions the user must re-read: read a version before the last one that needed a
    re-read, and none since. One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    read_earlier = Acknowledgement.objects.filter(
        user=user,
        version__document_id=OuterRef("document_id"),
        version__number__lt=OuterRef("_must_have_read"),
    )
    read_since = Acknowledgement.objects.filter(
        user=user,
        version__document_id=OuterRef("document_id"),
        version__number__gte=OuterRef("_must_have_read"),
    )
    return list(
        current_versions()
        .alias(_must_have_read=Coalesce("reread_from", "number"))
        .filter(Exists(read_earlier), ~Exists(read_since))
        .defer("body_markdown", "body_html", "body_text", "search_vector")
        .order_by("-published_at")
    )


def _live_documents_linked(field: str, codes) -> dict[str, list[GuidanceDocument]]:
    through = GuidanceDocument._meta.get_field(field).remote_field.through
    target = {"capabilities": "capability", "courses": "course"}[field]
    links = (
        through.objects.filter(
            **{f"{target}__code__in": list(codes)},
            guidancedocument__retired_at__isnull=True,
            guidancedocument__versions__status=GuidanceVersion.Status.PUBLISHED,
        )
        .values_list(f"{target}__code", "guidancedocument__slug", "guidancedocument__title")
        .order_by("guidancedocument__title")
    )
    found: dict[str, list[GuidanceDocument]] = {}
    for code, slug, title in links:
        found.setdefault(code, []).append(GuidanceDocument(slug=slug, title=title))
    return found


def guidance_for_capabilities(codes) -> dict[str, list[GuidanceDocument]]:
    """Capability code -> live published guidance that helps put it in place. One query.

    For pages of other apps (checklist items, gap rows, reports), through the guidance_tags
    template library: those apps never import guidance.
    """
    return _live_documents_linked("capabilities", codes)


def guidance_for_courses(codes) -> dict[str, list[GuidanceDocument]]:
    """Course code -> live published guidance that supports it. One query."""
    return _live_documents_linked("courses", codes)
