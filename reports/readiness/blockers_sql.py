"""The overview's fast path on PostgreSQL: each site's counts and which mandatory requirements
it meets, so that each requirement's blocked sites are counted without a row per requirement.

The same decisions as rules.py, through the ranking's statement (summary_sql.MET_CTE: each
requirement each site meets), ended per site with the ranking's counts and the indices of the
mandatory requirements the site meets; a mandatory requirement blocks every site that does not
meet it. Each site's answer is cached under its readiness stamp like the ranking's counts
(summary_cache.py, with a digest of its own), so only sites written since are counted again.
A past date reads the change history, as the ranking does. Proven equal to counting the rows of
full assessments by tests/reports/test_readiness_blockers.py, which re-runs every rule test.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from reports.readiness import summary_cache
from reports.readiness.history import is_past
from reports.readiness.requirements import RequirementSet
from reports.readiness.results import SiteAssessment
from reports.readiness.summary_sql import _summary_params, assessments_from_counts, run_met_query
from sites.models import Site
from sites.selectors import SiteRef

# Every site asked: (met not expiring, expiring, met mandatory, the mandatory requirements' idx
# it meets, its readiness stamp as this statement saw it).
_PER_SITE_AND_REQUIREMENT = """, counted AS (
    SELECT site_id,
           count(*) FILTER (WHERE NOT expiring) AS met,
           count(*) FILTER (WHERE expiring) AS expiring,
           count(*) FILTER (WHERE mandatory) AS met_mandatory,
           array_agg(idx ORDER BY idx) FILTER (WHERE mandatory) AS met_mandatory_idx
    FROM met
    GROUP BY site_id
)
SELECT v.site_id, coalesce(c.met, 0), coalesce(c.expiring, 0), coalesce(c.met_mandatory, 0),
       coalesce(c.met_mandatory_idx, '{{}}'::int[]), coalesce(st.version, 0)
FROM visible v
LEFT JOIN counted c ON c.site_id = v.site_id
LEFT JOIN {stamp} st ON st.site_id = v.site_id
"""


def summaries_and_blockers_in_database(
    site_list: list[Site | SiteRef], requirements: RequirementSet, on: dt.date
) -> tuple[list[SiteAssessment], Counter[str]]:
    """assess(summary_only=True), and requirement key → sites it blocks (none left out that
    blocks one). Queries: one for the stamps; one statement if a site is not cached."""
    if not site_list:
        return [], Counter()
    params = {**_summary_params([], requirements, on), "per_requirement": True}
    digests = {on: summary_cache.digest(params, past=is_past(on))}

    def count(day: dt.date, site_ids: list[int]) -> dict[int, tuple]:
        rows = run_met_query(_PER_SITE_AND_REQUIREMENT, site_ids, requirements, day)
        return {
            site_id: (*counts, tuple(met_idx), stamp) for site_id, *counts, met_idx, stamp in rows
        }

    answers = summary_cache.cached_counts([s.pk for s in site_list], digests, count)[on]
    meeting = Counter(idx for *_, met_idx in answers.values() for idx in met_idx)
    blocked: Counter[str] = Counter()
    for idx, requirement in enumerate(requirements.requirements):
        if requirement.is_mandatory and meeting[idx] < len(site_list):
            blocked[requirement.key] += len(site_list) - meeting[idx]
    counts = {site_id: answer[:3] for site_id, answer in answers.items()}
    return assessments_from_counts(site_list, requirements, on, counts), blocked
