"""What the engine reads about sites: checklist states and staff training cover, in bulk.

Each loader costs one query whatever the number of sites, staff or records, and returns plain
tuples keyed by site, so the rules (rules.py) never touch the ORM.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from sites.models import SiteCapability
from training.models import TrainingRecord, add_months

# "Never expires", as a date that sorts after every real one: comparisons stay plain dates.
NEVER = dt.date.max


class CapabilityState(NamedTuple):
    """A site's checklist entry for one capability, as the rules need it."""

    status: str
    expires_on: dt.date | None


class StaffCover(NamedTuple):
    """One staff member's cover for one course on the assessment date."""

    name: str
    roles: frozenset[str]
    valid_until: dt.date | None  # None: not valid on the date; NEVER: never lapses
    lapsed_on: dt.date | None  # when not valid: the latest expiry of a record, lapsed by then

    @property
    def valid(self) -> bool:
        return self.valid_until is not None


CapabilityStates = dict[int, dict[int, CapabilityState]]  # site id -> capability id -> state
Cover = dict[int, dict[int, list[StaffCover]]]  # site id -> course id -> each person's cover


@lru_cache(maxsize=65536)
def renewal_due(completed_on: dt.date, months: int) -> dt.date:
    """A record's expiry from its completion date: memoised, as thousands of records share
    a few hundred completion dates."""
    return add_months(completed_on, months)


def record_expiry(
    completed_on: dt.date, renewal_months: int | None, override: dt.date | None
) -> dt.date:
    """The certificate's own expiry wins; otherwise completion + renewal; NEVER without one."""
    if override:
        return override
    if renewal_months is None:
        return NEVER
    return renewal_due(completed_on, renewal_months)


def load_capability_states(site_ids: list[int], capability_ids: set[int]) -> CapabilityStates:
    """The checklist as it stands now."""
    states: CapabilityStates = defaultdict(dict)
    if not site_ids or not capability_ids:
        return states
    rows = SiteCapability.objects.filter(
        site_id__in=site_ids, capability_id__in=capability_ids
    ).values_list("site_id", "capability_id", "status", "evidence_expires_on")
    for site_id, capability_id, status, expires_on in rows:
        states[site_id][capability_id] = CapabilityState(status, expires_on)
    return states


def in_post(on: dt.date, prefix: str = "") -> Q:
    """Count only staff in post on the date: leavers keep their records for audit.

    An active member who has a leaving date counts until the day before it; a deactivated
    member counts only for dates before a recorded leaving date (never without one).
    """
    return Q(**{f"{prefix}left_on__gt": on}) | Q(
        **{f"{prefix}left_on__isnull": True, f"{prefix}active": True}
    )


class TrainingFact(NamedTuple):
    """One training record of a staff member in post, with what the rules need of both."""

    staff_id: int
    site_id: int
    name: str
    roles: frozenset[str]
    left_on: dt.date | None
    course_id: int
    expires_on: dt.date


def fold_cover(facts: list[TrainingFact], on: dt.date) -> Cover:
    """site id -> course id -> cover of each staff member in post holding any record.

    Only the longest-lasting record of a staff member for a course matters: if it is valid, it
    is their cover (a staff member counts once); if not, every record had lapsed and it is the
    latest to lapse. A leaving date caps it at the day before.
    """
    longest: dict[tuple[int, int], TrainingFact] = {}
    for fact in facts:
        held = (fact.staff_id, fact.course_id)
        if held not in longest or fact.expires_on > longest[held].expires_on:
            longest[held] = fact
    result: Cover = defaultdict(lambda: defaultdict(list))
    for fact in longest.values():
        expires = fact.expires_on
        if fact.left_on is not None and fact.left_on - dt.timedelta(days=1) < expires:
            expires = fact.left_on - dt.timedelta(days=1)  # in post on the date: on or after it
        if expires >= on:
            cover = StaffCover(fact.name, fact.roles, expires, None)
        else:
            cover = StaffCover(fact.name, fact.roles, None, expires)
        result[fact.site_id][fact.course_id].append(cover)
    return result


def load_staff_cover(site_ids: list[int], course_ids: set[int], on: dt.date) -> Cover:
    """Cover from the records as they stand now (fold_cover)."""
    if not site_ids or not course_ids:
        return defaultdict(lambda: defaultdict(list))
    rows = (
        TrainingRecord.objects.filter(
            course_id__in=course_ids,
            staff__site_id__in=site_ids,
            completed_on__lte=on,
        )
        .filter(in_post(on, "staff__"))
        # Roles as JSON text, parsed once per staff member below rather than once per record.
        .annotate(roles_text=Cast("staff__roles", output_field=TextField()))
        .values_list(
            "staff_id",
            "staff__site_id",
            "staff__full_name",
            "roles_text",
            "staff__left_on",
            "course_id",
            "course__renewal_months",
            "completed_on",
            "expiry_override",
        )
    )
    roles_of: dict[int, frozenset[str]] = {}
    facts = []
    for staff_id, site_id, name, roles, left_on, course_id, months, completed, override in rows:
        if staff_id not in roles_of:
            roles_of[staff_id] = frozenset(json.loads(roles) if roles else ())
        facts.append(
            TrainingFact(
                staff_id,
                site_id,
                name,
                roles_of[staff_id],
                left_on,
                course_id,
                record_expiry(completed, months, override),
            )
        )
    return fold_cover(facts, on)
