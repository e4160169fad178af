"""What expires soon at a site: capability evidence and training of active staff.

Used by the site dashboard and the reminder digest, so both agree. A constant number of
queries whatever the number of sites, staff or records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from atmp_portal.expiring import expiring_days
from sites.models import SiteCapability
from training.models import Course, TrainingRecord

EVIDENCE = "evidence"
TRAINING = "training"


@dataclass(frozen=True)
class ExpiringItem:
    kind: str  # EVIDENCE or TRAINING
    site_id: int
    object_id: int  # SiteCapability or TrainingRecord pk
    label: str
    expires_on: dt.date
    # Where it is renewed: the checklist item of evidence, the person's page of training.
    path: str = field(compare=False)
    capability_id: int | None = None  # evidence: the checklist item
    staff_id: int | None = None  # training: the person and the course
    course_id: int | None = None

    def days_left(self, on: dt.date) -> int:
        return (self.expires_on - on).days

    @property
    def key(self) -> str:
        """Identifies the item *and* its expiry: renewed evidence is a new item to remind about."""
        return f"{self.kind}:{self.object_id}:{self.expires_on.isoformat()}"


_FIRST, _SECOND = 918273645, 918273646  # ids that appear nowhere else in a reversed URL


def _path_format(name: str) -> str:
    """The URL pattern `name` with two int arguments as a str.format template: one reverse()
    per list rather than one per item (a reverse was a tenth of the dashboard's expiry list)."""
    path = reverse(name, args=[_FIRST, _SECOND])
    return path.replace(str(_FIRST), "{0}").replace(str(_SECOND), "{1}")


def expiring_items(
    *, site_ids: Iterable[int], on: dt.date, within_days: int | None = None
) -> list[ExpiringItem]:
    """Evidence and training that expire within `within_days` of `on` (by default the
    readiness engine's expiring window), or already have.

    Training: only each active person's latest completion of a course counts, so a renewed
    course does not keep reminding about the completion it replaced. Evidence: only items
    marked in place (an item not in place is a gap already, not an expiry).
    """
    site_ids = list(site_ids)
    if within_days is None:
        within_days = expiring_days()
    horizon = on + dt.timedelta(days=within_days)
    evidence_path = _path_format("reports:capability")
    training_path = _path_format("training:staff-detail")
    # Values, not instances: the dashboard reads every completion of the site's staff.
    evidence = SiteCapability.objects.filter(
        site_id__in=site_ids,
        status=SiteCapability.Status.IN_PLACE,
        evidence_expires_on__lte=horizon,
    ).values_list("site_id", "pk", "capability__name", "evidence_expires_on", "capability_id")
    items = [
        ExpiringItem(
            EVIDENCE,
            site_id,
            pk,
            name,
            expires,
            evidence_path.format(site_id, capability_id),
            capability_id=capability_id,
        )
        for site_id, pk, name, expires, capability_id in evidence
    ]
    # Each person's latest completion of each course (the last by completion date, then id),
    # chosen by PostgreSQL: DISTINCT ON rather than every completion read and most dropped here.
    latest = (
        TrainingRecord.objects.filter(
            Q(course__renewal_months__isnull=False) | Q(expiry_override__isnull=False),
            staff__site_id__in=site_ids,
            staff__active=True,
            completed_on__lte=on,
        )
        .order_by("staff_id", "course_id", "-completed_on", "-pk")
        .distinct("staff_id", "course_id")
        .values_list(
            "staff_id",
            "course_id",
            "pk",
            "completed_on",
            "expiry_override",
            "staff__site_id",
            "staff__full_name",
            "course__title",
            "course__renewal_months",
        )
    )
    courses: dict[int, Course] = {}  # one per course, for its renewal rule
    for record in latest:
        staff_id, course_id, pk, completed_on, override, site_id, full_name, title, months = record
        course = courses.get(course_id)
        if course is None:
            course = courses[course_id] = Course(pk=course_id, title=title, renewal_months=months)
        expires = TrainingRecord.expiry_of(course, completed_on, override)
        if expires is not None and expires <= horizon:
            items.append(
                ExpiringItem(
                    TRAINING,
                    site_id,
                    pk,
                    f"{full_name}: {title}",
                    expires,
                    training_path.format(site_id, staff_id),
                    staff_id=staff_id,
                    course_id=course_id,
                )
            )
    return sorted(items, key=lambda item: (item.expires_on, item.kind, item.label))
