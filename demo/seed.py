"""Load the demo data: reference data, synthetic readiness records and one user per role.

Idempotent: a second run gives the same rows. Everything happens in one transaction, so a
failure leaves the database as it was.

Dates. Checklist expiries, training completions and leaving dates are offsets from an anchor
date, today by default, so "expiring within 90 days" means something whatever day the demo is
seeded. Running again on the same day writes nothing; on a later day the same rows get moved
dates (they are matched on natural keys, never duplicated). Pass `anchor` to pin the dates,
as the tests do. Trial openings and the year of history (demo/timeline.py) move with the
anchor; guidance effective dates are fixed.

Story. What each real site is meant to be ready for is planned in demo/story.py (the CAR-T
centres ready for CAR-T core, open sites ready, sites in set-up near-ready...), and the
records are drawn to fit it; docs/demo-data.md tells it.

Scale. `scale=N` adds N times as many synthetic sites as there are real demo organisations
(37), with codes RZ001, RZ002... (5-character trust-site codes that no real trust uses), spread
over the English regions and Wales, each with staff, records and a part in 1 to 3 trials,
and a year of history behind them as the real sites have (so a past-date assessment of a
synthetic site means what it says). Synthetic sites are only ever added: a smaller scale
later leaves the extra ones in place.

Speed. Rows are inserted with COPY (demo/copying.py), history rows without building model
instances; a rerun plans only the sites whose inputs or records changed since the last run
(demo/fresh.py: one query), so the same day's rerun of --scale 140 writes and plans nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from demo.catalogue import (
    load,
    load_capabilities,
    load_courses,
    load_guidance,
    load_profiles,
    load_regions,
    load_sites,
    load_trials,
)
from demo.fresh import note_seeded, site_digests, unchanged_sites
from demo.names import TOWN_LOCATIONS, TOWNS_BY_REGION
from demo.planner import plan_site
from demo.plans import SERVICE_SITES, CapabilityInfo, CourseInfo, SiteProfile
from demo.records import Writer, sync_site_records, sync_sites, sync_trial_sites
from demo.story import CAR_T_CENTRES, Participation, seeded_rng, site_intent
from demo.trial_sites import opened_days_ago, sync_trial_site_history
from demo.users import DEMO_USERS, demo_password, load_users
from guidance.models import GuidanceDocument, GuidanceVersion
from reports.trend import forget_stored_points
from sites.models import Capability, Region, Site, SiteCapability
from training.models import Course, StaffMember, TrainingRecord
from trials.models import (
    CapabilityRequirement,
    RequirementProfile,
    TrainingRequirement,
    Trial,
    TrialSite,
)

SYNTHETIC_PREFIX = "RZ"
SYNTHETIC_NAME = "Synthetic Hospital {number:04d} NHS Foundation Trust"
SYNTHETIC_DESCRIPTION = "Synthetic site made by seed_demo --scale for benchmarks; not a real trust."
SYNTHETIC_OPENING_BASE = dt.date(2026, 1, 5)
MAX_SYNTHETIC = 36**3 - 1
SCALE_TOO_LARGE = "--scale {scale} would need more than {limit} synthetic site codes."


@dataclass
class SeedResult:
    anchor: dt.date
    scale: int
    password: str
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    planned: int = 0  # sites planned and compared with their rows
    unchanged: int = 0  # sites left as they were: nothing of theirs changed since the last run


def _base36(number: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text.rjust(width, "0")


@cache
def _trial_courses() -> dict[str, frozenset[str]]:
    """Per trial (IRAS ID): the courses its requirements name, its profiles' included."""
    profiles = {row["code"]: row for row in load("profiles")}
    return {
        trial["iras_id"]: frozenset(
            req["course"]
            for part in [profiles[code] for code in trial["profiles"]] + [trial]
            for req in part["training_requirements"]
        )
        for trial in load("trials")
    }


def _profile(
    ods_code: str,
    attc: bool,
    participations: list[Participation],
    capabilities: list[CapabilityInfo],
) -> SiteProfile:
    not_applicable = {
        info.code
        for info in capabilities
        if info.applies_note in SERVICE_SITES and ods_code not in SERVICE_SITES[info.applies_note]
    }
    courses = _trial_courses()
    return SiteProfile(
        ods_code=ods_code,
        advanced=attc or ods_code in CAR_T_CENTRES,
        intent=site_intent(ods_code, attc, participations, not_applicable),
        trial_courses=frozenset().union(
            *(courses[p.set_name.removeprefix("trial:")] for p in participations)
        ),
    )


@dataclass(frozen=True)
class ProfileInputs:
    """What a site's profile is made from. The profile itself (its story's constraints: ~7 ms
    a site) is worked out only for the sites a run plans; the digest of a rerun (fresh.py)
    covers these inputs, since the profile is a function of them, the catalogue and the code."""

    ods_code: str
    attc: bool
    participations: tuple[Participation, ...]

    def profile(self, capabilities: list[CapabilityInfo]) -> SiteProfile:
        return _profile(self.ods_code, self.attc, list(self.participations), capabilities)


def _real_profiles(capabilities: list[CapabilityInfo]) -> dict[str, SiteProfile]:
    return {code: inputs.profile(capabilities) for code, inputs in _real_inputs().items()}


def _real_inputs() -> dict[str, ProfileInputs]:
    participations: dict[str, list[Participation]] = {}
    for trial in load("trials"):
        for row in trial["sites"]:
            participations.setdefault(row["ods_code"], []).append(
                Participation(
                    f"trial:{trial['iras_id']}",
                    row["status"],
                    opened_days_ago(row),
                )
            )
    return {
        row["ods_code"]: ProfileInputs(
            row["ods_code"], bool(row["attc"]), tuple(participations.get(row["ods_code"], []))
        )
        for row in load("sites")
    }


def _near(ods_code: str, town: str) -> tuple[Decimal, Decimal]:
    """A synthetic site's location: its town, moved by up to ~5 km (seeded by its code)."""
    latitude, longitude = TOWN_LOCATIONS[town]
    rng = seeded_rng(ods_code, "location")
    return (
        Decimal(str(round(latitude + rng.uniform(-0.04, 0.04), 4))),
        Decimal(str(round(longitude + rng.uniform(-0.06, 0.06), 4))),
    )


def _synthetic_sites(
    scale: int, regions: dict[str, Region], trials: dict[str, Trial], writer: Writer
) -> tuple[dict[str, Site], dict[str, ProfileInputs]]:
    count = scale * len(load("sites"))
    if count > MAX_SYNTHETIC:
        raise ValueError(SCALE_TOO_LARGE.format(scale=scale, limit=MAX_SYNTHETIC))
    region_codes = list(TOWNS_BY_REGION)
    rows, participation_rows, profiles = [], [], {}
    for number in range(1, count + 1):
        ods_code = SYNTHETIC_PREFIX + _base36(number, 3)
        region = region_codes[(number - 1) % len(region_codes)]
        towns = TOWNS_BY_REGION[region]
        town = towns[(number - 1) // len(region_codes) % len(towns)]
        latitude, longitude = _near(ods_code, town)
        rows.append(
            Site(
                name=SYNTHETIC_NAME.format(number=number),
                ods_code=ods_code,
                code_system=Site.CodeSystem.ODS,
                region=regions[region],
                city=town,
                attc=Site.Attc.NONE,
                description=SYNTHETIC_DESCRIPTION,
                is_demo=True,
                latitude=latitude,
                longitude=longitude,
            )
        )
        rng = seeded_rng(ods_code, "trials")
        chosen = rng.sample(sorted(trials), rng.randint(1, 3))
        participations = []
        for iras in chosen:
            status = rng.choices(["shortlisted", "in_setup", "open"], weights=[4, 3, 3])[0]
            opening = None
            if status != "shortlisted" or rng.random() < 0.5:
                opening = SYNTHETIC_OPENING_BASE + dt.timedelta(days=rng.randint(0, 540))
            participations.append((iras, status, opening))
        participation_rows.append((ods_code, participations))
        profiles[ods_code] = ProfileInputs(
            ods_code,
            seeded_rng(ods_code, "tier").random() < 0.25,
            tuple(Participation(f"trial:{iras}", status) for iras, status, _ in participations),
        )
    sites = sync_sites(rows, writer)
    sync_trial_sites(
        [
            TrialSite(
                trial=trials[iras], site=sites[ods_code], status=status, planned_opening=opening
            )
            for ods_code, participations in participation_rows
            for iras, status, opening in participations
        ],
        writer,
    )
    return sites, profiles


def _catalogue_info(
    capabilities: dict[str, Capability], courses: dict[str, Course]
) -> tuple[list[CapabilityInfo], list[CourseInfo]]:
    capability_info = [
        CapabilityInfo(code, cap.evidence_validity_months, cap.applies_note)
        for code, cap in sorted(capabilities.items())
    ]
    course_info = [
        CourseInfo(
            code,
            course.renewal_months,
            frozenset(course.roles),
            trial_only=course.is_custom or course.scope != Course.Scope.GENERIC,
        )
        for code, course in sorted(courses.items())
    ]
    return capability_info, course_info


def _sync_records(
    site_profiles: dict[Site, ProfileInputs],
    capabilities: dict[str, Capability],
    courses: dict[str, Course],
    result: SeedResult,
    writer: Writer,
) -> None:
    """Plan and write every site's records but those unchanged since the last run (fresh.py)."""
    capability_info, course_info = _catalogue_info(capabilities, courses)
    catalogue = (
        capability_info, course_info,
        sorted((code, c.pk) for code, c in capabilities.items()),
        sorted((code, c.pk) for code, c in courses.items()),
    )  # fmt: skip
    digests = site_digests(site_profiles, result.anchor, catalogue)
    unchanged = unchanged_sites(digests)
    plans = {
        site: plan_site(inputs.profile(capability_info), capability_info, course_info)
        for site, inputs in site_profiles.items()
        if site.pk not in unchanged
    }
    sync_site_records(plans, capabilities, courses, result.anchor, writer)
    note_seeded({site: digests[site] for site in plans})
    result.planned, result.unchanged = len(plans), len(unchanged)


def seed_demo(
    *, scale: int = 0, anchor: dt.date | None = None, password: str | None = None
) -> SeedResult:
    """Load or refresh every demo record; see the module docstring for dates and scale."""
    if scale < 0:
        raise ValueError("scale must be 0 or more.")
    result = SeedResult(
        anchor=anchor or timezone.localdate(), scale=scale, password=password or demo_password()
    )
    started = time.perf_counter()
    with transaction.atomic():
        regions = load_regions()
        sites = load_sites(regions)
        capabilities = load_capabilities()
        courses = load_courses()
        profiles = load_profiles(capabilities, courses)
        users = load_users(result.password)
        trials = load_trials(
            sites, profiles, capabilities, courses, result.anchor, users["national@demo.nhs.uk"]
        )
        load_guidance(users["editor@demo.nhs.uk"], capabilities, courses)

        capability_info, course_info = _catalogue_info(capabilities, courses)
        writer = Writer(anchor=result.anchor, history=True)
        sync_trial_site_history(trials, sites, result.anchor, writer)
        site_profiles = {sites[ods_code]: inputs for ods_code, inputs in _real_inputs().items()}
        if scale:
            synthetic_sites, profiles_by_code = _synthetic_sites(scale, regions, trials, writer)
            site_profiles.update({
                synthetic_sites[ods_code]: profile
                for ods_code, profile in profiles_by_code.items()
            })  # fmt: skip
        _sync_records(site_profiles, capabilities, courses, result, writer)
        result.changes = dict(writer.counts)
        forget_stored_points()  # the history was rewritten: stored trend points may be stale
    result.seconds = time.perf_counter() - started
    result.counts = count_rows()
    return result


def count_rows() -> dict[str, int]:
    """What the demo database holds, for the summary table and the tests."""
    synthetic = Q(name__startswith="Synthetic Hospital ")
    return {
        "Regions": Region.objects.count(),
        "Sites (real NHS organisations)": Site.objects.exclude(synthetic).count(),
        "Sites (synthetic)": Site.objects.filter(synthetic).count(),
        "Capabilities": Capability.objects.count(),
        "Courses": Course.objects.count(),
        "Requirement profiles": RequirementProfile.objects.count(),
        "Capability requirements": CapabilityRequirement.objects.count(),
        "Training requirements": TrainingRequirement.objects.count(),
        "Trials": Trial.objects.count(),
        "Trial sites": TrialSite.objects.count(),
        "Guidance documents": GuidanceDocument.objects.count(),
        "Published guidance versions": GuidanceVersion.objects.filter(
            status=GuidanceVersion.Status.PUBLISHED
        ).count(),
        "Site capabilities": SiteCapability.objects.count(),
        "  of which in place": SiteCapability.objects.filter(
            status=SiteCapability.Status.IN_PLACE
        ).count(),
        "Staff members": StaffMember.objects.count(),
        "  of which left": StaffMember.objects.filter(active=False).count(),
        "Training records": TrainingRecord.objects.count(),
        "Demo users": User.objects.filter(email__in=[user.email for user in DEMO_USERS]).count(),
    }
