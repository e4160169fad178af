"""The overview's fast path on PostgreSQL: each site's counts and each requirement's blocked
sites, counted by the database in one statement.

The same decisions as rules.py, through the ranking's statement (summary_sql.MET_CTE: each
requirement each site meets), grouped two ways at once: per site (the ranking's counts) and per
requirement (how many sites meet it; a mandatory requirement blocks every other site). A past
date reads the change history, as the ranking does. Proven equal to counting the rows of full
assessments by tests/reports/test_readiness_blockers.py, which re-runs every rule test.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from reports.readiness.requirements import RequirementSet
from reports.readiness.results import SiteAssessment
from reports.readiness.summary_sql import assessments_from_counts, run_met_query
from sites.models import Site
from sites.selectors import SiteRef

# Rows with a site id are the site's (met not expiring, expiring, met mandatory); rows without
# one are a requirement's (idx, sites meeting it).
_BY_SITE_AND_REQUIREMENT = """SELECT site_id, idx,
       count(*) FILTER (WHERE NOT expiring),
       count(*) FILTER (WHERE expiring),
       count(*) FILTER (WHERE mandatory)
FROM met
GROUP BY GROUPING SETS ((site_id), (idx))
"""


def summaries_and_blockers_in_database(
    site_list: list[Site | SiteRef], requirements: RequirementSet, on: dt.date
) -> tuple[list[SiteAssessment], Counter[str]]:
    """assess(summary_only=True), and requirement key → sites it blocks (none left out
    that blocks one): one query whatever the number of sites."""
    if not site_list:
        return [], Counter()
    rows = run_met_query(_BY_SITE_AND_REQUIREMENT, [s.pk for s in site_list], requirements, on)
    counts: dict[int, tuple[int, int, int]] = {}
    meeting: Counter[int] = Counter()
    for site_id, idx, met, expiring, met_mandatory in rows:
        if site_id is None:
            meeting[idx] = met + expiring
        else:
            counts[site_id] = (met, expiring, met_mandatory)
    blocked: Counter[str] = Counter()
    for idx, requirement in enumerate(requirements.requirements):
        if requirement.is_mandatory and meeting[idx] < len(site_list):
            blocked[requirement.key] += len(site_list) - meeting[idx]
    return assessments_from_counts(site_list, requirements, on, counts), blocked
