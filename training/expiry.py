"""What expires soon at a site: capability evidence and training of active staff.

Used by the site dashboard and the reminder digest, so both agree. A constant number of
queries whatever the number of sites, staff or records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

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
    capability_id: int | None = None  # evidence: the checklist item
    staff_id: int | None = None  # training: the person and the course
    course_id: int | None = None

    def days_left(self, on: dt.date) -> int:
        return (self.expires_on - on).days

    @property
    def key(self) -> str:
        """Identifies the item *and* its expiry: renewed evidence is a new item to remind about."""
        return f"{self.kind}:{self.object_id}:{self.expires_on.isoformat()}"

    @property
    def path(self) -> str:
        """Where it is renewed: the checklist item of evidence, the person's page of training."""
        if self.kind == EVIDENCE:
            return reverse("reports:capability", args=[self.site_id, self.capability_id])
        return reverse("training:staff-detail", args=[self.site_id, self.staff_id])


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
    # Values, not instances: the dashboard reads every completion of the site's staff.
    evidence = SiteCapability.objects.filter(
        site_id__in=site_ids,
        status=SiteCapability.Status.IN_PLACE,
        evidence_expires_on__lte=horizon,
    ).values_list("site_id", "pk", "capability__name", "evidence_expires_on", "capability_id")
    items = [
        ExpiringItem(EVIDENCE, site_id, pk, name, expires, capability_id=capability_id)
        for site_id, pk, name, expires, capability_id in evidence
    ]
    records = (
        TrainingRecord.objects.filter(
            Q(course__renewal_months__isnull=False) | Q(expiry_override__isnull=False),
            staff__site_id__in=site_ids, staff__active=True, completed_on__lte=on,
        )
        .order_by("completed_on", "pk")
        .values_list(
            "staff_id", "course_id", "pk", "completed_on", "expiry_override",
            "staff__site_id", "staff__full_name", "course__title", "course__renewal_months",
        )
    )
    latest = {(record[0], record[1]): record for record in records}
    courses: dict[int, Course] = {}  # one per course, for its renewal rule
    for record in latest.values():
        staff_id, course_id, pk, completed_on, override, site_id, full_name, title, months = record
        course = courses.setdefault(
            course_id, Course(pk=course_id, title=title, renewal_months=months)
        )
        expires = TrainingRecord.expiry_of(course, completed_on, override)
        if expires is not None and expires <= horizon:
            items.append(
                ExpiringItem(
                    TRAINING, site_id, pk, f"{full_name}: {title}", expires,
                    staff_id=staff_id, course_id=course_id,
                )
            )
    return sorted(items, key=lambda item: (item.expires_on, item.kind, item.label))
