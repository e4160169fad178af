"""What was recorded then: the checklist and training cover as of a past date.

A past assessment date reads the change history (django-simple-history) of checklist items,
staff and training records: each object as its last version saved before the end of that day
(midnight at the start of the next, in the portal's time zone), and not at all if that version
is a deletion or nothing had been recorded yet (docs/readiness.md, "Dates"). Today and later
dates read the current records (loading.py).

One query per model whatever the number of sites, records or dates: every version up to the
last date's end is fetched once, and each date picks its versions from them (`Timelines`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone

from reports.readiness.loading import (
    CapabilityState,
    CapabilityStates,
    Cover,
    TrainingFact,
    fold_cover,
    record_expiry,
)
from sites.models import SiteCapability
from training.models import StaffMember, TrainingRecord

DELETED = "-"


def is_past(on: dt.date) -> bool:
    """Dates before today are answered from the history; today and later from the records."""
    return on < timezone.localdate()


def end_of(on: dt.date) -> dt.datetime:
    """The first instant after the date, in the portal's time zone: versions saved before it."""
    return timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))


class _Staff(NamedTuple):
    site_id: int
    name: str
    roles: frozenset[str]
    active: bool
    left_on: dt.date | None

    def in_post(self, on: dt.date) -> bool:
        """As loading.in_post: leavers count only for dates before their leaving date."""
        if self.left_on is not None:
            return self.left_on > on
        return self.active


class _Record(NamedTuple):
    staff_id: int
    course_id: int
    completed_on: dt.date
    expiry_override: dt.date | None


@dataclass
class _Versions:
    """One object's versions, oldest first: when each was saved, and it (None: deleted)."""

    saved: list[dt.datetime] = field(default_factory=list)
    values: list = field(default_factory=list)

    def as_of(self, until: dt.datetime):
        """The version saved last before `until`; None if deleted or not yet recorded."""
        index = bisect.bisect_left(self.saved, until)
        return self.values[index - 1] if index else None


def _versions(rows: Iterable[tuple], make) -> dict[int, _Versions]:
    """Rows of (id, history_date, history_type, *fields), ordered by id then when saved."""
    result: dict[int, _Versions] = defaultdict(_Versions)
    for pk, saved, kind, *fields in rows:
        versions = result[pk]
        versions.saved.append(saved)
        versions.values.append(None if kind == DELETED else make(*fields))
    return result


_ORDER = ("id", "history_date", "history_id")


@dataclass
class Timelines:
    """Every version, saved before `until`, of what the rules read about some sites."""

    site_ids: set[int]
    until: dt.datetime
    capabilities: dict[int, _Versions]  # site capability id -> (site id, capability id, state)
    staff: dict[int, _Versions]  # staff id -> _Staff
    records: dict[int, _Versions]  # training record id -> _Record

    def states(self, on: dt.date) -> CapabilityStates:
        until = end_of(on)
        states: CapabilityStates = defaultdict(dict)
        for versions in self.capabilities.values():
            version = versions.as_of(until)
            if version is not None:
                site_id, capability_id, state = version
                states[site_id][capability_id] = state
        return states

    def cover(self, on: dt.date, renewal: dict[int, int | None]) -> Cover:
        """Cover on the date from the staff and records as they were then (fold_cover)."""
        until = end_of(on)
        staff = {}
        for pk, versions in self.staff.items():
            person = versions.as_of(until)
            if person is not None and person.site_id in self.site_ids and person.in_post(on):
                staff[pk] = person
        facts = []
        for versions in self.records.values():
            record = versions.as_of(until)
            if record is None or record.course_id not in renewal or record.completed_on > on:
                continue
            person = staff.get(record.staff_id)
            if person is None:
                continue
            expires = record_expiry(
                record.completed_on, renewal[record.course_id], record.expiry_override
            )
            facts.append(
                TrainingFact(
                    record.staff_id,
                    person.site_id,
                    person.name,
                    person.roles,
                    person.left_on,
                    record.course_id,
                    expires,
                )
            )
        return fold_cover(facts, on)


def load_timelines(
    site_ids: Iterable[int], capability_ids: set[int], course_ids: set[int], until: dt.datetime
) -> Timelines:
    """Three queries: checklist, staff and training record versions saved before `until`.

    Staff are those ever recorded at one of the sites (a person may have moved since), and
    records those ever recorded for one of the courses and held by such staff.
    """
    site_ids = set(site_ids)
    capabilities = _versions(
        SiteCapability.history.filter(
            site_id__in=site_ids, capability_id__in=capability_ids, history_date__lt=until
        )
        .order_by(*_ORDER)
        .values_list(
            "id", "history_date", "history_type", "site_id", "capability_id", "status",
            "evidence_expires_on",
        ),
        lambda site_id, capability_id, status, expires: (
            site_id, capability_id, CapabilityState(status, expires),
        ),
    )  # fmt: skip
    if not course_ids or not site_ids:
        return Timelines(site_ids, until, capabilities, {}, {})
    ever_here = StaffMember.history.filter(site_id__in=site_ids).values("id")
    staff = _versions(
        StaffMember.history.filter(id__in=ever_here, history_date__lt=until)
        .order_by(*_ORDER)
        .values_list(
            "id", "history_date", "history_type", "site_id", "full_name", "roles", "active",
            "left_on",
        ),
        lambda site_id, name, roles, active, left_on: _Staff(
            site_id, name, frozenset(roles or ()), active, left_on
        ),
    )  # fmt: skip
    ever_required = TrainingRecord.history.filter(course_id__in=course_ids).values("id")
    records = _versions(
        TrainingRecord.history.filter(
            id__in=ever_required, staff_id__in=ever_here, history_date__lt=until
        )
        .order_by(*_ORDER)
        .values_list(
            "id", "history_date", "history_type", "staff_id", "course_id", "completed_on",
            "expiry_override",
        ),
        _Record,
    )  # fmt: skip
    return Timelines(site_ids, until, capabilities, staff, records)
