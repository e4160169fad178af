"""Deterministic plans of each site's synthetic readiness: checklist, staff and training.

Pure functions, no database. Every random choice comes from `random.Random` seeded with the
site's organisation code (plus what is being chosen), so a site's data never depends on the
order sites are seeded in, on other sites, or on the day. Dates are offsets in days from an
anchor date that the caller turns into real dates, which keeps "expiring within 90 days"
meaningful whatever day the seed runs.

What must be met or unmet comes from the story (demo/story.py, `Intent`); the rest is left to
chance. Staff and training are planned in demo/staffing.py, the past in demo/timeline.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from demo.story import Intent, seeded_rng
from sites.models import SiteCapability

Status = SiteCapability.Status

# Capabilities that only make sense where a service exists (Capability.applies_note).
# Elsewhere they are "not applicable", with the reason given here.
SERVICE_SITES = {
    "ocular": frozenset({"RP6", "RTH", "R0A", "RHM"}),
    "paediatric": frozenset({"RBS", "RQ3", "RP4", "R0A", "RTD", "RR8", "S08000031"}),
    "haemophilia": frozenset(
        {"RAL", "RJ1", "RTH", "R0A", "RGT", "7A4", "RRK", "RTD", "RR8", "RHQ", "S08000031"}
    ),
}
SERVICE_REASONS = {
    "ocular": "No vitreoretinal surgery service at this organisation.",
    "paediatric": "Adult services only: children are treated at the regional children's hospital.",
    "haemophilia": "Not a haemophilia comprehensive care centre; patients are referred on.",
}

NOT_APPLICABLE_REASONS = (
    "Provided by a partner organisation under a technical agreement; not held locally.",
    "No ATMPs needing this are planned here in the next two years.",
    "Covered by the regional cell therapy laboratory, not by this organisation.",
)
NOTES = {
    Status.IN_PLACE: (
        "Evidence filed in the quality management system.",
        "Reviewed at the last ATMP steering group.",
        "Checked during the sponsor's site initiation visit.",
        "",
    ),
    Status.IN_PROGRESS: (
        "Business case approved; installation booked.",
        "SOP drafted, awaiting sign-off by the governance group.",
        "Agreement with the partner site under legal review.",
        "Validation runs under way.",
    ),
    Status.NOT_IN_PLACE: (
        "Not yet scoped.",
        "Raised at the ATMP steering group; no owner yet.",
        "Awaiting funding decision.",
        "",
    ),
}


@dataclass(frozen=True)
class SiteProfile:
    """What shapes a site's synthetic records."""

    ods_code: str
    advanced: bool  # a CAR-T centre or an ATTC member: more complete records, more staff
    intent: Intent = field(default_factory=Intent)
    trial_courses: frozenset[str] = frozenset()  # courses its trials' requirements name
    history: bool = True  # plan the past too (every seeded site; tests may plan without)


@dataclass(frozen=True)
class CapabilityInfo:
    code: str
    validity_months: int | None
    applies_note: str = ""


@dataclass(frozen=True)
class CourseInfo:
    code: str
    renewal_months: int | None
    roles: frozenset[str]
    trial_only: bool  # per-product or custom courses: only where a trial needs them


@dataclass(frozen=True)
class CapabilityEvent:
    """One state of a checklist entry, from `days_ago` until the next event."""

    days_ago: int
    status: str
    expires_in_days: int | None = None
    reason: str = ""  # the history row's change reason


@dataclass(frozen=True)
class CapabilityPlan:
    code: str
    status: str
    notes: str = ""
    not_applicable_reason: str = ""
    expires_in_days: int | None = None  # None: the evidence does not expire
    history: tuple[CapabilityEvent, ...] = ()  # oldest first; the last is the current state


@dataclass(frozen=True)
class TrainingPlan:
    course: str
    completions: tuple[int, ...]  # days ago, oldest first; the last is the current record


@dataclass(frozen=True)
class StaffPlan:
    full_name: str
    email: str
    roles: tuple[str, ...]
    job_title: str
    registration_number: str
    active: bool = True
    left_days_ago: int | None = None
    joined_days_ago: int | None = None  # None: in post before the history starts
    training: tuple[TrainingPlan, ...] = field(default=())
    steady: frozenset[str] = frozenset()  # courses a floor of the story counts on


@dataclass(frozen=True)
class SitePlan:
    capabilities: tuple[CapabilityPlan, ...]
    staff: tuple[StaffPlan, ...]


def plan_capability(site: SiteProfile, capability: CapabilityInfo, maturity: float):
    """One checklist entry, or None when the site has no record for it (also a gap)."""
    rng = seeded_rng(site.ods_code, "capability", capability.code)
    code, intent = capability.code, site.intent
    if capability.applies_note in SERVICE_SITES:
        if site.ods_code not in SERVICE_SITES[capability.applies_note]:
            return CapabilityPlan(
                code,
                Status.NOT_APPLICABLE,
                not_applicable_reason=SERVICE_REASONS[capability.applies_note],
            )
    if code in intent.met:
        return _in_place(rng, site, capability, may_expire=False)
    if code in intent.unmet:
        return _gap(rng, site, capability)
    if rng.random() < (0.04 if site.advanced else 0.12):
        return None
    if rng.random() < (0.80 if site.advanced else 0.45) + maturity:
        return _in_place(rng, site, capability, may_expire=True)
    rest = rng.random()
    if rest < 0.1:
        return CapabilityPlan(
            code, Status.NOT_APPLICABLE, not_applicable_reason=rng.choice(NOT_APPLICABLE_REASONS)
        )
    status = Status.IN_PROGRESS if rest < 0.55 else Status.NOT_IN_PLACE
    return CapabilityPlan(code, status, notes=rng.choice(NOTES[status]))


def _gap(rng: random.Random, site: SiteProfile, capability: CapabilityInfo):
    """An entry the story needs unmet: no record, in progress, not in place or expired."""
    roll = rng.random()
    if roll < 0.12:
        return None
    if roll < 0.3 and capability.validity_months is not None:
        return CapabilityPlan(
            capability.code,
            Status.IN_PLACE,
            notes=rng.choice(NOTES[Status.IN_PLACE]),
            expires_in_days=-rng.randint(3, 200),
        )
    status = Status.IN_PROGRESS if roll < 0.7 else Status.NOT_IN_PLACE
    return CapabilityPlan(capability.code, status, notes=rng.choice(NOTES[status]))


def _in_place(
    rng: random.Random, site: SiteProfile, capability: CapabilityInfo, *, may_expire: bool
):
    notes = rng.choice(NOTES[Status.IN_PLACE])
    months = capability.validity_months
    if months is None:
        return CapabilityPlan(capability.code, Status.IN_PLACE, notes=notes)
    lapsed = site.intent.lapsed.get(capability.code)
    roll = rng.random()
    expired = (0.05 if site.advanced else 0.14) if may_expire else 0
    if lapsed is not None:
        days = -lapsed
    elif roll < expired:
        days = -rng.randint(1, 240)
    elif roll < expired + 0.12:
        days = rng.randint(10, 89)  # expiring: within the 90-day warning window
    else:
        days = rng.randint(91, max(120, int(months * 30.4)))
    return CapabilityPlan(capability.code, Status.IN_PLACE, notes=notes, expires_in_days=days)
