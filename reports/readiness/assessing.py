"""Assessing sites: load what the rules need in bulk, apply them, rank the results.

Every function here costs a fixed number of queries whatever the number of sites, staff or
records (docs/architecture.md, "Readiness").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from reports.readiness.loading import (
    CapabilityStates,
    Cover,
    load_capability_states,
    load_staff_cover,
)
from reports.readiness.requirements import CAPABILITY, RequirementSet, requirement_sets
from reports.readiness.results import GapRow, SiteAssessment, from_rows
from reports.readiness.rules import capability_row, training_row
from reports.readiness.summary_sql import counts_in_database, summaries_in_database
from sites.models import Site
from sites.selectors import SiteRef
from trials.models import RequirementProfile, Trial


def _load(
    site_ids: list[int], capability_ids: set[int], course_ids: set[int], on: dt.date
) -> tuple[CapabilityStates, Cover]:
    """The checklist states and training cover the rules read: two queries."""
    return (
        load_capability_states(site_ids, capability_ids),
        load_staff_cover(site_ids, course_ids, on),
    )


def _rows(
    requirements: RequirementSet, states: CapabilityStates, cover: Cover, site_id: int, on: dt.date
) -> list[GapRow]:
    site_states, site_cover = states.get(site_id, {}), cover.get(site_id, {})
    return [
        capability_row(req, site_states, on)
        if req.kind == CAPABILITY
        else training_row(req, site_cover.get(req.course_id, ()), on)
        for req in requirements.requirements
    ]


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
    if isinstance(sites, QuerySet):
        sites = sites.select_related("region")
    site_list = list(sites)
    if summary_only and counts_in_database():
        return summaries_in_database(site_list, requirements, on)
    site_ids = [site.pk for site in site_list]
    states, cover = _load(site_ids, requirements.capability_ids, requirements.course_ids, on)
    return [
        from_rows(
            site,
            on,
            requirements,
            _rows(requirements, states, cover, site.pk, on),
            keep_rows=not summary_only,
        )
        for site in site_list
    ]


def assess_site(
    *, site: Site, requirement_sets: Iterable[RequirementSet], on: dt.date
) -> list[SiteAssessment]:
    """One site against several requirement sets (its page): two queries in all."""
    sets = list(requirement_sets)
    capability_ids = set().union(*(s.capability_ids for s in sets))
    course_ids = set().union(*(s.course_ids for s in sets))
    states, cover = _load([site.pk], capability_ids, course_ids, on)
    return [from_rows(site, on, s, _rows(s, states, cover, site.pk, on)) for s in sets]


def assess_site_for(
    *,
    site: Site,
    trials: list[Trial],
    profiles: list[RequirementProfile],
    on: dt.date,
) -> tuple[list[SiteAssessment], list[SiteAssessment]]:
    """One site against each trial and each profile (its pages): the trials' assessments and
    the profiles', in the order given. Five queries in all."""
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
