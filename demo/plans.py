"""Deterministic plans of each site's synthetic readiness: checklist, staff and training.

Pure functions, no database. Every random choice comes from `random.Random` seeded with the
site's organisation code (plus what is being chosen), so a site's data never depends on the
order sites are seeded in, on other sites, or on the day. Dates are offsets in days from an
anchor date that the caller turns into real dates, which keeps "expiring within 90 days"
meaningful whatever day the seed runs.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from demo.names import FIRST_NAMES, LAST_NAMES
from sites.models import SiteCapability
from training.models import StaffRole as R

Status = SiteCapability.Status

# First-wave CAR-T centres and later CAR-T providers named in domain.md §6.3: with ATTC
# members they are the "advanced" sites, whose records are more complete.
CAR_T_CENTRES = frozenset(
    {"RTD", "R0A", "RBV", "RRK", "RRV", "RP4", "RJZ", "RA7", "RHQ", "7A4", "S08000031"}
)

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

# Courses whose roles column in domain.md §3 is a phrase rather than role codes.
ALL_ROLES = frozenset(R.values)
CLINICAL = frozenset({R.PI, R.SUB_I, R.RESEARCH_NURSE, R.WARD_NURSE, R.APH_NURSE, R.APH_LEAD,
                      R.ICU_LEAD, R.NEURO_LEAD, R.ATMP_COORD})
LABORATORY = frozenset({R.CELL_LAB_SCI, R.CELL_LAB_MGR, R.PHARM_TECH, R.TRIAL_PHARM,
                        R.ASEPTIC_MGR})
GMO_HANDLERS = frozenset({R.PHARM_TECH, R.TRIAL_PHARM, R.RESEARCH_NURSE, R.WARD_NURSE,
                          R.CELL_LAB_SCI, R.BSO, R.GMSC_CHAIR})
DELEGATION_LOG = frozenset({R.PI, R.SUB_I, R.RESEARCH_NURSE, R.TRIAL_PHARM, R.PHARM_TECH,
                            R.CELL_LAB_SCI, R.APH_NURSE, R.WARD_NURSE})
COURSE_ROLE_RULES = {
    "atmp_fundamentals": ALL_ROLES,
    "data_security": ALL_ROLES,
    "gmo_local_rules": GMO_HANDLERS,
    "spill_response": GMO_HANDLERS - {R.WARD_NURSE, R.GMSC_CHAIR},
    "product_specific": DELEGATION_LOG,
    "resuscitation": CLINICAL,
    "infection_prevention": CLINICAL | LABORATORY,
    "temperature_alarm_response": frozenset({R.TRIAL_PHARM, R.PHARM_TECH, R.CELL_LAB_SCI,
                                             R.CELL_LAB_MGR}),
}


@dataclass(frozen=True)
class Position:
    roles: tuple[str, ...]
    titles: tuple[str, ...]
    advanced: tuple[int, int]  # how many people hold it at an advanced site (min, max)
    developing: tuple[int, int]
    registration: str = ""  # gmc, nmc, gphc, hcpc or nothing


# Listed in order of need: the first `min` of each position are always there.
POSITIONS = (
    Position((R.PI,), ("Consultant Haematologist", "Consultant Medical Oncologist"), (1, 1),
             (1, 1), "gmc"),
    Position((R.SUB_I,), ("Consultant Haematologist", "Specialty Doctor, Haematology"), (2, 3),
             (1, 2), "gmc"),
    Position((R.RESEARCH_NURSE,), ("Research Nurse", "Senior Research Nurse",
             "Clinical Research Practitioner"), (3, 4), (2, 3), "nmc"),
    Position((R.ATMP_COORD,), ("ATMP Coordinator", "CAR-T Coordinator"), (1, 2), (0, 1), "nmc"),
    Position((R.RD_MANAGER,), ("R&D Manager", "Research Governance Manager"), (1, 1), (1, 1)),
    Position((R.TRIAL_PHARM,), ("Clinical Trials Pharmacist", "Lead ATMP Pharmacist"), (2, 3),
             (1, 2), "gphc"),
    Position((R.PHARM_TECH,), ("Clinical Trials Pharmacy Technician",
             "Aseptic Pharmacy Technician"), (2, 3), (1, 3), "gphc"),
    Position((R.CHIEF_PHARM,), ("Chief Pharmacist",), (1, 1), (1, 1), "gphc"),
    Position((R.WARD_NURSE,), ("Staff Nurse, Haematology", "Ward Sister, Haematology",
             "Charge Nurse, BMT Unit"), (4, 6), (2, 4), "nmc"),
    Position((R.CELL_LAB_SCI,), ("Clinical Scientist, Cellular Therapies",
             "Biomedical Scientist, Stem Cell Laboratory"), (2, 4), (0, 2), "hcpc"),
    Position((R.CELL_LAB_MGR, R.HTA_DI), ("Cellular Therapies Laboratory Manager",), (1, 1),
             (0, 1), "hcpc"),
    Position((R.APH_NURSE,), ("Apheresis Nurse Specialist",), (2, 3), (0, 2), "nmc"),
    Position((R.ICU_LEAD,), ("Consultant in Critical Care",), (1, 1), (0, 1), "gmc"),
    Position((R.BSO, R.GMSC_CHAIR), ("Biological Safety Officer",), (1, 1), (0, 1)),
    Position((R.QUALITY_MGR,), ("JACIE Quality Manager",), (1, 1), (0, 1)),
    Position((R.DATA_MGR,), ("Trial Data Manager",), (1, 1), (1, 1)),
    Position((R.QA_PHARM,), ("Quality Assurance Pharmacist",), (0, 1), (0, 1), "gphc"),
    Position((R.ASEPTIC_MGR,), ("Aseptic Services Manager",), (0, 1), (0, 1), "gphc"),
    Position((R.APH_LEAD, R.SUB_I), ("Consultant Haematologist, Apheresis Lead",), (0, 1),
             (0, 0), "gmc"),
    Position((R.NEURO_LEAD,), ("Consultant Neurologist",), (0, 1), (0, 1), "gmc"),
)
STAFF_TARGET = {True: (24, 30), False: (12, 20)}  # by "advanced"


@dataclass(frozen=True)
class SiteProfile:
    """What shapes a site's synthetic records."""

    ods_code: str
    advanced: bool
    trial_statuses: tuple[str, ...] = ()  # status of each trial the site takes part in
    required_capabilities: frozenset[str] = frozenset()  # mandatory in those trials (open/set-up)
    trial_courses: frozenset[str] = frozenset()  # courses those trials' requirements name


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
class CapabilityPlan:
    code: str
    status: str
    notes: str = ""
    not_applicable_reason: str = ""
    expires_in_days: int | None = None  # None: the evidence does not expire


@dataclass(frozen=True)
class StaffPlan:
    full_name: str
    email: str
    roles: tuple[str, ...]
    job_title: str
    registration_number: str
    active: bool = True
    left_days_ago: int | None = None
    training: tuple[tuple[str, int], ...] = field(default=())  # (course code, days ago)


@dataclass(frozen=True)
class SitePlan:
    capabilities: tuple[CapabilityPlan, ...]
    staff: tuple[StaffPlan, ...]


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded with what it is for, e.g. seeded_rng("RTD", "staff")."""
    return random.Random(":".join(str(part) for part in parts))


def plan_capability(site: SiteProfile, capability: CapabilityInfo, maturity: float):
    """One checklist entry, or None when the site has no record for it (also a gap)."""
    rng = seeded_rng(site.ods_code, "capability", capability.code)
    if capability.applies_note in SERVICE_SITES:
        if site.ods_code not in SERVICE_SITES[capability.applies_note]:
            return CapabilityPlan(capability.code, Status.NOT_APPLICABLE,
                                  not_applicable_reason=SERVICE_REASONS[capability.applies_note])
    if rng.random() < (0.04 if site.advanced else 0.12):
        return None
    in_place = (0.80 if site.advanced else 0.45) + maturity
    if capability.code in site.required_capabilities:
        # Sites open for a trial have done most of its set-up; in set-up, much of it.
        in_place = max(in_place, 0.93 if "open" in site.trial_statuses else 0.75)
    roll = rng.random()
    if roll < in_place:
        return _in_place(rng, site, capability)
    rest = rng.random()
    if rest < 0.1 and capability.code not in site.required_capabilities:
        return CapabilityPlan(capability.code, Status.NOT_APPLICABLE,
                              not_applicable_reason=rng.choice(NOT_APPLICABLE_REASONS))
    status = Status.IN_PROGRESS if rest < 0.55 else Status.NOT_IN_PLACE
    return CapabilityPlan(capability.code, status, notes=rng.choice(NOTES[status]))


def _in_place(rng: random.Random, site: SiteProfile, capability: CapabilityInfo):
    notes = rng.choice(NOTES[Status.IN_PLACE])
    months = capability.validity_months
    if months is None:
        return CapabilityPlan(capability.code, Status.IN_PLACE, notes=notes)
    roll = rng.random()
    expired = 0.05 if site.advanced else 0.14
    if roll < expired:
        days = -rng.randint(1, 240)
    elif roll < expired + 0.12:
        days = rng.randint(0, 89)  # expiring: within the 90-day warning window
    else:
        days = rng.randint(91, max(120, months * 30))
    return CapabilityPlan(capability.code, Status.IN_PLACE, notes=notes, expires_in_days=days)


def _registration(rng: random.Random, kind: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    if kind in ("gmc", "gphc"):
        return str(rng.randint(1_000_000, 9_999_999))
    if kind == "nmc":
        return (f"{rng.randint(0, 99):02d}{rng.choice(letters)}{rng.randint(0, 9999):04d}"
                f"{rng.choice(letters)}")
    if kind == "hcpc":
        return f"{rng.choice(('BS', 'CS'))}{rng.randint(10_000, 99_999)}"
    return ""


def _email_part(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _positions(rng: random.Random, advanced: bool) -> list[Position]:
    """Core positions (the minimum of each) then extras, up to the site's staff target."""
    core, extras = [], []
    for position in POSITIONS:
        low, high = position.advanced if advanced else position.developing
        count = rng.randint(low, high)
        core += [position] * low
        extras += [position] * (count - low)
    rng.shuffle(extras)
    target = rng.randint(*STAFF_TARGET[advanced])
    return core + extras[: max(0, target - len(core))]


def plan_staff(site: SiteProfile, courses: Iterable[CourseInfo]) -> tuple[StaffPlan, ...]:
    rng = seeded_rng(site.ods_code, "staff")
    positions = _positions(rng, site.advanced)
    names: list[tuple[str, str]] = []  # a list, not a set: set order varies between runs
    while len(names) < len(positions):
        name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if name not in names:
            names.append(name)
    leavers = set(rng.sample(range(len(positions)), rng.randint(1, 2)))
    domain = f"{site.ods_code.lower()}.nhs.example"
    courses = tuple(courses)
    staff = []
    for index, (position, (first, last)) in enumerate(zip(positions, names, strict=True)):
        email = f"{_email_part(first)}.{_email_part(last)}@{domain}"
        person_rng = seeded_rng(site.ods_code, "person", email)
        leaver = index in leavers
        staff.append(
            StaffPlan(
                full_name=f"{first} {last}",
                email=email,
                roles=position.roles,
                job_title=person_rng.choice(position.titles),
                registration_number=_registration(person_rng, position.registration),
                active=not leaver,
                left_days_ago=person_rng.randint(14, 300) if leaver else None,
                training=_plan_training(site, email, set(position.roles), courses),
            )
        )
    return tuple(staff)


def _needed(course: CourseInfo, roles: set[str], site: SiteProfile) -> bool:
    if course.trial_only and course.code not in site.trial_courses:
        return False
    return bool(roles & (course.roles | COURSE_ROLE_RULES.get(course.code, frozenset())))


def _plan_training(
    site: SiteProfile, email: str, roles: set[str], courses: tuple[CourseInfo, ...]
) -> tuple[tuple[str, int], ...]:
    """(course, days ago) for each course the person's roles need: valid, expiring, expired or
    missing (no record), with more gaps at developing sites."""
    missing, expired = (0.07, 0.08) if site.advanced else (0.18, 0.14)
    # One generator per person (courses in code order): seeding one per course cost seconds
    # at --scale 14.
    rng = seeded_rng(site.ods_code, "training", email)
    records = []
    for course in courses:
        if not _needed(course, roles, site):
            continue
        roll = rng.random()
        if roll < missing:
            continue
        if course.renewal_months is None:
            records.append((course.code, rng.randint(30, 1500)))
            continue
        period = int(course.renewal_months * 30.44)
        if roll < missing + expired:
            days = rng.randint(period + 10, period + 300)
        elif roll < missing + expired + 0.12:
            days = rng.randint(period - 80, period - 10)  # expires in 10 to 80 days
        else:
            days = rng.randint(10, max(11, period - 100))
        records.append((course.code, days))
    return tuple(records)


def plan_site(
    site: SiteProfile,
    capabilities: Iterable[CapabilityInfo],
    courses: Iterable[CourseInfo],
) -> SitePlan:
    maturity = seeded_rng(site.ods_code, "maturity").uniform(-0.12, 0.12)
    planned = (plan_capability(site, capability, maturity) for capability in capabilities)
    return SitePlan(
        capabilities=tuple(plan for plan in planned if plan is not None),
        staff=plan_staff(site, courses),
    )
