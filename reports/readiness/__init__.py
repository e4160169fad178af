"""The readiness engine: what a site lacks for a trial or requirement profile, as of a date.

Pure: no request, no templates. The web pages, the API, the PDF and the CSV all call
`assess()`; it uses a constant number of queries whatever the number of sites, staff or
records. The rules are in docs/readiness.md; the parts of this package:

- requirements.py  assembling a trial's, a profile's or an ad-hoc requirement set
- rules.py         the one place that decides met / blocker / warning / expiring
- outcome.py       the `Outcome` vocabulary
- results.py       `GapRow` and `SiteAssessment`, what an assessment returns
- loading.py       reading checklist states and training cover in bulk (today and later)
- history.py       the same as of a past date, from the change history
- summary_sql.py   the ranking's PostgreSQL fast path (the same rules, counted by the database)
- summary_cache.py its counts cached per site, keyed by each site's readiness stamp
- detail_cache.py  a site's full rows (its pages) cached under the same stamp
- blockers_sql.py  the overview's: per-site counts and per-requirement blocked sites, one query
- assessing.py     `assess()`, `assess_series()`, `assess_site()`, `rank()`
"""

from __future__ import annotations

from atmp_portal.expiring import expiring_days, is_expiring
from reports.readiness.assessing import (
    assess,
    assess_series,
    assess_site,
    assess_site_for,
    assess_with_blockers,
    rank,
)
from reports.readiness.outcome import BLOCKER, EXPIRING, MET, OUTCOMES, WARNING, Outcome
from reports.readiness.requirements import (
    AD_HOC_LABEL,
    CAPABILITY,
    MANDATORY,
    RECOMMENDED,
    TRAINING,
    TRIAL_SPECIFIC,
    Requirement,
    RequirementSet,
    requirement_set_for_capabilities,
    requirement_set_for_draft,
    requirement_set_for_profile,
    requirement_set_for_trial,
    requirement_sets,
)
from reports.readiness.results import GapRow, SiteAssessment
from reports.readiness.rules import NO_RECORD, long_date

__all__ = [
    "AD_HOC_LABEL",
    "BLOCKER",
    "CAPABILITY",
    "EXPIRING",
    "MANDATORY",
    "MET",
    "NO_RECORD",
    "OUTCOMES",
    "RECOMMENDED",
    "TRAINING",
    "TRIAL_SPECIFIC",
    "WARNING",
    "GapRow",
    "Outcome",
    "Requirement",
    "RequirementSet",
    "SiteAssessment",
    "assess",
    "assess_series",
    "assess_site",
    "assess_site_for",
    "assess_with_blockers",
    "expiring_days",
    "is_expiring",
    "long_date",
    "rank",
    "requirement_set_for_capabilities",
    "requirement_set_for_draft",
    "requirement_set_for_profile",
    "requirement_set_for_trial",
    "requirement_sets",
]
