"""`assess_with_blockers` (the overview and the blockers API) agrees with the full rows.

Re-runs every test of test_readiness.py (capability and training rules, alternatives, minimum
staff, renewals and certificate overrides, leavers, expiring, past dates from the history) and
of test_readiness_overrides.py (relaxed and excluded requirements) with `readiness.assess`
wrapped, so that each assessment is checked: the database's count of the sites each requirement
blocks (blockers_sql.py) must be the count of blocker rows of the full assessments, and its
per-site counts the summary's.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection

from reports import readiness
from tests.reports.test_readiness import *  # noqa: F403 (every rule's test, run again here)
from tests.reports.test_readiness import (  # the autouse fixture makes ON today here too
    IN_PLACE,
    _today_is_on,  # noqa: F401
    days,
    site_capability,
)
from tests.reports.test_readiness_overrides import *  # noqa: F403
from tests.reports.test_readiness_summary import build_random_site, mixed_requirement_set
from tests.sites.factories import CapabilityFactory, SiteFactory

# Counting queries is that test's own business: the cross-check below adds some.
del test_it_uses_the_same_few_queries_for_one_site_and_fifty  # noqa: F821
del test_a_past_date_costs_the_same_queries_for_one_site_and_ten  # noqa: F821

_real_assess = readiness.assess
checked = Counter()


def _fields(a: readiness.SiteAssessment) -> tuple:
    return (a.site.pk, a.score, a.ready, a.blockers, a.warnings, a.expiring, a.met)


def _check(sites, requirements, on) -> None:
    full = _real_assess(sites=sites, requirements=requirements, on=on)
    expected = Counter(row.requirement.key for a in full for row in a.rows if row.is_blocker)
    summaries, blocked = readiness.assess_with_blockers(
        sites=sites, requirements=requirements, on=on
    )
    assert blocked == expected
    assert [_fields(a) for a in summaries] == [_fields(a) for a in full]
    checked["blocked"] += sum(expected.values())


def _checked_assess(*, sites, requirements, on, summary_only=False):
    sites = list(sites)
    _check(sites, requirements, on)
    return _real_assess(sites=sites, requirements=requirements, on=on, summary_only=summary_only)


@pytest.fixture(autouse=True)
def _cross_check_blockers(monkeypatch):
    assert connection.vendor == "postgresql", "the blockers' SQL path needs PostgreSQL"
    monkeypatch.setattr(readiness, "assess", _checked_assess)


def test_the_database_counts_the_blocked_sites_of_mixed_sites_on_past_and_future_dates():
    """Twenty sites of random checklists, staff, roles, leavers, renewals and certificate
    overrides with a history of changes, against the summary test's mixed set (alternatives,
    roles, minimum numbers, both levels), on past dates (from the history), today and later."""
    rng = random.Random(20261201)
    requirement_set, capabilities, courses, roles = mixed_requirement_set()
    sites = SiteFactory.create_batch(20)
    for site in sites:
        build_random_site(rng, site, capabilities, courses, roles)
    before = checked["blocked"]
    blocked_on = {}
    for on in [days(-365), days(-200), days(-31), days(-1), days(0), days(28), days(150)]:
        _check(sites, requirement_set, on)
        _, blocked_on[on] = readiness.assess_with_blockers(
            sites=sites, requirements=requirement_set, on=on
        )
    assert checked["blocked"] > before
    # Some requirement blocks some but not all sites on some date: the counts are not trivial.
    assert any(0 < n < len(sites) for blocked in blocked_on.values() for n in blocked.values())


def test_a_requirement_no_site_fails_is_left_out_and_no_sites_is_no_rows():
    site = SiteFactory()
    held, missing = CapabilityFactory(), CapabilityFactory()
    site_capability(site, held, IN_PLACE)
    requirement_set = readiness.requirement_set_for_capabilities([held, missing])
    summaries, blocked = readiness.assess_with_blockers(
        sites=[site], requirements=requirement_set, on=days(0)
    )
    keys = {r.capability_ids[0]: r.key for r in requirement_set.requirements}
    assert blocked == Counter({keys[missing.pk]: 1})
    assert (summaries[0].blockers, summaries[0].met, summaries[0].rows) == (1, 1, [])
    assert readiness.assess_with_blockers(sites=[], requirements=requirement_set, on=days(0)) == (
        [],
        Counter(),
    )
