"""`assess(summary_only=True)` (the ranking) agrees with the full rows on every engine rule.

Re-runs every test of test_readiness.py with `readiness.assess` wrapped so that each full
assessment is checked against a summary-only assessment of the same sites, set and date.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import readiness
from reports.readiness import BLOCKER, EXPIRING, MET
from reports.views.readiness import RANKING_PAGE_SIZE
from tests.reports.test_readiness import *  # noqa: F403 (every rule's test, run again here)
from tests.reports.test_readiness import ON, days, trained, training_set
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
)

# Counting queries is that test's own business: the cross-check below doubles them.
del test_it_uses_the_same_few_queries_for_one_site_and_fifty  # noqa: F821

_full_assess = readiness.assess


def _summary_fields(assessment: readiness.SiteAssessment) -> tuple:
    return (
        assessment.site.pk,
        assessment.score,
        assessment.ready,
        assessment.blockers,
        assessment.warnings,
        assessment.expiring,
        assessment.met,
    )


def _checked_assess(*, sites, requirements, on, summary_only=False):
    sites = list(sites)
    full = _full_assess(sites=sites, requirements=requirements, on=on, summary_only=summary_only)
    summary = _full_assess(sites=sites, requirements=requirements, on=on, summary_only=True)
    assert [_summary_fields(a) for a in summary] == [_summary_fields(a) for a in full]
    assert all(a.rows == [] for a in summary)
    return full


@pytest.fixture(autouse=True)
def _cross_check_summary(monkeypatch):
    monkeypatch.setattr(readiness, "assess", _checked_assess)


def test_it_gives_no_rows_but_the_same_counts_in_summary_mode():
    site = SiteFactory()
    capability = CapabilityFactory()
    requirement_set = readiness.requirement_set_for_capabilities([capability])
    (full,) = _full_assess(sites=[site], requirements=requirement_set, on=ON)
    (summary,) = _full_assess(sites=[site], requirements=requirement_set, on=ON, summary_only=True)
    assert len(full.rows) == 1 and summary.rows == []
    assert (summary.blockers, summary.ready, summary.score) == (1, False, 0.0)


@pytest.mark.parametrize(
    ("left_in", "outcome"), [(0, BLOCKER), (89, EXPIRING), (90, EXPIRING), (91, MET)]
)
def test_it_dates_training_cover_at_the_expiring_boundary_in_both_modes(left_in, outcome):
    """Cover ends the day before a leaving date: 89 days left is expiring, 90 is not."""
    site = SiteFactory()
    course = CourseFactory(renewal_months=None)
    trained(site, course, "A. Patel", roles=(), completed=-30)
    staff = trained(site, course, "B. Jones", roles=(), completed=-30)
    staff.left_on = days(left_in)
    staff.save()

    (assessment,) = readiness.assess(
        sites=[site], requirements=training_set(course, min_staff=2), on=ON
    )

    assert assessment.rows[0].outcome == outcome


# --- month-end renewal: the database's month arithmetic must clamp as add_months does ---------

MONTH_END_CASES = [
    # (completed on, renewal months, assessed on, outcome): valid up to and including the day
    (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28), EXPIRING),  # clamped to 28 Feb
    (dt.date(2025, 1, 31), 1, dt.date(2025, 3, 1), BLOCKER),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29), EXPIRING),  # leap year: 29 Feb
    (dt.date(2024, 1, 31), 1, dt.date(2024, 3, 1), BLOCKER),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28), EXPIRING),  # 29 Feb + 1 year = 28 Feb
    (dt.date(2024, 2, 29), 12, dt.date(2025, 3, 1), BLOCKER),
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29), EXPIRING),
    (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29), EXPIRING),  # 31 Aug + 6 months = 29 Feb
    (dt.date(2023, 8, 31), 6, dt.date(2024, 3, 1), BLOCKER),
    (dt.date(2024, 10, 31), 4, dt.date(2024, 11, 30), MET),  # expires 28 Feb: 90 days away
    (dt.date(2024, 10, 31), 4, dt.date(2024, 12, 1), EXPIRING),  # 89 days away
]


@pytest.mark.parametrize(("completed", "months", "on", "outcome"), MONTH_END_CASES)
def test_it_renews_training_at_the_clamped_month_end_in_both_modes(completed, months, on, outcome):
    site = SiteFactory()
    course = CourseFactory(renewal_months=months)
    staff = StaffMemberFactory(site=site, roles=["TRIAL_PHARM"])
    TrainingRecordFactory(staff=staff, course=course, completed_on=completed)

    (full,) = _full_assess(sites=[site], requirements=training_set(course), on=on)
    (summary,) = _full_assess(
        sites=[site], requirements=training_set(course), on=on, summary_only=True
    )

    assert full.rows[0].outcome == outcome
    assert _summary_fields(summary)[1:] == _summary_fields(full)[1:]


def test_it_keeps_the_longest_record_and_a_shorter_override_in_both_modes():
    """An override wins over the course's renewal, longer or shorter; the longest record counts."""
    site = SiteFactory()
    course = CourseFactory(renewal_months=12)
    staff = StaffMemberFactory(site=site, roles=["TRIAL_PHARM"])
    TrainingRecordFactory(staff=staff, course=course, completed_on=days(-400))  # lapsed
    TrainingRecordFactory(
        staff=staff, course=course, completed_on=days(-10), expiry_override=days(30)
    )

    (assessment,) = readiness.assess(sites=[site], requirements=training_set(course), on=ON)

    assert assessment.rows[0].outcome == EXPIRING


def test_it_counts_the_summary_in_the_same_few_queries_for_one_site_and_fifty():
    capability = CapabilityFactory()
    course = CourseFactory(renewal_months=24)
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=[capability])
    TrainingRequirementFactory(profile=profile, course=course, role="TRIAL_PHARM")
    requirement_set = readiness.requirement_set_for_profile(profile)

    def queries_for(n: int) -> int:
        sites = SiteFactory.create_batch(n)
        for site in sites:
            SiteCapabilityFactory(site=site, capability=capability)
            trained(site, course, "A. Patel")
        with CaptureQueriesContext(connection) as captured:
            assessments = _full_assess(
                sites=sites, requirements=requirement_set, on=ON, summary_only=True
            )
        assert [a.ready for a in assessments] == [True] * n
        return len(captured)

    assert queries_for(1) == queries_for(50) <= 3


# --- the ranking page: 50 sites a page, links keeping the query --------------------------------


def test_it_pages_the_ranking_and_keeps_the_query_in_the_links(personas):
    profile = RequirementProfileFactory(code="paged")
    CapabilityRequirementFactory(profile=profile, capabilities=[CapabilityFactory()])
    extra = SiteFactory.create_batch(55, region=personas.north)
    client = personas.client_for(personas.network)
    params = {"profile": "paged", "on": ON.isoformat()}

    first = client.get("/readiness/", params)
    second = client.get("/readiness/", {**params, "page": 2})

    total = len(first.context["ranked"])
    assert total >= len(extra)
    assert len(first.context["rows"]) == RANKING_PAGE_SIZE
    assert [rank for rank, _, _ in second.context["rows"]] == list(
        range(RANKING_PAGE_SIZE + 1, total + 1)
    )
    ranked_sites = [a.site.pk for a in first.context["ranked"]]
    assert [a.site.pk for _, a, _ in second.context["rows"]] == ranked_sites[RANKING_PAGE_SIZE:]
    rank, assessment, url = second.context["rows"][0]
    assert url == (
        reverse("reports:site-readiness", args=[assessment.site.pk])
        + f"?profile=paged&on={ON.isoformat()}"
    )
    content = first.content.decode()
    assert f'href="?profile=paged&amp;on={ON.isoformat()}&amp;page=2"' in content
    assert content.count('<tr class="nhsuk-table__row">') == RANKING_PAGE_SIZE + 1
