"""Where a gap is closed: the checklist item of a capability gap, the training matrix column of a
training gap. Pages, the API (absolute), the PDF (absolute, from PORTAL_BASE_URL) use these."""

from __future__ import annotations

from django.urls import reverse

from atmp_portal.links import absolute_url
from reports.readiness import CAPABILITY, GapRow


def gap_path(site_id: int, row: GapRow) -> str:
    """The path of the page that closes the gap. For alternatives, the first one named (any of
    them closes it; that item's page lists the trials that need it)."""
    requirement = row.requirement
    if requirement.kind == CAPABILITY and requirement.capability_ids:
        return reverse("reports:capability", args=[site_id, requirement.capability_ids[0]])
    return (
        f"{reverse('reports:site-training-matrix', args=[site_id])}#course-{requirement.course_id}"
    )


def gap_url(site_id: int, row: GapRow) -> str:
    """The same as an absolute URL, for documents read outside the portal (PDF reports)."""
    return absolute_url(gap_path(site_id, row))
