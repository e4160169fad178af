"""The overview's trend: stored month-end points are exactly what `assess_series` gives, are
read instead of recomputed, and never outlive a change of the sites or the requirements."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import readiness
from reports.models import TrendSnapshot
from reports.tasks import fill_trend_points
from reports.trend import (
    TrendPoint,
    forget_stored_points,
    median_score,
    month_ends,
    readiness_trend,
    storable,
)
from sites.models import Site
from sites.selectors import site_refs
from tests.reports.test_readiness import LONDON, ON, _today_is_on  # noqa: F401
from tests.reports.test_readiness_summary import build_random_site
from tests.sites.factories import CapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Ten sites with a year and more of random checklist, staff and training history."""
    rng = random.Random(20261201)
    capabilities = CapabilityFactory.create_batch(4)
    courses = [CourseFactory(renewal_months=months) for months in (None, 12)]
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=capabilities[:2])
    CapabilityRequirementFactory(profile=profile, capabilities=[capabilities[2]])
    CapabilityRequirementFactory(
        profile=profile, capabilities=[capabilities[3]], level="recommended"
    )
    TrainingRequirementFactory(profile=profile, course=courses[0], min_staff=1)
    TrainingRequirementFactory(profile=profile, course=courses[1], role="TRIAL_PHARM", min_staff=2)
    for site in SiteFactory.create_batch(10):
        build_random_site(rng, site, capabilities, courses, ["TRIAL_PHARM", "PI"])
    return profile, courses


def _sites():
    return site_refs(Site.objects.order_by("name", "pk"))


def _expected(sites, requirement_set, today):
    series = readiness.assess_series(
        sites=sites, requirements=requirement_set, dates=month_ends(today)
    )
    return [
        TrendPoint(on, len(a), sum(1 for x in a if x.ready), median_score(a))
        for on, a in series.items()
    ]


def _trend(sites, requirement_set, today=ON):
    with CaptureQueriesContext(connection) as ctx:
        points = readiness_trend(sites=sites, requirements=requirement_set, today=today)
    return points, len(ctx)


def test_stored_points_are_the_series_and_are_read_not_recomputed(world):
    profile, _ = world
    requirement_set = readiness.requirement_set_for_profile(profile)
    sites = _sites()
    expected = _expected(sites, requirement_set, ON)
    assert len({(p.ready, p.median_score) for p in expected}) > 1  # the history moves

    cache.clear()  # `expected` filled the ranking's count cache (summary_cache.py)
    first, first_queries = _trend(sites, requirement_set)
    assert first == expected
    stored = set(TrendSnapshot.objects.values_list("on", flat=True))
    assert stored == set(month_ends(ON)[:-1])  # every month end; today is never stored
    second, second_queries = _trend(sites, requirement_set)
    assert second == expected
    # Read: one query for the stored points, one for today (the sites' stamps; its counts are
    # cached). First time: the stamps, a statement per month end and today's, and the insert.
    assert second_queries == 2 and first_queries == 1 + 1 + 12 + 1


def test_a_point_is_stored_only_once_an_edit_session_can_no_longer_move_a_change_into_it():
    """An edit session folds saves of up to 30 minutes into one history entry dated at the
    last: a change saved at 23:50 may still move past midnight until 00:20."""
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 29, tzinfo=LONDON), tick=False):
        assert not storable(dt.date(2026, 3, 1)) and not storable(dt.date(2026, 2, 28))
        assert storable(dt.date(2026, 2, 27))
    with time_machine.travel(dt.datetime(2026, 3, 1, 0, 30, tzinfo=LONDON), tick=False):
        assert storable(dt.date(2026, 2, 28)) and not storable(dt.date(2026, 3, 1))


def test_another_set_of_sites_or_changed_requirements_is_a_new_key(world):
    profile, courses = world
    sites = _sites()
    requirement_set = readiness.requirement_set_for_profile(profile)
    readiness_trend(sites=sites, requirements=requirement_set, today=ON)
    # Fewer sites: their own points, not the stored ones of all ten.
    fewer = sites[:4]
    assert _trend(fewer, requirement_set)[0] == _expected(fewer, requirement_set, ON)
    # A course renewed more often: stricter, and assessed again.
    courses[0].renewal_months = 1
    courses[0].save()
    stricter = readiness.requirement_set_for_profile(profile)
    points, queries = _trend(sites, stricter)
    assert points == _expected(sites, stricter, ON) and queries > 2
    assert TrendSnapshot.objects.count() == 3 * 11


def test_forgetting_drops_every_stored_point(world):
    profile, _ = world
    requirement_set = readiness.requirement_set_for_profile(profile)
    readiness_trend(sites=_sites(), requirements=requirement_set, today=ON)
    assert forget_stored_points() == 11 and not TrendSnapshot.objects.exists()


def test_the_nightly_task_stores_every_scopes_month_ends_once(world):
    profile, _ = world
    requirement_set = readiness.requirement_set_for_profile(profile)
    sites = _sites()
    expected = _expected(sites, requirement_set, ON)
    cache.clear()  # `expected` filled the ranking's count cache
    stored = fill_trend_points.apply().get()
    assert stored >= 11 and stored % 11 == 0  # every scope's 11 past month ends
    # Every site, and each region's: the stored points read (one query); only today is
    # assessed (the sites' stamps and, the count cache being empty, the statement).
    assert _trend(sites, requirement_set) == (expected, 3)
    region_sites = [s for s in sites if s.region == sites[0].region]
    points, queries = _trend(region_sites, requirement_set)
    # (today's counts of its sites are cached per site since the call above: two queries)
    assert queries == 2 and points == _expected(region_sites, requirement_set, ON)
    assert fill_trend_points.apply().get() == 0  # nothing left to store
