"""Assessing sites: load what the rules need in bulk, apply them, rank the results.

Every function here costs a fixed number of queries whatever the number of sites, staff or
records (docs/architecture.md, "Readiness"). A past date reads what was recorded then
(history.py); today and later dates read the current records (loading.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from django.db.models import QuerySet

from reports.readiness import detail_cache
from reports.readiness.blockers_sql import summaries_and_blockers_in_database
from reports.readiness.history import end_of, is_past, load_timelines
from reports.readiness.loading import (
    CapabilityStates,
    Cover,
    load_capability_states,
    load_staff_cover,
)
from reports.readiness.outcome import Outcome
from reports.readiness.requirements import TRAINING, RequirementSet, requirement_sets
from reports.readiness.results import SiteAssessment, from_counts, from_rows
from reports.readiness.rules import decide, row
from reports.readiness.summary_sql import counts_in_database, summaries_in_database
from sites.models import Site
from sites.selectors import SiteRef
from trials.models import RequirementProfile, Trial


def _renewal(sets: Iterable[RequirementSet]) -> dict[int, int | None]:
    """Course id -> months a completion stays valid, for the courses the sets require."""
    return {
        r.course_id: r.renewal_months for s in sets for r in s.requirements if r.kind == TRAINING
    }


def _load(
    site_ids: list[int], sets: list[RequirementSet], on: dt.date
) -> tuple[CapabilityStates, Cover]:
    """The checklist states and training cover the rules read: two queries (three for a past
    date, from the history)."""
    capability_ids = set().union(*(s.capability_ids for s in sets))
    course_ids = set().union(*(s.course_ids for s in sets))
    if is_past(on):
        timelines = load_timelines(site_ids, capability_ids, course_ids, end_of(on))
        return timelines.states(on), timelines.cover(on, _renewal(sets))
    return (
        load_capability_states(site_ids, capability_ids),
        load_staff_cover(site_ids, course_ids, on),
    )


def _assessment(
    site: Site | SiteRef,
    requirements: RequirementSet,
    states: CapabilityStates,
    cover: Cover,
    on: dt.date,
    summary_only: bool,
) -> SiteAssessment:
    """One site's assessment from loaded data: every row, or (summary_only) just the counts."""
    site_states, site_cover = states.get(site.pk, {}), cover.get(site.pk, {})
    if not summary_only:
        rows = [row(req, site_states, site_cover, on) for req in requirements.requirements]
        return from_rows(site, on, requirements, rows)
    counts: Counter[Outcome] = Counter()
    met_mandatory = 0
    for req in requirements.requirements:
        outcome = decide(req, site_states, site_cover, on)
        counts[outcome] += 1
        met_mandatory += req.is_mandatory and outcome.is_met
    return from_counts(site, on, requirements, counts, met_mandatory)


def _site_list(sites: Iterable[Site | SiteRef]) -> list[Site | SiteRef]:
    if isinstance(sites, QuerySet):
        sites = sites.select_related("region")
    return list(sites)


def assess(
    *,
    sites: Iterable[Site | SiteRef],
    requirements: RequirementSet,
    on: dt.date,
    summary_only: bool = False,
) -> list[SiteAssessment]:
    """One assessment per site, in the order given. At most three queries in all.

    With `summary_only` (the ranking), each assessment has the same score, readiness and
    counts but no rows. On PostgreSQL the database then counts the outcomes in one query
    (summary_sql.py) instead of the checklist rows and training records being fetched here.
    """
    site_list = _site_list(sites)
    if summary_only and counts_in_database():
        return summaries_in_database(site_list, requirements, [on])[on]
    states, cover = _load([site.pk for site in site_list], [requirements], on)
    return [_assessment(site, requirements, states, cover, on, summary_only) for site in site_list]


def assess_with_blockers(
    *, sites: Iterable[Site | SiteRef], requirements: RequirementSet, on: dt.date
) -> tuple[list[SiteAssessment], Counter[str]]:
    """The sites' summary assessments (as `assess(summary_only=True)`), and requirement key →
    how many of the sites it blocks (keys blocking none left out): the overview's figures.

    On PostgreSQL one query (blockers_sql.py); otherwise the full rows are counted.
    """
    site_list = _site_list(sites)
    if counts_in_database():
        return summaries_and_blockers_in_database(site_list, requirements, on)
    assessments = assess(sites=site_list, requirements=requirements, on=on)
    blocked: Counter[str] = Counter(
        row.requirement.key for a in assessments for row in a.rows if row.is_blocker
    )
    return [replace(a, rows=[]) for a in assessments], blocked


def assess_series(
    *,
    sites: Iterable[Site | SiteRef],
    requirements: RequirementSet,
    dates: Iterable[dt.date],
    summary_only: bool = True,
) -> dict[dt.date, list[SiteAssessment]]:
    """The sites' assessments as of each date (a trend), oldest date first.

    Each date's list is what `assess(..., on=date)` returns, in the order of `sites`.
    Queries: on PostgreSQL with `summary_only`, one per date (the ranking's SQL, which reads
    the history for past dates: measured faster than folding the history in Python, see
    docs/performance.md). Otherwise every past date is answered from one read of the history
    (three queries for all of them, however many dates), and each date from today on costs
    two, as `assess` does.
    """
    site_list = _site_list(sites)
    days = sorted(set(dates))
    if summary_only and counts_in_database():
        return summaries_in_database(site_list, requirements, days)
    past = [day for day in days if is_past(day)]
    result: dict[dt.date, list[SiteAssessment]] = {}
    if past:
        site_ids = [site.pk for site in site_list]
        timelines = load_timelines(
            site_ids, requirements.capability_ids, requirements.course_ids, end_of(past[-1])
        )
        renewal = _renewal([requirements])
        for day in past:
            states, cover = timelines.states(day), timelines.cover(day, renewal)
            result[day] = [
                _assessment(site, requirements, states, cover, day, summary_only)
                for site in site_list
            ]
    for day in days[len(past) :]:
        result[day] = assess(
            sites=site_list, requirements=requirements, on=day, summary_only=summary_only
        )
    return result


def assess_site(
    *, site: Site | SiteRef, requirement_sets: Iterable[RequirementSet], on: dt.date
) -> list[SiteAssessment]:
    """One site against several requirement sets (its page).

    On PostgreSQL the rows are cached under the site's readiness stamp (detail_cache.py): one
    query (the stamp) when every set is cached, and the two (three for a past date) below for
    the sets that are not. Elsewhere those two or three."""
    sets = list(requirement_sets)
    if not sets:
        return []
    if detail_cache.enabled():
        return detail_cache.cached_site_assessments(
            site, sets, on, lambda missing: assess_site_afresh(site, missing, on)
        )
    return assess_site_afresh(site, sets, on)


def assess_site_afresh(
    site: Site | SiteRef, sets: list[RequirementSet], on: dt.date
) -> list[SiteAssessment]:
    """`assess_site` without the cache: two queries (three for a past date)."""
    states, cover = _load([site.pk], sets, on)
    return [_assessment(site, s, states, cover, on, summary_only=False) for s in sets]


def assess_site_for(
    *,
    site: Site,
    trials: list[Trial],
    profiles: list[RequirementProfile],
    on: dt.date,
) -> tuple[list[SiteAssessment], list[SiteAssessment]]:
    """One site against each trial and each profile (its pages): the trials' assessments and
    the profiles', in the order given. Four queries for the requirement sets, then
    `assess_site`'s: seven in all (eight for a past date), five when the rows are cached."""
    trial_sets, profile_sets = requirement_sets(trials=trials, profiles=profiles)
    sets = [trial_sets[t.pk] for t in trials] + [profile_sets[p.pk] for p in profiles]
    assessments = assess_site(site=site, requirement_sets=sets, on=on)
    return assessments[: len(trials)], assessments[len(trials) :]


def rank(assessments: list[SiteAssessment]) -> list[SiteAssessment]:
    """Ready first, then score (highest first; no score last), fewest blockers, then name."""
    return sorted(
        assessments,
        key=lambda a: (
            not a.ready,
            -(a.score if a.score is not None else -1.0),
            a.blockers,
            a.site.name.lower(),
            a.site.pk,
        ),
    )
