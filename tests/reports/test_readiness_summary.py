"""`assess(summary_only=True)` (the ranking) agrees with the full rows on every engine rule.

Re-runs every test of test_readiness.py with `readiness.assess` wrapped so that each full
assessment is checked against a summary-only assessment of the same sites, set and date.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import readiness
from reports.readiness import BLOCKER, EXPIRING, MET, WARNING, summary_sql
from reports.views.readiness import RANKING_PAGE_SIZE
from tests.reports.test_readiness import *  # noqa: F403 (every rule's test, run again here)
from tests.reports.test_readiness import (  # the autouse fixture makes ON today here too
    IN_PLACE,
    IN_PROGRESS,
    NOT_APPLICABLE,
    NOT_IN_PLACE,
    ON,
    _today_is_on,  # noqa: F401
    at,
    days,
    site_capability,
    trained,
    training_set,
)
from tests.sites.factories import CapabilityFactory, SiteCapabilityFactory, SiteFactory
from tests.training.factories import CourseFactory, StaffMemberFactory, TrainingRecordFactory
from tests.trials.factories import (
    CapabilityRequirementFactory,
    RequirementProfileFactory,
    TrainingRequirementFactory,
)
from training.models import add_months

# Counting queries is that test's own business: the cross-check below doubles them.
del test_it_uses_the_same_few_queries_for_one_site_and_fifty  # noqa: F821
del test_a_past_date_costs_the_same_queries_for_one_site_and_ten  # noqa: F821

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
    with at(on):  # today, so the current records are read
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
    assert [row[0] for row in second.context["rows"]] == list(
        range(RANKING_PAGE_SIZE + 1, total + 1)
    )
    ranked_sites = [a.site.pk for a in first.context["ranked"]]
    assert [row[1].site.pk for row in second.context["rows"]] == ranked_sites[RANKING_PAGE_SIZE:]
    rank, assessment, url, _ = second.context["rows"][0]
    assert url == (
        reverse("reports:site-readiness", args=[assessment.site.pk])
        + f"?profile=paged&on={ON.isoformat()}"
    )
    content = first.content.decode()
    assert f'href="?profile=paged&amp;on={ON.isoformat()}&amp;page=2"' in content
    assert content.count('<tr role="row" class="nhsuk-table__row">') == RANKING_PAGE_SIZE + 1


# --- the database's counting against the engine's rows, on mixed data -------------------------


@pytest.mark.parametrize("months", [0, 1, 4, 6, 12, 24, 36])
def test_it_finds_the_earliest_completion_still_valid_on_a_day(months):
    """Checked against every completion date around it: one day earlier no longer reaches."""
    for day in [dt.date(2024, 2, 29), dt.date(2025, 3, 31), dt.date(2026, 12, 31), ON]:
        earliest = summary_sql.earliest_completion(months, day)
        assert add_months(earliest, months) >= day
        assert add_months(earliest - dt.timedelta(days=1), months) < day


def _later(rng, recorded: int) -> dt.date:
    return days(rng.randint(recorded + 1, 0))


def build_random_site(rng, site, capabilities, courses, roles):
    """A checklist, staff and training recorded on random days of the last 500, some changed,
    deactivated or deleted later, so that past dates read a history that moves."""
    statuses = [IN_PLACE, IN_PLACE, IN_PROGRESS, NOT_IN_PLACE, NOT_APPLICABLE, None]
    for capability in capabilities:
        status = rng.choice(statuses)
        if status is None:
            continue
        recorded = rng.randint(-500, -2)
        with at(days(recorded)):
            item = site_capability(
                site, capability, status, rng.choice([None, days(rng.randint(-200, 400))])
            )
        if rng.random() < 0.4:
            with at(_later(rng, recorded)):
                item.status = rng.choice([IN_PLACE, IN_PROGRESS, NOT_IN_PLACE])
                item.evidence_expires_on = rng.choice([None, days(rng.randint(-100, 400))])
                item.save()
    for _ in range(rng.randint(0, 6)):
        recorded = rng.randint(-500, -2)
        with at(days(recorded)):
            staff = StaffMemberFactory(
                site=site,
                roles=rng.sample(roles, rng.randint(0, 2)),
                active=rng.random() > 0.15,
                left_on=rng.choice([None, None, days(rng.randint(-100, 200))]),
            )
        for course in rng.sample(courses, rng.randint(1, len(courses))):
            for completed in {rng.randint(-900, 60) for _ in range(rng.randint(1, 3))}:
                override = days(completed + rng.randint(0, 500)) if rng.random() < 0.2 else None
                with at(days(rng.randint(recorded, -1))):
                    record = TrainingRecordFactory(
                        staff=staff,
                        course=course,
                        completed_on=days(completed),
                        expiry_override=override,
                    )
                if rng.random() < 0.1:
                    with at(_later(rng, -2)):
                        record.delete()
        if rng.random() < 0.2:
            with at(_later(rng, recorded)):
                staff.active = False
                staff.left_on = rng.choice([None, days(rng.randint(recorded, 0))])
                staff.save()


ROLES = ["TRIAL_PHARM", "CELL_LAB_SCI", "PI", "ATMP_PHARM"]


def mixed_requirement_set():
    """A profile with alternatives, roles, minimum numbers, renewals and both levels: its set,
    capabilities, courses and the roles to draw staff from (build_random_site)."""
    capabilities = CapabilityFactory.create_batch(5)
    courses = [CourseFactory(renewal_months=months) for months in (None, 1, 12, 24)]
    profile = RequirementProfileFactory()
    CapabilityRequirementFactory(profile=profile, capabilities=capabilities[:2])
    CapabilityRequirementFactory(profile=profile, capabilities=[capabilities[2]])
    CapabilityRequirementFactory(
        profile=profile, capabilities=capabilities[3:], level="recommended"
    )
    for course, role, min_staff, level in [
        (courses[0], "", 1, "mandatory"),
        (courses[1], "TRIAL_PHARM", 2, "mandatory"),
        (courses[1], "", 3, "recommended"),
        (courses[2], "CELL_LAB_SCI", 1, "mandatory"),
        (courses[3], "PI", 2, "recommended"),
    ]:
        TrainingRequirementFactory(
            profile=profile, course=course, role=role, min_staff=min_staff, level=level
        )
    return readiness.requirement_set_for_profile(profile), capabilities, courses, ROLES


def test_the_summary_agrees_with_the_rows_on_mixed_sites_and_dates():
    """Twelve sites of random checklists, staff, roles, leavers, overrides and renewals, with a
    history of changes, against a set with alternatives, roles, minimum numbers and both
    levels, on six dates (three of them past, read from the history), and as a series."""
    rng = random.Random(20261123)
    requirement_set, capabilities, courses, roles = mixed_requirement_set()
    sites = SiteFactory.create_batch(12)
    for site in sites:
        build_random_site(rng, site, capabilities, courses, roles)

    outcomes = set()
    dates = [days(-365), days(-200), days(-31), ON, days(28), days(150)]
    for on in dates:
        full = readiness.assess(sites=sites, requirements=requirement_set, on=on)  # checked
        outcomes |= {row.outcome for a in full for row in a.rows}
    series = readiness.assess_series(sites=sites, requirements=requirement_set, dates=dates)
    for on, assessments in series.items():
        expected = _full_assess(sites=sites, requirements=requirement_set, on=on)
        assert [_summary_fields(a) for a in assessments] == [_summary_fields(a) for a in expected]
    assert outcomes == {MET, EXPIRING, BLOCKER, WARNING}  # the data reaches every outcome
    past = [a for on in dates[:3] for a in series[on]]
    assert {a.met > 0 for a in past} == {True, False}  # the history met some, not all
