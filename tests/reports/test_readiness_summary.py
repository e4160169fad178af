"""`assess(summary_only=True)` (the ranking) agrees with the full rows on every engine rule.

Re-runs every test of test_readiness.py with `readiness.assess` wrapped so that each full
assessment is checked against a summary-only assessment of the same sites, set and date.
"""

from __future__ import annotations

import pytest

from reports import readiness
from reports.readiness import BLOCKER, EXPIRING, MET
from tests.reports.test_readiness import *  # noqa: F403 (every rule's test, run again here)
from tests.reports.test_readiness import ON, days, trained, training_set
from tests.sites.factories import CapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory

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
