"""Every page a user spends time on makes the same number of queries at 1x and 10x data (issue 14).

One world: a region with sites, the coordinator's site, a trial and a profile. `grow` adds one
unit of everything the pages list (a site with a state for every capability, a capability and
a course in the profile, a staff member trained on every course, a trial at the site, a
guidance document, a report, an action). "1x" is the world after one unit; "10x" after
`TEN_X_UNITS`, chosen so that every table the pages read holds at least ten times the rows
(sites 2 -> 20, trials 2 -> 20, staff 1 -> 19, training records and checklist entries grow with
the square), which the test checks rather than assumes. Each page is counted twice at each
size: with the ranking's count cache warm (a repeat visit) and cleared (the counting statements
run). A count that grows is an N+1: fix the page, not the test. `seed_demo --scale 14` against
`--scale 140` (555 against 5,217 sites) is compared by `make bench` (bench_scale10x.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from accounts.models import User
from actions.models import GapAction
from guidance.models import GuidanceDocument
from reports.models import ReadinessReport
from sites.models import Capability, Region, Site, SiteCapability, SiteMembership
from tests.accounts.factories import UserFactory
from tests.guidance.factories import publish_guidance
from tests.sites.factories import (
    CapabilityFactory,
    MembershipFactory,
    RegionFactory,
    SiteCapabilityFactory,
    SiteFactory,
)
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
    TrialFactory,
    TrialSiteFactory,
)
from training.models import Course, StaffMember, TrainingRecord
from trials.models import RequirementProfile, Trial, TrialSite

PAGES = {
    "home, coordinator": ("coordinator", "/"),
    "home, national": ("national", "/"),
    "site dashboard": ("coordinator", "/sites/{site}/dashboard/"),
    "checklist, editable": ("coordinator", "/sites/{site}/checklist/"),
    "checklist, read-only": ("national", "/sites/{site}/checklist/"),
    "site readiness": ("coordinator", "/sites/{site}/readiness/?profile={profile}"),
    "site readiness, every set": ("coordinator", "/sites/{site}/readiness/"),
    "ranking": ("national", "/readiness/?profile={profile}"),
    "site list, ready for a trial": ("national", "/sites/?trial={trial}&sort=score"),
    "network overview": ("national", "/overview/?profile={profile}"),
    "trial list": ("national", "/trials/"),
    "trial page": ("national", "/trials/{trial}/"),
    "trial history": ("national", "/trials/{trial}/history/"),
    "trial sites": ("national", "/trials/{trial}/sites/"),
    "guidance search": ("coordinator", "/guidance/?q=cell"),
    "guidance document": ("coordinator", "/guidance/{document}/"),
    "staff list": ("coordinator", "/sites/{site}/staff/"),
    "training matrix": ("coordinator", "/sites/{site}/staff/matrix/"),
    "report list": ("national", "/reports/"),
    "API ranking": ("national", "/api/v1/readiness/?profile={profile}"),
    "API site readiness": ("coordinator", "/api/v1/sites/{site}/readiness/?profile={profile}"),
    "API sites": ("national", "/api/v1/sites/"),
    "API capabilities": ("coordinator", "/api/v1/capabilities/"),
    "API blockers": ("national", "/api/v1/readiness/blockers/?profile={profile}"),
    "API trend": ("national", "/api/v1/readiness/trend/?profile={profile}"),
    "API guidance search": ("coordinator", "/api/v1/guidance/?q=cell"),
}


@dataclass
class World:
    region: Region
    site: Site
    coordinator: User
    national: User
    profile: RequirementProfile
    trial: Trial
    document: str = ""
    units: int = 0
    sites: list[Site] = field(default_factory=list)

    def url(self, template: str) -> str:
        return template.format(
            site=self.site.pk,
            profile=self.profile.code,
            trial=self.trial.pk,
            document=self.document,
        )


def _world() -> World:
    region = RegionFactory(code="QCNORTH", name="North")
    site = SiteFactory(name="Alpha Hospital", region=region)
    coordinator = MembershipFactory(site=site, role=SiteMembership.Role.COORDINATOR).user
    national = UserFactory(network_scope="national")
    profile = RequirementProfileFactory(code="qc_profile", name="Query-count profile")
    trial = TrialFactory(short_title="QC-TRIAL", status=Trial.Status.RECRUITING)
    trial.profiles.add(profile)
    TrialSiteFactory(trial=trial, site=site)
    return World(region, site, coordinator, national, profile, trial, sites=[site])


def grow(world: World, units: int) -> None:
    """Add `units` of everything the pages list."""
    today = dt.date.today()
    statuses = [SiteCapability.Status.IN_PLACE, SiteCapability.Status.IN_PROGRESS]
    for _ in range(units):
        n = world.units = world.units + 1
        capability = CapabilityFactory(code=f"qc_capability_{n}", name=f"Cell storage {n}")
        course = CourseFactory(code=f"qc_course_{n}", title=f"Cell handling {n}")
        CapabilityRequirementFactory(profile=world.profile, capabilities=[capability])
        TrainingRequirementFactory(profile=world.profile, course=course)
        new_site = SiteFactory(region=world.region)
        world.sites.append(new_site)
        for site in world.sites:
            SiteCapabilityFactory(
                site=site,
                capability=capability,
                status=statuses[n % 2],
                evidence_expires_on=today + dt.timedelta(days=20 * n),
            )
        for other in Capability.objects.exclude(pk=capability.pk):
            SiteCapabilityFactory(site=new_site, capability=other, status=statuses[n % 2])
        staff = StaffMemberFactory(site=world.site)
        for each in world.site.staff.all():
            TrainingRecordFactory(staff=each, course=course)
        for other in course.__class__.objects.exclude(pk=course.pk):
            TrainingRecordFactory(staff=staff, course=other)
        trial = TrialFactory(status=Trial.Status.RECRUITING)
        trial.profiles.add(world.profile)
        TrialSiteFactory(trial=trial, site=world.site)
        TrialSiteFactory(trial=world.trial, site=new_site)
        version = publish_guidance(
            title=f"Cell therapy guidance {n}", body="Cell storage and handling."
        )
        world.document = world.document or version.document.slug
        ReadinessReport.objects.create(
            kind=ReadinessReport.Kind.SITE,
            site=world.site,
            profile=world.profile,
            as_of=today,
            requested_by=world.national,
            status=ReadinessReport.Status.SUCCEEDED,
        )
        GapAction.objects.create(
            site=world.site,
            requirement_key=f"capability:{capability.pk}",
            requirement_label=capability.name,
            target_date=today + dt.timedelta(days=30),
            created_by=world.coordinator,
            owner_staff=staff,
        )


TEN_X_UNITS = 19


def _sizes() -> dict[str, int]:
    """Rows of each table the pages list."""
    models = [Site, SiteCapability, Capability, Course, StaffMember, TrainingRecord, Trial,
              TrialSite, GuidanceDocument, ReadinessReport, GapAction]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def _queries(client: Client, url: str, *, cold: bool) -> tuple[list[str], int]:
    client.get(url)  # first request: session, caches
    if cold:
        cache.clear()  # the ranking's counts (summary_cache.py) are counted again
    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return seen, len(response.content)


def _measure(world: World) -> dict[tuple[str, bool], tuple[list[str], int]]:
    measured = {}
    for name, (role, template) in PAGES.items():
        client = Client()
        client.force_login(getattr(world, role))
        for cold in (False, True):
            measured[name, cold] = _queries(client, world.url(template), cold=cold)
    return measured


@pytest.mark.django_db
def test_queries_do_not_grow_with_data():
    world = _world()
    grow(world, 1)
    small_sizes, small = _sizes(), _measure(world)
    grow(world, TEN_X_UNITS - 1)
    large_sizes, large = _sizes(), _measure(world)
    assert all(large_sizes[table] >= 10 * small_sizes[table] for table in small_sizes), (
        small_sizes,
        large_sizes,
    )
    problems = []
    for (name, cold), (queries, size) in large.items():
        before, before_size = small[name, cold]
        # The page shows the added data (a page that ignored it would prove nothing).
        if size <= before_size and name != "guidance document":
            problems.append(f"{name}: the page did not grow ({before_size} -> {size} bytes)")
        if len(queries) != len(before):
            repeated = sorted({q for q in queries if queries.count(q) > before.count(q)})
            problems.append(
                f"{name} ({'cache cleared' if cold else 'cache warm'}): {len(before)} queries at "
                f"1x, {len(queries)} at 10x; repeated:\n" + "\n".join(repeated)[:2000]
            )
    assert not problems, "\n".join(problems)
