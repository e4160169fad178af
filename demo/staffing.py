"""Deterministic staff and training plans for a site (pure, no database).

Positions and names are drawn per site; each person's training is valid, expiring, expired or
missing at random, then made to obey the story (demo/story.py): at least `floor` active staff
of a role hold valid training in a course the site must meet, at most `ceiling` where the story
needs a blocker. People counted towards a floor stay in post and keep their training valid for
the whole year of history (`steady`), so an open trial was covered on the day it opened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from demo.names import FIRST_NAMES, LAST_NAMES
from demo.plans import CourseInfo, SiteProfile, StaffPlan, TrainingPlan
from demo.story import seeded_rng
from demo.timeline import HISTORY_DAYS
from training.models import StaffRole as R

# Courses whose roles column in domain.md §3 is a phrase rather than role codes.
ALL_ROLES = frozenset(R.values)
CLINICAL = frozenset(
    {
        R.PI,
        R.SUB_I,
        R.RESEARCH_NURSE,
        R.WARD_NURSE,
        R.APH_NURSE,
        R.APH_LEAD,
        R.ICU_LEAD,
        R.NEURO_LEAD,
        R.ATMP_COORD,
    }
)
LABORATORY = frozenset({R.CELL_LAB_SCI, R.CELL_LAB_MGR, R.PHARM_TECH, R.TRIAL_PHARM, R.ASEPTIC_MGR})
GMO_HANDLERS = frozenset(
    {
        R.PHARM_TECH,
        R.TRIAL_PHARM,
        R.RESEARCH_NURSE,
        R.WARD_NURSE,
        R.CELL_LAB_SCI,
        R.BSO,
        R.GMSC_CHAIR,
    }
)
DELEGATION_LOG = frozenset(
    {
        R.PI,
        R.SUB_I,
        R.RESEARCH_NURSE,
        R.TRIAL_PHARM,
        R.PHARM_TECH,
        R.CELL_LAB_SCI,
        R.APH_NURSE,
        R.WARD_NURSE,
    }
)
COURSE_ROLE_RULES = {
    "atmp_fundamentals": ALL_ROLES,
    "data_security": ALL_ROLES,
    "gmo_local_rules": GMO_HANDLERS,
    "spill_response": GMO_HANDLERS - {R.WARD_NURSE, R.GMSC_CHAIR},
    "product_specific": DELEGATION_LOG,
    "resuscitation": CLINICAL,
    "infection_prevention": CLINICAL | LABORATORY,
    "temperature_alarm_response": frozenset(
        {R.TRIAL_PHARM, R.PHARM_TECH, R.CELL_LAB_SCI, R.CELL_LAB_MGR}
    ),
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
    Position(
        (R.PI,),
        ("Consultant Haematologist", "Consultant Medical Oncologist"),
        (1, 1),
        (1, 1),
        "gmc",
    ),
    Position(
        (R.SUB_I,),
        ("Consultant Haematologist", "Specialty Doctor, Haematology"),
        (2, 3),
        (1, 2),
        "gmc",
    ),
    Position(
        (R.RESEARCH_NURSE,),
        ("Research Nurse", "Senior Research Nurse", "Clinical Research Practitioner"),
        (3, 4),
        (2, 3),
        "nmc",
    ),
    Position((R.ATMP_COORD,), ("ATMP Coordinator", "CAR-T Coordinator"), (1, 2), (0, 1), "nmc"),
    Position((R.RD_MANAGER,), ("R&D Manager", "Research Governance Manager"), (1, 1), (1, 1)),
    Position(
        (R.TRIAL_PHARM,),
        ("Clinical Trials Pharmacist", "Lead ATMP Pharmacist"),
        (2, 3),
        (1, 2),
        "gphc",
    ),
    Position(
        (R.PHARM_TECH,),
        ("Clinical Trials Pharmacy Technician", "Aseptic Pharmacy Technician"),
        (2, 3),
        (1, 3),
        "gphc",
    ),
    Position((R.CHIEF_PHARM,), ("Chief Pharmacist",), (1, 1), (1, 1), "gphc"),
    Position(
        (R.WARD_NURSE,),
        ("Staff Nurse, Haematology", "Ward Sister, Haematology", "Charge Nurse, BMT Unit"),
        (4, 6),
        (2, 4),
        "nmc",
    ),
    Position(
        (R.CELL_LAB_SCI,),
        ("Clinical Scientist, Cellular Therapies", "Biomedical Scientist, Stem Cell Laboratory"),
        (2, 4),
        (0, 2),
        "hcpc",
    ),
    Position(
        (R.CELL_LAB_MGR, R.HTA_DI),
        ("Cellular Therapies Laboratory Manager",),
        (1, 1),
        (0, 1),
        "hcpc",
    ),
    Position((R.APH_NURSE,), ("Apheresis Nurse Specialist",), (2, 3), (0, 2), "nmc"),
    Position((R.ICU_LEAD,), ("Consultant in Critical Care",), (1, 1), (0, 1), "gmc"),
    Position((R.BSO, R.GMSC_CHAIR), ("Biological Safety Officer",), (1, 1), (0, 1)),
    Position((R.QUALITY_MGR,), ("JACIE Quality Manager",), (1, 1), (0, 1)),
    Position((R.DATA_MGR,), ("Trial Data Manager",), (1, 1), (1, 1)),
    Position((R.QA_PHARM,), ("Quality Assurance Pharmacist",), (0, 1), (0, 1), "gphc"),
    Position((R.ASEPTIC_MGR,), ("Aseptic Services Manager",), (0, 1), (0, 1), "gphc"),
    Position(
        (R.APH_LEAD, R.SUB_I), ("Consultant Haematologist, Apheresis Lead",), (0, 1), (0, 0), "gmc"
    ),
    Position((R.NEURO_LEAD,), ("Consultant Neurologist",), (0, 1), (0, 1), "gmc"),
)
STAFF_TARGET = {True: (24, 30), False: (12, 20)}  # by "advanced"


def _registration(rng: random.Random, kind: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    if kind in ("gmc", "gphc"):
        return str(rng.randint(1_000_000, 9_999_999))
    if kind == "nmc":
        return (
            f"{rng.randint(0, 99):02d}{rng.choice(letters)}{rng.randint(0, 9999):04d}"
            f"{rng.choice(letters)}"
        )
    if kind == "hcpc":
        return f"{rng.choice(('BS', 'CS'))}{rng.randint(10_000, 99_999)}"
    return ""


def _email_part(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _positions(rng: random.Random, site: SiteProfile) -> list[Position]:
    """Core positions (the minimum of each, raised to what the story's floors need) then
    extras, up to the site's staff target."""
    need: dict[str, int] = {}
    for (_, role), count in site.intent.floor.items():
        need[role] = max(need.get(role, 0), count)
    core, extras = [], []
    for position in POSITIONS:
        low, high = position.advanced if site.advanced else position.developing
        count = rng.randint(low, high)
        # The first position holding a role is the one raised for it.
        first = [
            role
            for role in position.roles
            if next(p for p in POSITIONS if role in p.roles) is position
        ]
        low = max([low, *(need.get(role, 0) for role in first)])
        core += [position] * low
        extras += [position] * max(0, count - low)
    rng.shuffle(extras)
    target = rng.randint(*STAFF_TARGET[site.advanced])
    return core + extras[: max(0, target - len(core))]


def _needed(course: CourseInfo, roles: set[str], site: SiteProfile) -> bool:
    if course.trial_only and course.code not in site.trial_courses:
        return False
    return bool(roles & (course.roles | COURSE_ROLE_RULES.get(course.code, frozenset())))


def _period(course: CourseInfo) -> int | None:
    return None if course.renewal_months is None else int(course.renewal_months * 30.44)


def _valid_days(rng: random.Random, course: CourseInfo) -> int:
    """Days ago a floor's record was completed: valid today for 100 days more at least, and
    (one that never expires) completed before the year of history, so it held all year."""
    period = _period(course)
    if period is None:
        return rng.randint(HISTORY_DAYS + 30, 1500)
    return rng.randint(10, max(11, period - 100))


def _leavers(rng: random.Random, positions: list[Position], site: SiteProfile) -> set[int]:
    """One or two leavers, never one the story's floors need."""
    need: dict[str, int] = {}
    for (_, role), count in site.intent.floor.items():
        if role:
            need[role] = max(need.get(role, 0), count)
    have: dict[str, int] = {}
    for position in positions:
        for role in position.roles:
            have[role] = have.get(role, 0) + 1
    spare = [
        index
        for index, position in enumerate(positions)
        if all(have.get(role, 0) - 1 >= need.get(role, 0) for role in position.roles)
    ]
    return set(rng.sample(spare, min(len(spare), rng.randint(1, 2))))


def plan_staff(site: SiteProfile, courses: tuple[CourseInfo, ...]) -> tuple[StaffPlan, ...]:
    rng = seeded_rng(site.ods_code, "staff")
    positions = _positions(rng, site)
    names: list[tuple[str, str]] = []  # a list, not a set: set order varies between runs
    while len(names) < len(positions):
        name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if name not in names:
            names.append(name)
    leavers = _leavers(rng, positions, site)
    domain = f"{site.ods_code.lower()}.nhs.example"
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
    return _apply_ceilings(site, _apply_floors(site, staff, courses), courses)


def _plan_training(
    site: SiteProfile, email: str, roles: set[str], courses: tuple[CourseInfo, ...]
) -> tuple[TrainingPlan, ...]:
    """The current record of each course the person's roles need: valid, expiring, expired or
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
        period = _period(course)
        if period is None:
            days = rng.randint(30, 1500)
        elif roll < missing + expired:
            days = rng.randint(period + 10, period + 300)
        elif roll < missing + expired + 0.12:
            days = rng.randint(period - 80, period - 10)  # expires in 10 to 80 days
        else:
            days = rng.randint(10, max(11, period - 100))
        records.append(TrainingPlan(course.code, (days,)))
    return tuple(records)


def _holders(staff: list[StaffPlan], role: str, avoid: set[str]) -> list[int]:
    """Active staff holding `role` (anyone for no role), those with an `avoid` role last."""
    found = [
        i for i, person in enumerate(staff) if person.active and (not role or role in person.roles)
    ]
    return sorted(found, key=lambda i: bool(avoid & set(staff[i].roles)))


def _set_training(person: StaffPlan, course: str, days: int | None, steady: bool) -> StaffPlan:
    training = [plan for plan in person.training if plan.course != course]
    if days is not None:
        training.append(TrainingPlan(course, (days,)))
    training.sort(key=lambda plan: plan.course)
    pinned = person.steady | {course} if steady else person.steady - {course}
    return replace(person, training=tuple(training), steady=pinned)


def _apply_floors(site: SiteProfile, staff: list[StaffPlan], courses) -> list[StaffPlan]:
    by_code = {course.code: course for course in courses}
    ceilings = {(course, role) for course, role in site.intent.ceiling}
    rngs: dict[str, random.Random] = {}  # one per person: seeding is most of the cost
    for (code, role), count in sorted(site.intent.floor.items()):
        avoid = {r for c, r in ceilings if c == code}
        for index in _holders(staff, role, avoid)[:count]:
            email = staff[index].email
            if email not in rngs:
                rngs[email] = seeded_rng(site.ods_code, "floor", email)
            rng = rngs[email]
            staff[index] = _set_training(staff[index], code, _valid_days(rng, by_code[code]), True)
    return staff


def _is_valid(person: StaffPlan, course: CourseInfo) -> bool:
    period = _period(course)
    return any(
        plan.course == course.code and (period is None or plan.completions[-1] <= period)
        for plan in person.training
    )


def _apply_ceilings(site: SiteProfile, staff: list[StaffPlan], courses) -> tuple:
    by_code = {course.code: course for course in courses}
    for (code, role), most in sorted(site.intent.ceiling.items()):
        course = by_code[code]
        valid = [i for i in _holders(staff, role, set()) if _is_valid(staff[i], course)]
        valid.sort(key=lambda i: code not in staff[i].steady)  # people a floor needs first
        rng = seeded_rng(site.ods_code, "ceiling", code, role)
        for index in valid[most:]:
            period = _period(course)
            days = None if period is None or rng.random() < 0.5 else period + rng.randint(5, 150)
            staff[index] = _set_training(staff[index], code, days, False)
    return tuple(staff)
