"""The readiness rule: the one place that decides met, blocker, warning or expiring.

A capability requirement is met when any alternative is in place with evidence valid on the
date; a training requirement when enough staff in post hold valid training. Met items whose
validity ends within the expiring window are expiring; unmet mandatory items are blockers and
unmet recommended ones warnings (docs/readiness.md). The PostgreSQL ranking (summary_sql.py)
is an optimisation of these functions, proven equal by tests/reports/test_readiness_summary.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from atmp_portal.expiring import is_expiring
from reports.readiness.loading import NEVER, CapabilityState, StaffCover
from reports.readiness.outcome import Outcome
from reports.readiness.requirements import CAPABILITY, Requirement, staff_noun
from reports.readiness.results import GapRow
from sites.models import SiteCapability

NO_RECORD = "no_record"
IN_PLACE = SiteCapability.Status.IN_PLACE.value
_STATUS_RANK = {  # which alternative to describe when none is met: the closest to being met
    IN_PLACE: 0,  # in place but its evidence expired
    SiteCapability.Status.IN_PROGRESS.value: 1,
    SiteCapability.Status.NOT_IN_PLACE.value: 2,
    SiteCapability.Status.NOT_APPLICABLE.value: 3,
    NO_RECORD: 4,
}


@lru_cache(maxsize=4096)
def long_date(day: dt.date) -> str:
    """3 March 2026 (GOV.UK date style, no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def is_valid_evidence(state: CapabilityState | None, on: dt.date) -> bool:
    """In place, with evidence that has no expiry or expires on or after the date."""
    return (
        state is not None
        and state.status == IN_PLACE
        and (state.expires_on is None or state.expires_on >= on)
    )


def met_outcome(expires_on: dt.date | None, on: dt.date) -> Outcome:
    return Outcome.EXPIRING if is_expiring(expires_on, on) else Outcome.MET


def gap_outcome(requirement: Requirement) -> Outcome:
    return Outcome.BLOCKER if requirement.is_mandatory else Outcome.WARNING


# --- capabilities ------------------------------------------------------------------------------


def decide_capability(
    requirement: Requirement, states: dict[int, CapabilityState], on: dt.date
) -> tuple[Outcome, int | None]:
    """The outcome, and the alternative that meets it (None when none does).

    Several alternatives met: the one that stays valid longest carries the requirement.
    """
    met = [pk for pk in requirement.capability_ids if is_valid_evidence(states.get(pk), on)]
    if not met:
        return gap_outcome(requirement), None
    pk = max(met, key=lambda pk: (states[pk].expires_on or NEVER, -pk))
    return met_outcome(states[pk].expires_on, on), pk


def capability_row(
    requirement: Requirement, states: dict[int, CapabilityState], on: dt.date
) -> GapRow:
    outcome, pk = decide_capability(requirement, states, on)
    if pk is None:
        return _capability_gap(requirement, outcome, states)
    state = states[pk]
    met_by = _names(requirement)[pk]
    alternatives = len(requirement.capability_ids) > 1
    prefix = f"Met by {met_by}; evidence" if alternatives else "In place; evidence"
    if state.expires_on is None:
        detail = f"{prefix} does not expire."
    elif outcome == Outcome.EXPIRING:
        left = (state.expires_on - on).days
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        detail = f"{prefix} expires on {long_date(state.expires_on)} ({when})."
    else:
        detail = f"{prefix} valid until {long_date(state.expires_on)}."
    return GapRow(
        requirement=requirement,
        outcome=outcome,
        detail=detail,
        met_by=met_by,
        status=state.status,
        expires_on=state.expires_on,
    )


def _names(requirement: Requirement) -> dict[int, str]:
    return dict(zip(requirement.capability_ids, requirement.capability_names, strict=True))


def _describe_alternative(name: str, state: CapabilityState | None) -> str:
    if state is None:
        return f"{name}: no record"
    if state.status == IN_PLACE:
        return f"{name}: evidence expired on {long_date(state.expires_on)}"
    if state.status == SiteCapability.Status.NOT_APPLICABLE:
        return f"{name}: marked not applicable to this site"
    return f"{name}: {SiteCapability.Status(state.status).label.lower()}"


def _capability_gap(
    requirement: Requirement, outcome: Outcome, states: dict[int, CapabilityState]
) -> GapRow:
    """Not met: describe the alternative closest to being met."""
    ranked = sorted(
        requirement.capability_ids,
        key=lambda pk: _STATUS_RANK[states[pk].status if pk in states else NO_RECORD],
    )
    best = states.get(ranked[0])
    status = best.status if best else NO_RECORD
    expired_on = best.expires_on if best and best.status == IN_PLACE else None
    if len(ranked) > 1:
        names = _names(requirement)
        parts = "; ".join(_describe_alternative(names[pk], states.get(pk)) for pk in ranked)
        detail = f"None of the alternatives is met ({parts})."
    elif best is None:
        detail = "No record: the site has not assessed this capability."
    elif expired_on is not None:
        detail = f"Evidence expired on {long_date(expired_on)}."
    elif status == SiteCapability.Status.NOT_APPLICABLE:
        detail = "Marked not applicable to this site's services, but this requirement needs it."
    elif status == SiteCapability.Status.IN_PROGRESS:
        detail = "In progress: not yet in place."
    else:
        detail = "Not in place."
    return GapRow(
        requirement=requirement,
        outcome=outcome,
        detail=detail,
        status=status,
        expired_on=expired_on,
    )


# --- training ----------------------------------------------------------------------------------


def decide_training(
    requirement: Requirement, covers: Iterable[StaffCover], on: dt.date
) -> tuple[Outcome, list[StaffCover], dt.date | None]:
    """The outcome, the eligible staff (holding the role) and when cover falls below N.

    Met when at least N eligible staff hold valid training; cover drops below N the day after
    the N-th longest-lasting record lapses (None: never).
    """
    role = requirement.role
    eligible = [c for c in covers if not role or role in c.roles]
    lasting = sorted((c.valid_until for c in eligible if c.valid), reverse=True)
    needed = requirement.min_staff
    if len(lasting) < needed:
        return gap_outcome(requirement), eligible, None
    last_day = None if lasting[needed - 1] == NEVER else lasting[needed - 1]
    return met_outcome(last_day, on), eligible, last_day


def training_row(requirement: Requirement, covers: Iterable[StaffCover], on: dt.date) -> GapRow:
    outcome, eligible, expires_on = decide_training(requirement, covers, on)
    valid = sorted((c for c in eligible if c.valid), key=lambda c: c.name.lower())
    needed = requirement.min_staff
    names = [c.name for c in valid]
    summary = f"{len(valid)} of {needed} {staff_noun(requirement.role, needed)} trained"
    summary += f": {', '.join(names)}." if names else "."
    counts = {"trained_staff": names, "trained_count": len(valid), "needed": needed}
    if outcome.is_met:
        if outcome == Outcome.EXPIRING:
            summary += f" Cover falls below {needed} after {long_date(expires_on)}."
        return GapRow(
            requirement=requirement,
            outcome=outcome,
            detail=summary,
            expires_on=expires_on,
            **counts,
        )
    lapsed = sorted(
        (c for c in eligible if not c.valid and c.lapsed_on is not None),
        key=lambda c: (c.lapsed_on, c.name.lower()),
        reverse=True,
    )
    if lapsed:
        summary += (
            " Expired: " + ", ".join(f"{c.name} on {long_date(c.lapsed_on)}" for c in lapsed) + "."
        )
    return GapRow(
        requirement=requirement,
        outcome=outcome,
        detail=summary,
        expired_on=lapsed[0].lapsed_on if lapsed else None,
        **counts,
    )


def decide(
    requirement: Requirement,
    states: dict[int, CapabilityState],
    cover: dict[int, list[StaffCover]],
    on: dt.date,
) -> Outcome:
    """The outcome alone (the ranking and trends): the same decisions, without the wording."""
    if requirement.kind == CAPABILITY:
        return decide_capability(requirement, states, on)[0]
    return decide_training(requirement, cover.get(requirement.course_id, ()), on)[0]


def row(
    requirement: Requirement,
    states: dict[int, CapabilityState],
    cover: dict[int, list[StaffCover]],
    on: dt.date,
) -> GapRow:
    """The requirement's row for one site: its outcome and what explains it."""
    if requirement.kind == CAPABILITY:
        return capability_row(requirement, states, on)
    return training_row(requirement, cover.get(requirement.course_id, ()), on)
